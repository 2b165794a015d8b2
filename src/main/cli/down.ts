/**
 * `kubedesk down`: asks the instance of a data directory to stop through its control socket
 * and waits until it has released the directory and exited. `--delete` then removes the files
 * KubeDesk created there and the `kubedesk` entries `up` merged into the user's kubeconfig.
 *
 * Like `kind delete cluster`, stopping what is not running is not an error (exit 0), so scripts
 * can call `down` unconditionally.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ControlSocketUnavailableError, requestShutdown } from '../control-socket'
import {
  dataDirPaths,
  deleteKubeDeskFiles,
  isProcessAlive,
  resolveDataDir,
  runningInstancePid
} from '../data-dir'
import { KubeconfigError, readKubeconfigCredentials, removeFromUserKubeconfig } from '../kubeconfig'
import { NODE_PROVIDER_COMPONENT } from '../control-plane'
import { removeDockerNodes } from '../nodes/create-provider'
import { createComponentLog } from '../observe/component-log'
import { parseDurationFlag, parseFlags, stringFlag } from './args'
import { CliError } from './errors'
import type { CliIO } from './io'
import { formatDuration } from './status'

const COMMAND = 'kubedesk down'
const POLL_MS = 100
/** How long a live instance may take to open its control socket (it may be starting). */
const SOCKET_GRACE_MS = 10_000

/** Runs `kubedesk down`. */
export async function runDown(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(COMMAND, argv, {
    delete: { type: 'boolean' },
    timeout: { type: 'string' }
  })
  const timeoutMs = parseDurationFlag(COMMAND, '--timeout', stringFlag(values, 'timeout') ?? '60s')
  const dir = resolveDataDir(stringFlag(values, 'data-dir'), io.env)
  const err = (line: string): void => void io.stderr.write(line + '\n')

  const pid = runningInstancePid(dir)
  if (pid === undefined) {
    err(`kubedesk: no KubeDesk is running for ${dir}; nothing to stop.`)
  } else {
    err(`Stopping KubeDesk (pid ${pid}) at ${dir}…`)
    await askToStop(dir, pid)
    err('✓ shutdown accepted')
    const exited = await waitForExit(dir, pid, timeoutMs, err)
    err(
      exited
        ? `✓ stopped: pid ${pid} has exited and released ${dir}`
        : `✓ stopped: pid ${pid} released ${dir} (the process itself keeps running)`
    )
  }

  if (values.delete === true) {
    const nodes = await removeDockerNodes(dir, createComponentLog(dir, NODE_PROVIDER_COMPONENT))
    if (nodes.length > 0) err(`✓ removed docker nodes: ${nodes.join(', ')}`)
    // Before the files go: the CA in them tells our kubeconfig entries from another cluster's.
    const kubeconfigFailure = await removeUserKubeconfigEntries(dir, io.env, err)
    const removed = deleteKubeDeskFiles(dir)
    err(
      removed.length === 0
        ? `✓ nothing to delete in ${dir}`
        : `✓ deleted from ${dir}: ${removed.join(', ')}`
    )
    if (kubeconfigFailure) throw kubeconfigFailure
  }
  return 0
}

/**
 * Takes out of the user's kubeconfig what `up` merged into it, if it is still this cluster's.
 * Answers the failure (a kubeconfig that does not parse) so the data is deleted regardless.
 */
async function removeUserKubeconfigEntries(
  dir: string,
  env: NodeJS.ProcessEnv,
  err: (line: string) => void
): Promise<KubeconfigError | undefined> {
  const paths = dataDirPaths(dir)
  const caCert =
    readText(join(paths.pkiDir, 'ca.crt')) ?? readKubeconfigCredentials(paths.kubeconfig)?.caCert
  // Never started (or already deleted): nothing of ours can be in the user's kubeconfig.
  if (caCert === undefined) return undefined
  try {
    const result = await removeFromUserKubeconfig({ match: { caCert } }, env)
    if (result.keptBecause) {
      err(`✓ left ${result.file} alone: ${result.keptBecause}`)
    } else if (result.removed.length > 0) {
      err(`✓ removed from ${result.file}: ${result.removed.join(', ')}`)
    }
    return undefined
  } catch (e) {
    if (!(e instanceof KubeconfigError)) throw e
    return e
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** Sends the shutdown, giving a starting instance a moment to open its socket. */
async function askToStop(dir: string, pid: number): Promise<void> {
  const { socket } = dataDirPaths(dir)
  const deadline = Date.now() + SOCKET_GRACE_MS
  for (;;) {
    try {
      return await requestShutdown(socket)
    } catch (e) {
      if (!(e instanceof ControlSocketUnavailableError)) throw e
      // It stopped on its own in the meantime: that is what we wanted.
      if (runningInstancePid(dir) === undefined) return
      if (Date.now() > deadline) {
        throw new CliError(
          `KubeDesk (pid ${pid}) holds ${dir} but does not answer on ${socket}`,
          `If it is stuck, stop it with 'kill ${pid}' and run 'kubedesk down' again.`
        )
      }
      await sleep(POLL_MS)
    }
  }
}

/**
 * Waits for the lock to be released, then (briefly) for the process to exit; answers whether it
 * did. An app that keeps running after its control plane stopped is fine once the lock is gone.
 */
async function waitForExit(
  dir: string,
  pid: number,
  timeoutMs: number,
  err: (line: string) => void
): Promise<boolean> {
  const started = Date.now()
  let announced = false
  while (runningInstancePid(dir) === pid) {
    const waited = Date.now() - started
    if (waited > timeoutMs) {
      throw new CliError(
        `KubeDesk (pid ${pid}) did not stop within ${formatDuration(timeoutMs)}`,
        `See 'kubedesk logs kubedesk --data-dir ${dir}', or stop it with 'kill ${pid}'.`
      )
    }
    if (!announced && waited > 3000) {
      err('  still stopping (closing the store)…')
      announced = true
    }
    await sleep(POLL_MS)
  }
  const exitDeadline = Date.now() + 5000
  while (isProcessAlive(pid)) {
    if (Date.now() > exitDeadline) return false
    await sleep(POLL_MS)
  }
  return true
}
