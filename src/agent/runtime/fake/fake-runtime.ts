/**
 * The `fake` container runtime: no processes, only bookkeeping, so one process can hold the
 * kubelets of a thousand simulated nodes. Sandboxes get an IP; containers "run" until stopped.
 *
 * A container's behaviour comes from the env of its ContainerConfig:
 * - `KUBEDESK_FAKE_EXIT_CODE`: exit with this code (default 0) once the run time is over.
 * - `KUBEDESK_FAKE_RUN_SECONDS`: seconds until it exits (default: 0 when an exit code is set,
 *   otherwise it runs until stopped).
 * - `KUBEDESK_FAKE_LOG`: its log; `\n` separates lines. Without it the log says what the
 *   runtime simulated: the command started, how it was set to end, and how it ended (written
 *   only when read, so it costs nothing until someone asks).
 *
 * Images whose name contains `does-not-exist` fail to pull. `execSync` succeeds unless the command
 * is `false` or `exit N` (also as `sh -c 'exit N'`); a streaming `exec` (`kubectl exec`) is
 * refused with ExecNotSupportedError. A stopped container exits with 137.
 * The only timers are those of containers that exit by themselves.
 */
import { Readable } from 'node:stream'
import {
  ExecNotSupportedError,
  ImagePullError,
  LABELS,
  RuntimeNotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type ImageInfo,
  type LogOptions,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type RuntimeFilter
} from '../types'

/** Env names that drive a fake container. */
export const FAKE_ENV = {
  exitCode: 'KUBEDESK_FAKE_EXIT_CODE',
  runSeconds: 'KUBEDESK_FAKE_RUN_SECONDS',
  log: 'KUBEDESK_FAKE_LOG'
} as const

/** The fake runtime, with a look at what the kubelet asked of it (for tests). */
export interface FakeRuntime extends ContainerRuntime {
  /** The ContainerConfig a container was created with (undefined when unknown). */
  inspect(id: string): ContainerConfig | undefined
  /** The PodSandboxConfig a sandbox was created with. */
  inspectSandbox(id: string): PodSandboxConfig | undefined
  /** Makes a running container exit now with `exitCode` (as if its process ended). */
  exit(id: string, exitCode: number): void
}

interface FakeContainer {
  status: ContainerStatus
  config: ContainerConfig
  /** KUBEDESK_FAKE_LOG's lines; undefined: the log says what was simulated (simulatedLog). */
  log?: string[]
  timer?: NodeJS.Timeout
  /** Open `logs -f` streams, ended when the container exits. */
  followers?: Set<() => void>
}

/** One log line and when it was written. */
interface TimedLine {
  at: Date
  text: string
}

/** What a fake container's log shows when its env gives none: its simulated life so far. */
function simulatedLog(c: FakeContainer, nodeName: string | undefined): TimedLine[] {
  const { config, status } = c
  if (!status.startedAt) return []
  const argv = [...(config.command ?? []), ...(config.args ?? [])]
  const command = argv.length > 0 ? JSON.stringify(argv.join(' ')) : "the image's default command"
  const where = nodeName ? ` on simulated node ${nodeName}` : ''
  const exit = exitPlan(config)
  const plan = exit ? `exits with code ${exit.code} after ${exit.seconds}s` : 'runs until stopped'
  const lines: TimedLine[] = [
    {
      at: status.startedAt,
      text: `[kubedesk] started ${command} (image ${config.image})${where}`
    },
    {
      at: status.startedAt,
      text: `[kubedesk] a simulated container runs no process and logs nothing else; it ${plan}`
    }
  ]
  return [...lines, ...exitLine(c)]
}

/** The simulated log's last line, once the container has exited. */
function exitLine({ status }: FakeContainer): TimedLine[] {
  if (status.state !== 'exited' || !status.finishedAt) return []
  const text = `[kubedesk] exited with code ${status.exitCode ?? 0} (${status.reason ?? 'Completed'})`
  return [{ at: status.finishedAt, text }]
}

/** How the container is set to end (KUBEDESK_FAKE_EXIT_CODE / _RUN_SECONDS); undefined: never. */
function exitPlan(config: ContainerConfig): { code: number; seconds: number } | undefined {
  const env = new Map(config.env.map((e) => [e.name, e.value]))
  const code = env.get(FAKE_ENV.exitCode)
  const seconds = env.get(FAKE_ENV.runSeconds)
  if (code === undefined && seconds === undefined) return undefined
  return { code: Number(code ?? 0) || 0, seconds: Math.max(0, Number(seconds ?? 0) || 0) }
}

let sandboxIpCounter = 0
let idCounter = 0

function newId(): string {
  idCounter++
  return (Date.now().toString(16) + idCounter.toString(16).padStart(8, '0')).padStart(24, '0')
}

function fakeIp(): string {
  sandboxIpCounter++
  const n = sandboxIpCounter
  return `10.${200 + ((n >> 16) & 0x3f)}.${(n >> 8) & 0xff}.${n & 0xff}`
}

function matches(
  labels: Record<string, string>,
  state: string,
  podUid: string,
  sandboxId: string | undefined,
  filter?: RuntimeFilter
): boolean {
  if (!filter) return true
  if (filter.podUid && filter.podUid !== podUid) return false
  if (filter.podSandboxId && filter.podSandboxId !== sandboxId) return false
  if (filter.state && filter.state !== state) return false
  for (const [k, v] of Object.entries(filter.labels ?? {})) if (labels[k] !== v) return false
  return true
}

/** Why `kubectl exec` cannot work in a container of this runtime (`pod` is namespace/name). */
export function simulatedExecMessage(pod: string, container: string, node?: string): string {
  const where = node ? `node "${node}"` : 'its node'
  return (
    `cannot exec into container "${container}" of pod "${pod}": ${where} runs simulated ` +
    'containers, which have no processes (exec needs a docker or process node)'
  )
}

/** What `sh -c 'exit 3'`, `exit 3` and `false` do in a fake container. */
function fakeExitCode(cmd: string[]): number {
  const words = (
    cmd.length >= 3 && /(^|\/)(ba)?sh$/.test(cmd[0]) && cmd[1] === '-c'
      ? cmd[2].trim().split(/\s+/)
      : cmd
  ).filter(Boolean)
  if (words.length === 1 && /(^|\/)false$/.test(words[0])) return 1
  if (words[0] === 'exit') return Number(words[1] ?? 0) || 0
  return 0
}

const imageId = (image: string): string =>
  'sha256:' + Buffer.from(image).toString('hex').padEnd(64, '0').slice(0, 64)

/** A runtime that simulates containers. `ip` is given to every sandbox (default: a 10.x address). */
export function createFakeRuntime(opts: { nodeName?: string; ip?: string } = {}): FakeRuntime {
  const sandboxes = new Map<string, { status: PodSandboxStatus; config: PodSandboxConfig }>()
  const containers = new Map<string, FakeContainer>()
  const images = new Map<string, ImageInfo>()

  const sandbox = (id: string) => {
    const s = sandboxes.get(id)
    if (!s) throw new RuntimeNotFoundError(`pod sandbox ${id}`)
    return s
  }
  const container = (id: string) => {
    const c = containers.get(id)
    if (!c) throw new RuntimeNotFoundError(`container ${id}`)
    return c
  }
  /** Ends the container's open `logs -f` streams. */
  const endFollowers = (c: FakeContainer): void => {
    for (const follower of c.followers ?? []) follower()
    c.followers = undefined
  }
  const finish = (c: FakeContainer, exitCode: number, reason?: string): void => {
    if (c.timer) clearTimeout(c.timer)
    c.timer = undefined
    if (c.status.state !== 'running') return
    c.status.state = 'exited'
    c.status.finishedAt = new Date()
    c.status.exitCode = exitCode
    c.status.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error')
    endFollowers(c)
  }
  const copy = (c: FakeContainer): ContainerStatus => ({
    ...c.status,
    labels: { ...c.status.labels }
  })

  return {
    name: 'fake',
    async version() {
      return { runtimeName: 'fake', runtimeVersion: '0.1.0' }
    },

    async runPodSandbox(config) {
      const id = newId()
      const labels = { ...config.labels }
      sandboxes.set(id, {
        config,
        status: {
          id,
          metadata: { ...config.metadata },
          state: 'ready',
          ip: opts.ip ?? fakeIp(),
          createdAt: new Date(),
          labels
        }
      })
      return id
    },
    async stopPodSandbox(id) {
      const s = sandbox(id)
      for (const c of containers.values()) if (c.status.podSandboxId === id) finish(c, 137, 'Error')
      s.status.state = 'notready'
    },
    async removePodSandbox(id) {
      if (!sandboxes.has(id)) return
      for (const [cid, c] of containers) {
        if (c.status.podSandboxId !== id) continue
        finish(c, 137, 'Error')
        containers.delete(cid)
      }
      sandboxes.delete(id)
    },
    async podSandboxStatus(id) {
      const s = sandbox(id).status
      return { ...s, metadata: { ...s.metadata }, labels: { ...s.labels } }
    },
    async listPodSandboxes(filter) {
      return [...sandboxes.values()]
        .filter((s) =>
          matches(s.status.labels, s.status.state, s.status.metadata.uid, s.status.id, filter)
        )
        .map((s) => ({
          ...s.status,
          metadata: { ...s.status.metadata },
          labels: { ...s.status.labels }
        }))
    },

    async createContainer(sandboxId, config) {
      sandbox(sandboxId)
      const id = newId()
      const env = new Map(config.env.map((e) => [e.name, e.value]))
      const log = env.get(FAKE_ENV.log)
      containers.set(id, {
        config,
        log: log ? log.split('\n') : undefined,
        status: {
          id,
          podSandboxId: sandboxId,
          name: config.name,
          image: config.image,
          imageRef: images.get(config.image)?.id ?? imageId(config.image),
          state: 'created',
          createdAt: new Date(),
          attempt: config.attempt,
          labels: { ...config.labels }
        }
      })
      return id
    },
    async startContainer(id) {
      const c = container(id)
      if (c.status.state !== 'created') throw new Error(`container ${id} is ${c.status.state}`)
      c.status.state = 'running'
      c.status.startedAt = new Date()
      const exit = exitPlan(c.config)
      if (!exit) return
      c.timer = setTimeout(() => finish(c, exit.code), exit.seconds * 1000)
      c.timer.unref()
    },
    async stopContainer(id) {
      finish(container(id), 137, 'Error')
    },
    async removeContainer(id) {
      const c = containers.get(id)
      if (!c) return
      finish(c, 137, 'Error')
      containers.delete(id)
    },
    async containerStatus(id) {
      return copy(container(id))
    },
    async listContainers(filter) {
      const out: ContainerStatus[] = []
      for (const c of containers.values()) {
        const s = c.status
        if (matches(s.labels, s.state, s.labels[LABELS.podUid] ?? '', s.podSandboxId, filter))
          out.push(copy(c))
      }
      return out
    },
    async execSync(id, cmd) {
      const c = container(id)
      if (c.status.state !== 'running') throw new Error(`container ${id} is not running`)
      const exitCode = fakeExitCode(cmd)
      return { exitCode, stdout: '', stderr: '' }
    },
    async exec(id) {
      const c = container(id)
      if (c.status.state !== 'running') throw new Error(`container ${id} is not running`)
      const pod = `${c.status.labels[LABELS.podNamespace]}/${c.status.labels[LABELS.podName]}`
      throw new ExecNotSupportedError(simulatedExecMessage(pod, c.status.name, opts.nodeName))
    },
    async containerLogs(id, logOpts: LogOptions) {
      const c = container(id)
      const format = (l: TimedLine): string =>
        logOpts.timestamps ? `${l.at.toISOString()} ${l.text}\n` : `${l.text}\n`
      const at = c.status.startedAt ?? c.status.createdAt
      let lines = c.log?.map((text) => ({ at, text })) ?? simulatedLog(c, opts.nodeName)
      const since = logOpts.since
      if (since) lines = lines.filter((l) => l.at >= since)
      if (logOpts.tailLines !== undefined)
        lines = lines.slice(Math.max(0, lines.length - logOpts.tailLines))
      let text = lines.map(format).join('')
      if (logOpts.limitBytes !== undefined)
        text = Buffer.from(text).subarray(0, logOpts.limitBytes).toString()
      if (!logOpts.follow || logOpts.limitBytes !== undefined || c.status.state !== 'running') {
        return Readable.from(text ? [text] : [])
      }
      // `kubectl logs -f`: open until the container exits; then its exit line, if it has one.
      const stream = new Readable({ read() {} })
      if (text) stream.push(text)
      const onExit = (): void => {
        for (const line of c.log ? [] : exitLine(c)) stream.push(format(line))
        stream.push(null)
      }
      ;(c.followers ??= new Set()).add(onExit)
      stream.on('close', () => c.followers?.delete(onExit))
      return stream
    },
    async containerStats(id) {
      const c = container(id)
      const ran = c.status.startedAt ? Date.now() - c.status.startedAt.getTime() : 0
      return {
        cpuUsageNanoSeconds: c.status.state === 'running' ? ran * 1000 : 0,
        memoryWorkingSetBytes: c.status.state === 'running' ? 4 * 2 ** 20 : 0,
        timestamp: new Date()
      }
    },

    async pullImage(image, onProgress) {
      if (image.includes('does-not-exist')) {
        throw new ImagePullError(
          image,
          `pull access denied for ${image.split(':')[0]}, repository does not exist or may require 'docker login'`
        )
      }
      onProgress?.({ status: 'Pulling from library', detail: image })
      let info = images.get(image)
      if (!info) {
        info = { id: imageId(image), repoTags: [image], sizeBytes: 1_000_000 }
        images.set(image, info)
      }
      onProgress?.({ status: 'Download complete' })
      return info
    },
    async imageStatus(image) {
      return images.get(image)
    },
    async listImages() {
      return [...images.values()]
    },

    inspect(id) {
      return containers.get(id)?.config
    },
    inspectSandbox(id) {
      return sandboxes.get(id)?.config
    },
    exit(id, exitCode) {
      const c = containers.get(id)
      if (c) finish(c, exitCode)
    },
    async close() {
      // Containers keep "running" (a restarted kubelet adopts them); the kubelet's open
      // `logs -f` streams end with it, as a real kubelet's connections drop.
      for (const c of containers.values()) endFollowers(c)
    }
  }
}
