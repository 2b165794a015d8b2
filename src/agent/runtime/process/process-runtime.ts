/**
 * The `process` container runtime, for machines without Docker: a pod's containers are child
 * processes of the kubelet. Limits of this runtime (by design):
 * - the image is only validated and recorded; `command` + `args` run directly on the host
 *   (a container without a command cannot run: there is no image entrypoint to fall back on);
 * - no isolation: env is the container's env plus the host's PATH, the working directory is
 *   `workingDir` when it exists on the host, else `<rootDir>/containers/<id>/`;
 * - volume mounts are skipped (logged), resource limits are not enforced, tty and stdin are
 *   ignored (no terminal; stdin is closed); `exec` runs on the host too (a terminal through
 *   util-linux `script`);
 * - the pod IP is the node's (`ip`, default 127.0.0.1), shared by every pod;
 * - state survives a kubelet restart as JSON files, but containers that were running are lost:
 *   the new kubelet kills what is left of them and reports them exited (code 255).
 * Each child runs in its own process group, so stop signals reach everything it started.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { silentLog, type AgentLog } from '../../log'
import {
  ImagePullError,
  LABELS,
  RuntimeNotFoundError,
  type ContainerRuntime,
  type ContainerStatus,
  type ExecSession,
  type ImageInfo,
  type PodSandboxStatus,
  type RuntimeFilter
} from '../types'
import { runHostCommand } from './host-exec'
import { processExec } from './process-exec'
import { markLost, startChild, terminateChild, type LiveChild } from './process-child'
import { readCriLog } from './process-log'
import { RecordDir, type ContainerRecord, type SandboxRecord } from './process-records'
import { processGroupUsage } from './process-stats'

/** Where the process runtime keeps its state and which address it reports as pod IP. */
export interface ProcessRuntimeOptions {
  nodeName: string
  /** Holds `sandboxes/`, `containers/<id>.json`, `containers/<id>.log` and working dirs. */
  rootDir: string
  /** The pod IP of every sandbox (the node's address); default 127.0.0.1. */
  ip?: string
  /** Where skipped mounts and lost containers are reported; default silent. */
  log?: AgentLog
}

function labelsMatch(labels: Record<string, string>, filter?: RuntimeFilter): boolean {
  if (filter?.podUid && labels[LABELS.podUid] !== filter.podUid) return false
  return Object.entries(filter?.labels ?? {}).every(([k, v]) => labels[k] === v)
}

/** A ContainerRuntime running pod containers as child processes of this process. */
export function createProcessRuntime(opts: ProcessRuntimeOptions): ContainerRuntime {
  if (!opts?.nodeName) throw new Error('the process runtime needs a nodeName')
  if (!opts.rootDir) throw new Error('the process runtime needs a rootDir')
  const { nodeName } = opts
  const ip = opts.ip ?? '127.0.0.1'
  const log = opts.log ?? silentLog
  const sandboxDir = new RecordDir<SandboxRecord>(join(opts.rootDir, 'sandboxes'))
  const containerDir = new RecordDir<ContainerRecord>(join(opts.rootDir, 'containers'))
  const sandboxes = new Map<string, SandboxRecord>()
  const containers = new Map<string, ContainerRecord>()
  const live = new Map<string, LiveChild>()
  /** Seconds pod processes get to exit when the runtime closes (the node stops). */
  const CLOSE_GRACE_SECONDS = 2
  const openLogs = new Set<Readable>()
  const openExecs = new Set<ExecSession>()
  const logPath = (id: string): string => join(containerDir.dir, `${id}.log`)
  const ownDir = (id: string): string => join(containerDir.dir, id)
  const onBad = (file: string, err: unknown): void =>
    log.warn('Skipping unreadable runtime record', { file, err: String(err) })

  for (const record of sandboxDir.loadAll(onBad)) {
    if (record.status.labels[LABELS.node] === nodeName) sandboxes.set(record.status.id, record)
  }
  for (const record of containerDir.loadAll(onBad)) {
    if (record.status.labels[LABELS.node] !== nodeName) continue
    containers.set(record.status.id, record)
    if (record.status.state !== 'running') continue
    markLost(record)
    containerDir.save(record)
    log.warn('Container lost across a kubelet restart', { id: record.status.id })
  }

  function sandboxOf(id: string): SandboxRecord {
    const record = typeof id === 'string' ? sandboxes.get(id) : undefined
    if (!record) throw new RuntimeNotFoundError(`pod sandbox ${JSON.stringify(id)}`)
    return record
  }

  function containerOf(id: string): ContainerRecord {
    const record = typeof id === 'string' ? containers.get(id) : undefined
    if (!record) throw new RuntimeNotFoundError(`container ${JSON.stringify(id)}`)
    return record
  }

  function imageInfo(image: string): ImageInfo {
    if (typeof image !== 'string' || !image.trim()) throw new Error('an image name is required')
    return { id: `process:${image}`, repoTags: [image], sizeBytes: 0 }
  }

  /** Stops the container's child, if it runs; resolves once it is gone. */
  async function terminate(id: string, timeoutSeconds: number): Promise<void> {
    const running = live.get(id)
    if (running) await terminateChild(running, timeoutSeconds)
  }

  async function removeContainer(id: string): Promise<void> {
    const record = containers.get(id)
    if (!record) return
    await terminate(id, 0)
    containers.delete(id)
    containerDir.delete(id)
    rmSync(logPath(id), { force: true })
    rmSync(ownDir(id), { recursive: true, force: true })
  }

  return {
    name: 'process',

    async version() {
      return { runtimeName: 'process', runtimeVersion: process.version.replace(/^v/, '') }
    },

    async runPodSandbox(config) {
      const m = config?.metadata
      if (!m?.name || !m.namespace || !m.uid) {
        throw new Error('a pod sandbox needs metadata.name, metadata.namespace and metadata.uid')
      }
      const id = randomBytes(16).toString('hex')
      const status: PodSandboxStatus = {
        id,
        metadata: { ...m },
        state: 'ready',
        ip,
        createdAt: new Date(),
        labels: {
          ...config.labels,
          [LABELS.node]: nodeName,
          [LABELS.type]: 'sandbox',
          [LABELS.podName]: m.name,
          [LABELS.podNamespace]: m.namespace,
          [LABELS.podUid]: m.uid,
          [LABELS.attempt]: String(m.attempt)
        }
      }
      const record = { status, hostname: config.hostname, portMappings: config.portMappings ?? [] }
      sandboxes.set(id, record)
      sandboxDir.save(record)
      return id
    },

    async stopPodSandbox(id) {
      const record = sandboxes.get(id)
      if (!record) return
      const members = [...containers.values()].filter((c) => c.status.podSandboxId === id)
      await Promise.all(members.map((c) => terminate(c.status.id, 0)))
      record.status.state = 'notready'
      sandboxDir.save(record)
    },

    async removePodSandbox(id) {
      if (!sandboxes.has(id)) return
      const members = [...containers.values()].filter((c) => c.status.podSandboxId === id)
      for (const c of members) await removeContainer(c.status.id)
      sandboxes.delete(id)
      sandboxDir.delete(id)
    },

    async podSandboxStatus(id) {
      return structuredClone(sandboxOf(id).status)
    },

    async listPodSandboxes(filter) {
      return [...sandboxes.values()]
        .map((r) => r.status)
        .filter((s) => !filter?.podSandboxId || s.id === filter.podSandboxId)
        .filter((s) => !filter?.state || s.state === filter.state)
        .filter((s) => labelsMatch(s.labels, filter))
        .map((s) => structuredClone(s))
    },

    async createContainer(sandboxId, config) {
      const sandbox = sandboxOf(sandboxId)
      if (sandbox.status.state !== 'ready') {
        throw new Error(`pod sandbox ${sandboxId} is not ready; cannot create ${config?.name}`)
      }
      if (!config?.name) throw new Error('a container needs a name')
      imageInfo(config.image)
      const argv = config.command
        ? [...config.command, ...(config.args ?? [])]
        : (config.args ?? [])
      if (argv.length === 0 || !argv[0]) {
        throw new Error(
          `container ${config.name}: the process runtime runs only containers with a command`
        )
      }
      const id = randomBytes(16).toString('hex')
      let cwd = ownDir(id)
      if (
        config.workingDir &&
        existsSync(config.workingDir) &&
        statSync(config.workingDir).isDirectory()
      ) {
        cwd = config.workingDir
      } else {
        mkdirSync(cwd, { recursive: true })
      }
      for (const mount of config.mounts ?? []) {
        log.info('Process runtime skips volume mounts', {
          container: config.name,
          containerPath: mount.containerPath
        })
      }
      const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' }
      env.HOSTNAME = sandbox.hostname
      for (const e of config.env ?? []) env[e.name] = e.value
      const m = sandbox.status.metadata
      const status: ContainerStatus = {
        id,
        podSandboxId: sandboxId,
        name: config.name,
        image: config.image,
        imageRef: imageInfo(config.image).id,
        state: 'created',
        createdAt: new Date(),
        attempt: config.attempt ?? 0,
        labels: {
          ...config.labels,
          [LABELS.node]: nodeName,
          [LABELS.type]: 'container',
          [LABELS.podName]: m.name,
          [LABELS.podNamespace]: m.namespace,
          [LABELS.podUid]: m.uid,
          [LABELS.containerName]: config.name,
          [LABELS.attempt]: String(config.attempt ?? 0)
        }
      }
      const record: ContainerRecord = { status, argv, env, cwd }
      writeFileSync(logPath(id), '')
      containers.set(id, record)
      containerDir.save(record)
      return id
    },

    async startContainer(id) {
      const record = containerOf(id)
      if (record.status.state !== 'created') {
        throw new Error(`container ${id} is ${record.status.state}; only a created one can start`)
      }
      await startChild(
        record,
        logPath(id),
        () => {
          // Called from the child's events: a failed write is logged, never thrown.
          try {
            if (containers.has(id)) containerDir.save(record)
          } catch (err) {
            log.warn('Could not save a container record', { id, err: String(err) })
          }
        },
        (child) => (child ? live.set(id, child) : live.delete(id))
      )
    },

    async stopContainer(id, timeoutSeconds) {
      containerOf(id)
      await terminate(id, Math.max(0, Number(timeoutSeconds) || 0))
    },

    removeContainer,

    async containerStatus(id) {
      return structuredClone(containerOf(id).status)
    },

    async listContainers(filter) {
      return [...containers.values()]
        .map((r) => r.status)
        .filter((s) => !filter?.podSandboxId || s.podSandboxId === filter.podSandboxId)
        .filter((s) => !filter?.state || s.state === filter.state)
        .filter((s) => labelsMatch(s.labels, filter))
        .map((s) => structuredClone(s))
    },

    async execSync(id, cmd, timeoutSeconds) {
      const record = containerOf(id)
      if (record.status.state !== 'running') throw new Error(`container ${id} is not running`)
      return runHostCommand(cmd, { cwd: record.cwd, env: record.env }, timeoutSeconds)
    },

    async exec(id, cmd, execOpts) {
      const record = containerOf(id)
      if (record.status.state !== 'running') throw new Error(`container ${id} is not running`)
      const session = await processExec(cmd, { cwd: record.cwd, env: record.env }, execOpts)
      openExecs.add(session)
      void session.exitCode.then(() => openExecs.delete(session))
      return session
    },

    async containerLogs(id, logOpts) {
      const record = containerOf(id)
      const stream = readCriLog(
        logPath(id),
        logOpts ?? {},
        () => live.has(id) || record.status.state === 'created'
      )
      openLogs.add(stream)
      stream.on('close', () => openLogs.delete(stream))
      return stream
    },

    async containerStats(id) {
      containerOf(id)
      const pid = live.get(id)?.child.pid
      if (!pid) return { cpuUsageNanoSeconds: 0, memoryWorkingSetBytes: 0, timestamp: new Date() }
      const usage = await processGroupUsage(pid)
      return {
        cpuUsageNanoSeconds: usage.cpuNanos,
        memoryWorkingSetBytes: usage.memoryBytes,
        timestamp: new Date()
      }
    },

    async pullImage(image, onProgress) {
      let info: ImageInfo
      try {
        info = imageInfo(image)
      } catch (err) {
        throw new ImagePullError(String(image), (err as Error).message)
      }
      onProgress?.({ status: 'Image is up to date', detail: 'the process runtime runs no images' })
      return info
    },

    async imageStatus(image) {
      return imageInfo(image)
    },

    async listImages() {
      const names = new Set([...containers.values()].map((c) => c.status.image))
      return [...names].map(imageInfo)
    },

    /**
     * Unlike docker containers, child processes cannot be adopted by the next kubelet (it kills
     * what a previous one left), so they end with this runtime: SIGTERM, then SIGKILL after 2 s.
     * A stopped process node thus stops its pods, and none outlives the control plane.
     */
    async close() {
      for (const stream of openLogs) stream.destroy()
      openLogs.clear()
      for (const session of openExecs) session.close()
      await Promise.all([...live.keys()].map((id) => terminate(id, CLOSE_GRACE_SECONDS)))
    }
  }
}
