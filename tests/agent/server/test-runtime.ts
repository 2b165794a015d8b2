/**
 * A scripted ContainerRuntime for the kubelet-server, CRI-socket, crictl and pods/log tests:
 * sandboxes and containers are plain records, each container's log is a list of lines the test
 * can append to (followers see them), and stats are whatever the test sets.
 */
import { PassThrough, type Readable } from 'node:stream'
import {
  LABELS,
  RuntimeNotFoundError,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ImageInfo,
  type LogOptions,
  type PodSandboxStatus,
  type RuntimeFilter
} from '../../../src/agent/runtime/types'

/** A test runtime plus the handles to script it. */
export interface TestRuntime extends ContainerRuntime {
  sandboxes: PodSandboxStatus[]
  containers: ContainerStatus[]
  images: ImageInfo[]
  logs: Map<string, { at: Date; line: string }[]>
  stats: Map<string, ContainerStats>
  /** Every containerLogs call, for asserting the options the server passed. */
  logCalls: { id: string; opts: LogOptions }[]
  /** Open follow streams (destroyed ones are removed). */
  followers: Set<PassThrough>
  addPod(p: { name: string; namespace: string; uid: string; id: string; createdAt?: Date }): void
  addContainer(c: {
    id: string
    sandboxId: string
    name: string
    attempt?: number
    state?: ContainerStatus['state']
    image?: string
    createdAt?: Date
  }): void
  /** Appends a line to a container's log (followers receive it). */
  writeLog(id: string, line: string): void
  /** Marks a container exited: its followers end. */
  exit(id: string): void
}

function matches(labels: Record<string, string>, want?: Record<string, string>): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => labels[k] === v)
}

/** A fresh, empty test runtime. */
export function createTestRuntime(): TestRuntime {
  const followersOf = new Map<string, Set<PassThrough>>()
  const rt: TestRuntime = {
    name: 'fake',
    sandboxes: [],
    containers: [],
    images: [],
    logs: new Map(),
    stats: new Map(),
    logCalls: [],
    followers: new Set(),
    async version() {
      return { runtimeName: 'fake', runtimeVersion: '1.0.0' }
    },
    addPod({ name, namespace, uid, id, createdAt }) {
      rt.sandboxes.push({
        id,
        metadata: { name, namespace, uid, attempt: 0 },
        state: 'ready',
        ip: '10.244.0.5',
        createdAt: createdAt ?? new Date(),
        labels: {
          [LABELS.podName]: name,
          [LABELS.podNamespace]: namespace,
          [LABELS.podUid]: uid,
          [LABELS.type]: 'sandbox'
        }
      })
    },
    addContainer({ id, sandboxId, name, attempt = 0, state = 'running', image, createdAt }) {
      const sandbox = rt.sandboxes.find((s) => s.id === sandboxId)
      if (!sandbox) throw new Error(`no sandbox ${sandboxId}`)
      rt.containers.push({
        id,
        podSandboxId: sandboxId,
        name,
        image: image ?? 'busybox:latest',
        state,
        createdAt: createdAt ?? new Date(),
        startedAt: createdAt ?? new Date(),
        attempt,
        labels: {
          [LABELS.podName]: sandbox.metadata.name,
          [LABELS.podNamespace]: sandbox.metadata.namespace,
          [LABELS.podUid]: sandbox.metadata.uid,
          [LABELS.containerName]: name,
          [LABELS.attempt]: String(attempt),
          [LABELS.type]: 'container'
        }
      })
      rt.logs.set(id, [])
    },
    writeLog(id, line) {
      const entry = { at: new Date(), line }
      rt.logs.get(id)?.push(entry)
      for (const f of followersOf.get(id) ?? []) f.write(line + '\n')
    },
    exit(id) {
      const c = rt.containers.find((x) => x.id === id)
      if (c) c.state = 'exited'
      for (const f of followersOf.get(id) ?? []) f.end()
    },
    async runPodSandbox() {
      throw new Error('not scripted')
    },
    async stopPodSandbox() {},
    async removePodSandbox() {},
    async podSandboxStatus(id) {
      const s = rt.sandboxes.find((x) => x.id === id)
      if (!s) throw new RuntimeNotFoundError(`pod sandbox ${id}`)
      return s
    },
    async listPodSandboxes(filter?: RuntimeFilter) {
      return rt.sandboxes.filter((s) => matches(s.labels, filter?.labels))
    },
    async createContainer() {
      throw new Error('not scripted')
    },
    async startContainer() {},
    async stopContainer() {},
    async removeContainer() {},
    async containerStatus(id) {
      const c = rt.containers.find((x) => x.id === id)
      if (!c) throw new RuntimeNotFoundError(`container ${id}`)
      return c
    },
    async listContainers(filter?: RuntimeFilter) {
      return rt.containers.filter(
        (c) =>
          matches(c.labels, filter?.labels) &&
          (!filter?.state || c.state === filter.state) &&
          (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId)
      )
    },
    async execSync() {
      return { exitCode: 0, stdout: '', stderr: '' }
    },
    async exec() {
      throw new Error('the test runtime runs no commands')
    },
    async containerLogs(id: string, opts: LogOptions): Promise<Readable> {
      const c = rt.containers.find((x) => x.id === id)
      if (!c) throw new RuntimeNotFoundError(`container ${id}`)
      rt.logCalls.push({ id, opts })
      let entries = rt.logs.get(id) ?? []
      if (opts.since) entries = entries.filter((e) => e.at >= opts.since!)
      if (opts.tailLines !== undefined) entries = entries.slice(-opts.tailLines || entries.length)
      if (opts.tailLines === 0) entries = []
      let text = entries
        .map((e) => (opts.timestamps ? `${e.at.toISOString()} ${e.line}` : e.line) + '\n')
        .join('')
      if (opts.limitBytes !== undefined) text = text.slice(0, opts.limitBytes)
      const out = new PassThrough()
      out.write(text)
      if (opts.follow && c.state === 'running') {
        const set = followersOf.get(id) ?? new Set()
        followersOf.set(id, set)
        set.add(out)
        rt.followers.add(out)
        out.on('close', () => {
          set.delete(out)
          rt.followers.delete(out)
        })
      } else {
        out.end()
      }
      return out
    },
    async containerStats(id) {
      const s = rt.stats.get(id)
      if (!s) throw new RuntimeNotFoundError(`container ${id}`)
      return s
    },
    async pullImage(image) {
      return { id: 'sha256:0', repoTags: [image], sizeBytes: 0 }
    },
    async imageStatus(image) {
      return rt.images.find((i) => i.repoTags.includes(image))
    },
    async listImages() {
      return rt.images
    },
    async close() {}
  }
  return rt
}
