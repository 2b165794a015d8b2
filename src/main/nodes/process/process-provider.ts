/**
 * The process node provider: each worker's kubelet is a child process of the control plane
 * (`node <agentBundle>`, runtime `process`, address 127.0.0.1), for machines without Docker.
 * Its state lives in `<dataDir>/nodes/<name>` and its output goes through the log hub to
 * `<dataDir>/logs/kubelet-<name>.log` (a component log, so `kubedesk logs kubelet/<name>` reads
 * it). A kubelet that crashes is started again after a back-off (1 s doubling to 30 s).
 * Process nodes die with the control plane: `detach` stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { KubeletConfig } from '../../../agent/config'
import { componentLogFile } from '../../observe/component-log'
import { copyLines, DEFAULT_VERBOSITY, logHubFor } from '../../observe/log-hub'
import { kubeletLogComponent } from '../kubelet-verbosity'
import {
  checkNodeName,
  checkNodeSize,
  KUBELET_CONFIG_ENV,
  kubeletConfigFile,
  nodeStateDir,
  writeKubeletConfig
} from '../kubelet-config-file'
import { createKeyedLock } from '../node-lock'
import {
  NodeProviderError,
  type KubeletLaunch,
  type NodeProvider,
  type NodeProviderOptions,
  type NodeSize,
  type ProviderNode
} from '../types'

/** What the process provider takes beyond every provider's options. */
export interface ProcessProviderOptions extends NodeProviderOptions {
  /** The kubelet bundle (out/agent/kubelet.js). */
  agentBundle: string
  /** Crash restart back-off: first delay and ceiling (default 1 s doubling to 30 s). */
  restartBackoff?: { initialMs: number; maxMs: number }
  /** SIGTERM grace before SIGKILL on stop (default 10 s). */
  stopTimeoutMs?: number
}

/** The log file of a process node's kubelet: the component log `kubelet-<name>`. */
export function processKubeletLogFile(dataDir: string, name: string): string {
  return componentLogFile(dataDir, `kubelet-${name}`)
}

/** A kubelet that ran this long counts as healthy: its next crash restarts without delay growth. */
const HEALTHY_MS = 60_000

interface ProcessNode {
  name: string
  size: NodeSize
  child?: ChildProcess
  /** Set while the node should run; cleared by stop, remove and detach. */
  wanted: boolean
  restartTimer?: NodeJS.Timeout
  delayMs: number
  startedAt: number
  exited?: Promise<void>
}

/** Makes the process node provider for one data directory. */
export function createProcessProvider(opts: ProcessProviderOptions): NodeProvider {
  const { dataDir, log, agentBundle } = opts
  const backoff = opts.restartBackoff ?? { initialMs: 1000, maxMs: 30_000 }
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000
  const nodes = new Map<string, ProcessNode>()
  const lock = createKeyedLock()

  const sizeFile = (name: string): string => join(nodeStateDir(dataDir, name), 'node.json')

  function spawnKubelet(node: ProcessNode): void {
    const logFile = processKubeletLogFile(dataDir, node.name)
    // The kubelet's output goes through the log hub (ring buffer, rotation) as the kubelet of a
    // docker node does; its verbosity, which a new kubelet process starts at again, is its own
    // (`kubedesk logs --verbosity N kubelet/<node>` sets it through the kubelet API).
    const sink = logHubFor(dataDir).sink(kubeletLogComponent(node.name), { external: true })
    sink.verbosity = DEFAULT_VERBOSITY
    const child = spawn(process.execPath, [agentBundle], {
      cwd: nodeStateDir(dataDir, node.name),
      env: {
        ...process.env,
        [KUBELET_CONFIG_ENV]: kubeletConfigFile(dataDir, node.name),
        // Under Electron, execPath is Electron: make it behave as plain node.
        ELECTRON_RUN_AS_NODE: '1'
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stop can sweep the pods' processes with it.
      detached: true
    })
    for (const stream of [child.stdout, child.stderr]) {
      const copy = copyLines(sink)
      stream?.on('data', (chunk: Buffer) => copy.write(chunk))
      stream?.on('end', () => copy.end())
    }
    node.child = child
    node.startedAt = Date.now()
    node.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        log.error('cannot start kubelet', { node: node.name, err })
        resolve()
      })
      // 'close': exited and its output read to the end, so the log holds its last lines.
      child.on('close', (code, signal) => {
        sink.flush()
        if (node.child === child) node.child = undefined
        resolve()
        if (!node.wanted) return
        // A crash: start it again after a back-off that grows while it keeps crashing.
        if (Date.now() - node.startedAt > HEALTHY_MS) node.delayMs = backoff.initialMs
        const delay = node.delayMs
        node.delayMs = Math.min(node.delayMs * 2, backoff.maxMs)
        log.warn('kubelet exited; restarting', { node: node.name, code, signal, delayMs: delay })
        node.restartTimer = setTimeout(() => {
          node.restartTimer = undefined
          if (!node.wanted || node.child) return
          try {
            spawnKubelet(node)
          } catch (err) {
            log.error('cannot restart kubelet', { node: node.name, err })
          }
        }, delay)
      })
    })
    log.info('kubelet started', { node: node.name, pid: child.pid, log: logFile })
  }

  async function launchNode(node: ProcessNode, launch: KubeletLaunch): Promise<void> {
    const given = await launch.config({ name: node.name, size: node.size, address: '127.0.0.1' })
    const stateDir = nodeStateDir(dataDir, node.name)
    const config: KubeletConfig = {
      ...given,
      nodeName: node.name,
      runtime: 'process',
      rootDir: stateDir,
      hostRootDir: stateDir,
      criSocket: given.criSocket ?? join(stateDir, 'cri.sock')
    }
    await writeKubeletConfig(dataDir, node.name, config)
    await writeFile(sizeFile(node.name), JSON.stringify({ size: node.size }) + '\n', {
      mode: 0o600
    })
    node.wanted = true
    node.delayMs = backoff.initialMs
    try {
      spawnKubelet(node)
    } catch (err) {
      node.wanted = false
      throw err
    }
  }

  async function halt(node: ProcessNode): Promise<void> {
    node.wanted = false
    clearTimeout(node.restartTimer)
    node.restartTimer = undefined
    const child = node.child
    if (!child?.pid) return
    const exited = node.exited ?? Promise.resolve()
    signalGroup(child.pid, 'SIGTERM', true)
    let timer: NodeJS.Timeout | undefined
    const killed = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), stopTimeoutMs)))
    ])
    clearTimeout(timer)
    if (killed) log.warn('kubelet did not stop in time; killing it', { node: node.name })
    // Whatever the kubelet left of its pods' processes goes with its group.
    signalGroup(child.pid, 'SIGKILL', false)
    await exited
    log.info('kubelet stopped', { node: node.name })
  }

  /**
   * A crash: SIGKILL to the kubelet's group and to each of its pods' process groups (they run
   * in their own groups, recorded by the process runtime under `<state>/containers`), with no
   * restart; the records stay, so the next kubelet sees its containers as lost.
   */
  async function crash(node: ProcessNode): Promise<void> {
    node.wanted = false
    clearTimeout(node.restartTimer)
    node.restartTimer = undefined
    const child = node.child
    if (child?.pid) signalGroup(child.pid, 'SIGKILL', false)
    const pods = podProcessGroups(join(nodeStateDir(dataDir, node.name), 'containers'))
    for (const pid of pods) signalGroup(pid, 'SIGKILL', false)
    await node.exited
    log.warn('kubelet failed (simulated crash)', { node: node.name, podProcesses: pods.length })
  }

  function toProviderNode(node: ProcessNode): ProviderNode {
    return {
      name: node.name,
      state: node.child || node.restartTimer ? 'running' : 'stopped',
      size: node.size,
      address: '127.0.0.1',
      id: node.child?.pid !== undefined ? String(node.child.pid) : undefined
    }
  }

  /** Nodes known from earlier runs: their state directories with a node.json. */
  function nodesOnDisk(): ProviderNode[] {
    let names: string[]
    try {
      names = readdirSync(join(dataDir, 'nodes'))
    } catch {
      return []
    }
    const found: ProviderNode[] = []
    for (const name of names) {
      try {
        const { size } = JSON.parse(readFileSync(sizeFile(name), 'utf8')) as { size: NodeSize }
        found.push({ name, state: 'stopped', size, address: '127.0.0.1' })
      } catch {
        // Not a process node (or half removed): not ours to report.
      }
    }
    return found
  }

  return {
    name: 'process',
    prepare: async () => {
      if (!existsSync(agentBundle)) {
        throw new NodeProviderError(
          `the kubelet bundle ${agentBundle} is missing`,
          'build it with `npm run build` (or `node scripts/build-agent.mjs`)'
        )
      }
      return { apiServerHost: '127.0.0.1' }
    },
    list: async () => {
      const byName = new Map(nodesOnDisk().map((n) => [n.name, n]))
      for (const node of nodes.values()) byName.set(node.name, toProviderNode(node))
      return [...byName.values()].sort((a, b) =>
        a.name.localeCompare(b.name, 'en', { numeric: true })
      )
    },
    create: (name, size, launch) =>
      lock(name, async () => {
        checkNodeName(name)
        checkNodeSize(size)
        const existing = nodes.get(name)
        if (existing?.wanted) return toProviderNode(existing)
        const node: ProcessNode = existing ?? {
          name,
          size,
          wanted: false,
          delayMs: backoff.initialMs,
          startedAt: 0
        }
        node.size = size
        nodes.set(name, node)
        await launchNode(node, launch)
        return toProviderNode(node)
      }),
    stop: (name) =>
      lock(name, async () => {
        const node = nodes.get(name)
        if (!node) throw new NodeProviderError(`no node ${name}`)
        await halt(node)
      }),
    start: (name, launch) =>
      lock(name, async () => {
        let node = nodes.get(name)
        if (!node) {
          const known = nodesOnDisk().find((n) => n.name === name)
          if (!known) throw new NodeProviderError(`no node ${name}`, 'create it first')
          node = { name, size: known.size, wanted: false, delayMs: backoff.initialMs, startedAt: 0 }
          nodes.set(name, node)
        }
        if (node.wanted) return
        await launchNode(node, launch)
      }),
    fail: (name) =>
      lock(name, async () => {
        const node = nodes.get(name)
        if (!node) throw new NodeProviderError(`no node ${name}`)
        await crash(node)
      }),
    remove: (name) =>
      lock(name, async () => {
        const node = nodes.get(name)
        if (node) await halt(node)
        nodes.delete(name)
        await rm(nodeStateDir(dataDir, name), { recursive: true, force: true })
        log.info('node removed', { node: name })
      }),
    detach: async () => {
      await Promise.all([...nodes.values()].map((node) => lock(node.name, () => halt(node))))
    }
  }
}

/** The process groups of the running containers the process runtime recorded in `dir`. */
function podProcessGroups(dir: string): number[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  } catch {
    return []
  }
  const pids: number[] = []
  for (const file of files) {
    try {
      const record = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { pid?: number }
      if (typeof record.pid === 'number' && record.pid > 1) pids.push(record.pid)
    } catch {
      // Half written or not a record: nothing to kill.
    }
  }
  return pids
}

/** Signals a kubelet's process group (falling back to the process); gone already is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals, leaderOnly: boolean): void {
  try {
    process.kill(leaderOnly ? pid : -pid, signal)
  } catch {
    // ESRCH: it (or its whole group) has exited.
  }
}
