/**
 * Runs the `kubedesk` CLI from source (`node --import tsx src/main/cli.ts …`) for the CLI tests,
 * so they do not depend on a build. Every process started here is tracked and killed by
 * `stopStartedProcesses` if a test leaves one behind.
 *
 * `up` merges a context into the user's kubeconfig: every child gets KUBECONFIG pointing at a
 * temporary file (unless the test passes its own), so no test ever touches ~/.kube/config.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

/** The repository root (the CLI resolves package.json and tsx from here). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI_SOURCE = join(REPO_ROOT, 'src/main/cli.ts')

/** The finished run of one command. */
export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A `kubedesk` process still running (typically `up` or `logs -f`). */
export interface RunningCli {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves once `pattern` shows up in the stream; rejects if the process exits first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<void>
  exited: Promise<CliResult>
}

const started = new Set<ChildProcess>()

/** The kubeconfig children use unless told otherwise; removed after the test file. */
const kubeHome = mkdtempSync(join(tmpdir(), 'kd-kube-'))
export const TEST_KUBECONFIG = join(kubeHome, 'config')
afterAll(() => rmSync(kubeHome, { recursive: true, force: true }))

/** A fresh, short data directory (socket paths must stay under ~107 bytes). */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'kd-cli-'))
}

/** Removes a data directory made by `tempDataDir`. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * Environment for the child: no KUBEDESK_HOME leaking in from the developer's shell, and a
 * temporary KUBECONFIG so the user's own is never read or written.
 */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: TEST_KUBECONFIG, ...extra }
  if (!('KUBEDESK_HOME' in extra)) delete env.KUBEDESK_HOME
  delete env.KUBEDESK_DEBUG
  return env
}

/** Starts `kubedesk <args>` and returns at once. */
export function startCli(args: string[], env?: NodeJS.ProcessEnv): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_SOURCE, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  started.add(child)
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  let closed = false
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    waiters.forEach((w) => w())
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
    waiters.forEach((w) => w())
  })
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      started.delete(child)
      closed = true
      resolve({ code, signal, stdout: out, stderr: err })
      waiters.forEach((w) => w())
    })
  })
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, stream = 'stderr') {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          const text = stream === 'stdout' ? out : err
          if (pattern.test(text)) {
            waiters.splice(waiters.indexOf(check), 1)
            resolve()
          } else if (closed) {
            waiters.splice(waiters.indexOf(check), 1)
            reject(new Error(`kubedesk exited before printing ${pattern}:\n${out}\n${err}`))
          }
        }
        waiters.push(check)
        check()
      })
    }
  }
}

/** Runs `kubedesk <args>` to completion. */
export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).exited
}

/** Kills (by handle) any process a test started and left running. */
export async function stopStartedProcesses(): Promise<void> {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve())
          child.kill('SIGKILL')
        })
    )
  )
}
