/**
 * The kubelet: registers its Node, heartbeats with a Lease, keeps node status fresh, watches the
 * pods bound to it and runs each through a PodWorker on the container runtime. The PLEG (./pleg)
 * wakes the workers of pods whose containers changed: from the runtime's container events where
 * it has them, else from a relist every second. On start it adopts what the runtime already runs
 * for this node: containers of pods still bound here keep running, those of pods that are gone
 * are removed.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1'
import { logAt } from '../../main/observe/component-log'
import { ApiError, KINDS, type KubeletClient } from '../api/types'
import type { KubeletConfig } from '../config'
import { silentLog, type AgentLog } from '../log'
import { LABELS, type ContainerRuntime } from '../runtime/types'
import { Backoff } from './backoff'
import { createEventRecorder, type EventRecorder } from './events'
import { createLeaseRenewer } from './lease'
import { desiredNodeStatus, initialNode, nodeLabels, nodeStatusChanged } from './node-status'
import { isMirrorPod } from './mirror-pod'
import { watchNodePods, type PodSource } from './pod-source'
import { Pleg } from './pleg'
import { PodWorker } from './pod-worker'
import { removePodDir } from './volumes'
import type { WorkerDeps } from './worker-deps'

/** What a kubelet is made of. */
export interface KubeletOptions {
  config: KubeletConfig
  client: KubeletClient
  runtime: ContainerRuntime
  log?: AgentLog
}

/**
 * How often the runtime is relisted (kubelet's PLEG relist period, 1 s), never coarser than the
 * first back-off step, or short back-offs (tests) would be hidden behind it.
 */
function relistMs(config: KubeletConfig): number {
  return Math.max(100, Math.min(1000, config.backoff.initialSeconds * 1000))
}

/** One node's kubelet. */
export class Kubelet {
  /** The node this kubelet runs. */
  readonly nodeName: string
  private readonly config: KubeletConfig
  private readonly client: KubeletClient
  private readonly runtime: ContainerRuntime
  private readonly log: AgentLog
  private readonly events: EventRecorder
  private readonly workers = new Map<string, PodWorker>()
  private readonly deps: WorkerDeps
  private readonly timers: NodeJS.Timeout[] = []
  private source?: PodSource
  private pleg?: Pleg
  private nodeUid?: string
  private lastReport = 0
  private runtimeVersion = { runtimeName: '', runtimeVersion: '' }
  private running = false

  constructor(opts: KubeletOptions) {
    this.config = opts.config
    this.nodeName = opts.config.nodeName
    this.client = opts.client
    this.runtime = opts.runtime
    this.log = opts.log ?? silentLog
    this.events = createEventRecorder(this.client, this.nodeName, this.log)
    const { initialSeconds, maxSeconds } = this.config.backoff
    this.deps = {
      config: this.config,
      client: this.client,
      runtime: this.runtime,
      log: this.log,
      events: this.events,
      backoff: new Backoff(initialSeconds * 1000, maxSeconds * 1000),
      backoffInitialMs: initialSeconds * 1000,
      pull: {
        runtime: this.runtime,
        events: this.events,
        backoff: new Backoff(initialSeconds * 1000, maxSeconds * 1000),
        lastError: new Map()
      },
      hostIP: this.config.addresses.find((a) => a.type === 'InternalIP')?.address,
      onFinished: (uid) => this.workers.delete(uid)
    }
  }

  /** Registers the Node, then starts heartbeats, status updates, the pod watch and adoption. */
  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    this.runtimeVersion = await this.runtime.version()
    await this.registerWithRetry()
    this.log.info('registered node', { node: this.nodeName })
    const every = (seconds: number, fn: () => Promise<void>, what: string) => {
      let busy = false
      const t = setInterval(() => {
        if (busy || !this.running) return
        busy = true
        fn()
          .catch((err: unknown) => this.log.warn(`${what} failed`, { err: String(err) }))
          .finally(() => (busy = false))
      }, seconds * 1000)
      this.timers.push(t)
    }
    const renewer = createLeaseRenewer({
      client: this.client,
      nodeName: this.nodeName,
      leaseDurationSeconds: this.config.leaseDurationSeconds,
      nodeUid: () => this.nodeUid,
      log: this.log
    })
    const lease = () =>
      renewer.renew().then(() => logAt(this.log, 4)?.info('lease renewed', { node: this.nodeName }))
    await lease().catch((err: unknown) => this.log.warn('lease failed', { err: String(err) }))
    every(this.config.heartbeatSeconds, lease, 'lease renewal')
    every(this.config.heartbeatSeconds, () => this.updateNodeStatus(false), 'node status update')
    this.pleg = new Pleg({
      runtime: this.runtime,
      nodeName: this.nodeName,
      relistMs: relistMs(this.config),
      onPodsChanged: (uids) => {
        for (const uid of uids) this.workers.get(uid)?.enqueue()
      },
      log: this.log
    })
    this.pleg.start()
    this.source = watchNodePods(
      this.client,
      this.nodeName,
      {
        onPod: (pod) => this.onPod(pod),
        onDelete: (pod) => this.workers.get(pod.metadata?.uid ?? '')?.delete()
      },
      this.log
    )
    void this.source.ready.then(() => this.removeOrphans())
  }

  /** Stops heartbeats, watches and workers; containers keep running. */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    for (const t of this.timers.splice(0)) clearInterval(t)
    this.pleg?.stop()
    this.source?.stop()
    await Promise.all([...this.workers.values()].map((w) => w.stop()))
    this.workers.clear()
    await this.events.flush()
    this.log.info('kubelet stopped', { node: this.nodeName })
  }

  private onPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? ''
    if (!this.running || !uid || pod.spec?.nodeName !== this.nodeName || isMirrorPod(pod)) return
    const w = this.workers.get(uid)
    if (w) return w.update(pod)
    this.log.info('syncing new pod', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` })
    const worker = new PodWorker(pod, this.deps)
    this.workers.set(uid, worker)
    worker.enqueue()
  }

  /**
   * Registers, retrying while the API server cannot be reached or answers 5xx/429 (it may still
   * be starting), as kubelet's registerWithAPIServer. Other errors (403, 422) fail start().
   */
  private async registerWithRetry(): Promise<void> {
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 7000)) {
      try {
        return await this.registerNode()
      } catch (err) {
        const retriable = !(err instanceof ApiError) || err.code >= 500 || err.code === 429
        if (!retriable || !this.running) {
          this.running = false
          throw err
        }
        this.log.warn('unable to register node, will retry', {
          node: this.nodeName,
          err: String(err)
        })
        await new Promise((r) => setTimeout(r, delayMs))
      }
    }
  }

  /** The Node: created, or (a restarted kubelet) updated with our labels and status. */
  private async registerNode(): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const status = desiredNodeStatus(this.config, this.runtimeVersion, undefined, now)
    try {
      const created = await this.client.create<never>(initialNode(this.config, status) as never)
      this.nodeUid = (created as Node).metadata?.uid
      // Status on create is dropped by some servers; write it through the subresource too.
      await this.client.updateStatus({ ...(created as Node), status } as never)
      this.lastReport = Date.now()
      return
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 409) throw err
    }
    const existing = await this.client.get<never>(KINDS.node, undefined, this.nodeName)
    const node = existing as Node & { metadata: { name: string } }
    const updated = await this.client.update({
      ...node,
      metadata: {
        ...node.metadata,
        labels: { ...node.metadata.labels, ...nodeLabels(this.config) }
      }
    } as never)
    this.nodeUid = node.metadata.uid
    await this.writeNodeStatus(updated as Node)
  }

  private async writeNodeStatus(node: Node): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const status = desiredNodeStatus(this.config, this.runtimeVersion, node.status, now)
    await this.client.updateStatus({ ...node, status } as never)
    this.lastReport = Date.now()
  }

  /** Writes node status when it changed or the report interval passed. */
  private async updateNodeStatus(force: boolean): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const node = await this.client.get<never>(KINDS.node, undefined, this.nodeName)
      const n = node as Node
      this.nodeUid = n.metadata?.uid
      const due = Date.now() - this.lastReport >= this.config.nodeStatusReportSeconds * 1000
      const desired = desiredNodeStatus(this.config, this.runtimeVersion, n.status, '')
      if (!force && !due && !nodeStatusChanged({ ...n.status }, desired)) return
      try {
        return await this.writeNodeStatus(n)
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 409) throw err
      }
    }
  }

  /** Adoption: removes sandboxes and containers of pods no longer bound here. */
  private async removeOrphans(): Promise<void> {
    if (!this.running) return
    try {
      const mine = { labels: { [LABELS.node]: this.nodeName } }
      for (const c of await this.runtime.listContainers(mine)) {
        const uid = c.labels[LABELS.podUid] ?? ''
        if (this.workers.has(uid)) continue
        this.log.info('removing orphaned container', { id: c.id, pod: uid })
        if (c.state === 'running') await this.runtime.stopContainer(c.id, 0)
        await this.runtime.removeContainer(c.id)
      }
      for (const s of await this.runtime.listPodSandboxes(mine)) {
        if (this.workers.has(s.metadata.uid)) continue
        this.log.info('removing orphaned sandbox', { id: s.id, pod: s.metadata.uid })
        await this.runtime.stopPodSandbox(s.id)
        await this.runtime.removePodSandbox(s.id)
        await removePodDir(this.config.rootDir, s.metadata.uid)
      }
    } catch (err) {
      this.log.warn('removing orphans failed', { err: String(err) })
    }
  }
}
