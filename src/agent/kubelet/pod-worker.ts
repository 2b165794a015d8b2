/**
 * One pod's worker, as kubelet's podWorkers + syncPod: every change to the pod, to its containers
 * (seen by the relist) or to a probe result calls `enqueue`, and syncs run one at a time. A sync is
 * level-triggered: it compares the spec with what the runtime has and takes the next step
 * (sandbox, volumes, init containers in order, containers, restarts with back-off), then writes the
 * pod's status when it changed. Deletion runs preStop, stops containers within the grace period,
 * removes the sandbox and deletes the pod for good.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1'
import { logAt } from '../../main/observe/component-log'
import { ApiError, KINDS } from '../api/types'
import type { ContainerStatus } from '../runtime/types'
import { buildContainerConfig, ContainerConfigError, SPEC_IMAGE_LABEL } from './container-config'
import { EVENT_REASONS as R } from './events'
import { ensureImage } from './image-puller'
import { findOrRunPodSandbox } from './pod-sandbox'
import { attemptsOf, computePodStatus, initDone, type Waiting } from './pod-status'
import { PodProbes } from './probes'
import type { WorkerDeps } from './worker-deps'
import { removePodDir, setUpVolumes, VolumeMountError, type VolumePaths } from './volumes'
import { stableJson, terminatePod } from './pod-termination'

/** A container that ran this long without failing starts its back-off over (kubelet's rule). */
const CLEAN_RUN_MS = 10 * 60 * 1000

/** The worker of one pod. */
export class PodWorker {
  private sandboxId?: string
  private podIP?: string
  private volumes?: Map<string, VolumePaths>
  private waiting = new Map<string, Waiting>()
  private readonly probes: PodProbes
  private running?: Promise<void>
  private dirty = false
  private timer?: NodeJS.Timeout
  private timerAt = 0
  private stopped = false
  private deleted = false
  private finished = false
  /** The status last sent to the API server (stableJson), to know its echo from the watch. */
  private sentStatus?: string
  /** Containers killed or removed so far: a sync that did neither reuses its listing. */
  private runtimeChanges = 0
  /** Containers this sync started. */
  private started: string[] = []

  constructor(
    private pod: Pod,
    private readonly deps: WorkerDeps
  ) {
    this.probes = new PodProbes(
      { runtime: deps.runtime, podIP: () => this.podIP },
      {
        onChange: () => this.enqueue(),
        onFailure: (name, kind, output) => {
          const label = kind[0].toUpperCase() + kind.slice(1)
          this.deps.events.record(
            this.pod,
            'Warning',
            R.unhealthy,
            `${label} probe failed: ${output}`,
            name
          )
        }
      }
    )
  }

  get uid(): string {
    return this.pod.metadata?.uid ?? ''
  }

  private get key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`
  }

  /**
   * A newer version of the pod arrived. The echo of this worker's own status write needs no sync
   * (kubelet's pod config also sends no update for a status-only change); anything else does.
   */
  update(pod: Pod): void {
    const rv = (p: Pod) => Number(p.metadata?.resourceVersion ?? 0)
    if (rv(pod) < rv(this.pod)) return this.enqueue()
    const echo = this.isOwnStatusEcho(pod)
    this.pod = pod
    if (!echo) this.enqueue()
  }

  /** `pod` differs from the one held only by the status this worker sent (and its version). */
  private isOwnStatusEcho(pod: Pod): boolean {
    if (this.sentStatus === undefined || stableJson(pod.status ?? {}) !== this.sentStatus) {
      return false
    }
    const withoutStatus = (p: Pod): string => {
      const { resourceVersion: _rv, managedFields: _mf, ...meta } = p.metadata ?? {}
      return stableJson({ ...p, metadata: meta, status: undefined })
    }
    return withoutStatus(pod) === withoutStatus(this.pod)
  }

  /** The pod is gone from the API: kill what runs, remove the sandbox. */
  delete(): void {
    this.deleted = true
    this.enqueue()
  }

  /** Asks for a sync (coalesced while one runs). */
  enqueue(): void {
    if (this.stopped || this.finished) return
    this.dirty = true
    // loop() always awaits before it ends (dirty is set), so `running` is assigned first.
    if (!this.running) this.running = this.loop()
  }

  /** Stops timers and probes, then waits for a running sync; containers stay as they are. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.probes.stop()
    await this.running
  }

  private requeueAfter(ms: number): void {
    const at = Date.now() + Math.max(ms, 10)
    if (this.timer && this.timerAt <= at) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.enqueue()
    }, at - Date.now())
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && !this.stopped && !this.finished) {
        this.dirty = false
        try {
          await this.sync()
        } catch (err) {
          this.deps.log.warn('pod sync failed', { pod: this.key, err: String(err) })
          this.requeueAfter(this.deps.backoffInitialMs)
        }
      }
    } finally {
      this.running = undefined
    }
  }

  private async sync(): Promise<void> {
    const pod = this.pod
    if (this.deleted || pod.metadata?.deletionTimestamp) {
      this.deps.log.info('terminating pod', { pod: this.key, deletedFromApi: this.deleted })
      this.probes.stop()
      await terminatePod(pod, this.deps, !this.deleted)
      await removePodDir(this.deps.config.rootDir, this.uid)
      this.deps.backoff.resetPrefix(`${this.uid}/`)
      this.finished = true
      this.deps.onFinished(this.uid)
      return
    }
    this.waiting = new Map()
    const phase = pod.status?.phase
    let prune = false
    let listed: ContainerStatus[] | undefined
    if (phase !== 'Succeeded' && phase !== 'Failed') {
      if (await this.ensureSandbox()) {
        const changes = this.runtimeChanges
        this.started = []
        const synced = await this.syncContainers()
        prune = synced.pastInit
        // Nothing killed or removed: the listing the decisions were made on, plus what was
        // started since, is current (anything else that changes wakes the worker again).
        if (this.runtimeChanges === changes) {
          const { runtime } = this.deps
          const started = await Promise.all(this.started.map((id) => runtime.containerStatus(id)))
          listed = [...synced.containers, ...started]
        }
      }
    }
    const containers = await this.writeStatus(listed)
    // Old attempts go after the status is out: the status shows only the last two anyway.
    if (prune) await this.prune(containers)
  }

  /** Finds or creates the pod's sandbox and volumes; false when containers must wait. */
  private async ensureSandbox(): Promise<boolean> {
    const { runtime, config } = this.deps
    if (this.sandboxId) {
      const s = await runtime.podSandboxStatus(this.sandboxId).catch(() => undefined)
      if (s?.state !== 'ready') this.sandboxId = undefined
    }
    if (!this.sandboxId) {
      const sandbox = await findOrRunPodSandbox(this.pod, this.deps)
      this.sandboxId = sandbox.id
      this.podIP = sandbox.ip
    }
    if (!this.volumes) {
      try {
        this.volumes = await setUpVolumes(
          this.pod,
          this.deps.client,
          config.rootDir,
          config.hostRootDir
        )
      } catch (err) {
        if (!(err instanceof VolumeMountError)) throw err
        this.deps.events.record(this.pod, 'Warning', R.failedMount, err.message)
        this.deps.log.warn('mount failed', { pod: this.key, err: err.message })
        this.requeueAfter(this.deps.backoffInitialMs * 2)
        return false
      }
    }
    return true
  }

  /**
   * Takes the next step for the pod's containers; answers the listing it decided on and whether
   * the init containers are all done.
   */
  private async syncContainers(): Promise<{ containers: ContainerStatus[]; pastInit: boolean }> {
    const { runtime } = this.deps
    const spec = this.pod.spec
    const policy = spec?.restartPolicy ?? 'Always'
    let all = await runtime.listContainers({ podUid: this.uid })
    for (const init of spec?.initContainers ?? []) {
      const latest = attemptsOf(all, init.name)[0]
      if (latest?.state === 'exited' && latest.exitCode === 0) continue
      if (latest?.state === 'running') return { containers: all, pastInit: false }
      if (latest?.state === 'exited') {
        if (policy !== 'Never') await this.restart(init, latest)
        return { containers: all, pastInit: false }
      }
      await this.start(init, latest ? latest.attempt : 0, latest)
      return { containers: all, pastInit: false }
    }
    for (const c of spec?.containers ?? []) {
      let latest = attemptsOf(all, c.name)[0]
      let forced = false
      if (latest?.state === 'running') {
        const failed = this.probes.failed(c.name, latest.id)
        // kubelet restarts a container whose spec changed (for pods, only the image can).
        const specImage = latest.labels[SPEC_IMAGE_LABEL]
        const changed = specImage !== undefined && specImage !== c.image
        if (!failed && !changed) continue
        const why = failed ? `failed ${failed} probe` : 'definition changed'
        const message = `Container ${c.name} ${why}, will be restarted`
        this.deps.events.record(this.pod, 'Normal', R.killing, message, c.name)
        this.deps.log.info('killing container', { pod: this.key, container: c.name, why })
        this.runtimeChanges++
        await runtime.stopContainer(latest.id, this.pod.spec?.terminationGracePeriodSeconds ?? 30)
        all = await runtime.listContainers({ podUid: this.uid })
        latest = attemptsOf(all, c.name)[0]
        forced = true
      }
      if (latest?.state === 'exited') {
        const restart =
          policy === 'Always' || (policy === 'OnFailure' && (forced || latest.exitCode !== 0))
        if (restart) await this.restart(c, latest)
        continue
      }
      await this.start(c, latest ? latest.attempt : 0, latest)
    }
    return { containers: all, pastInit: true }
  }

  /** Restarts an exited container unless it is in back-off (CrashLoopBackOff). */
  private async restart(c: Container, latest: ContainerStatus): Promise<void> {
    const key = `${this.uid}/${c.name}`
    const backoff = this.deps.backoff
    const finished = latest.finishedAt?.getTime() ?? Date.now()
    const started = latest.startedAt?.getTime() ?? finished
    if (finished - started >= CLEAN_RUN_MS) backoff.reset(key)
    if (backoff.isInBackOffSince(key, finished)) {
      const meta = this.pod.metadata ?? {}
      const podRef = `${meta.name}_${meta.namespace}(${this.uid})`
      const secs = Math.round(backoff.delay(key) / 100) / 10
      this.waiting.set(c.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${secs}s restarting failed container=${c.name} pod=${podRef}`
      })
      this.deps.events.record(
        this.pod,
        'Warning',
        R.backOff,
        `Back-off restarting failed container ${c.name} in pod ${podRef}`,
        c.name
      )
      // kubelet syncs a pod in back-off again after its backOffPeriod (10 s), so the BackOff
      // event counts up meanwhile; the restart itself waits for the back-off to pass.
      this.requeueAfter(Math.min(backoff.remaining(key, finished), this.deps.backoffInitialMs))
      return
    }
    backoff.next(key)
    this.deps.log.info('restarting container', {
      pod: this.key,
      container: c.name,
      restartCount: latest.attempt + 1
    })
    await this.start(c, latest.attempt + 1)
  }

  /** Pulls, configures, creates and starts one container (attempt = restartCount). */
  private async start(c: Container, attempt: number, stale?: ContainerStatus): Promise<void> {
    const { runtime, events } = this.deps
    if (stale?.state === 'created') {
      this.runtimeChanges++
      await runtime.removeContainer(stale.id).catch(() => undefined)
    }
    const pulled = await ensureImage(this.pod, c, this.deps.pull)
    if (!pulled.ok) {
      this.waiting.set(c.name, pulled.waiting)
      // A pull that just failed is reported (ErrImagePull), then at once its back-off, as
      // kubelet's next sync does (ImagePullBackOff until the retry).
      if (pulled.waiting.reason === 'ErrImagePull') this.requeueAfter(0)
      else if (pulled.retryMs !== undefined) {
        this.requeueAfter(Math.min(pulled.retryMs, this.deps.backoffInitialMs))
      }
      return
    }
    let config
    try {
      config = await buildContainerConfig({
        pod: this.pod,
        container: c,
        attempt,
        volumes: this.volumes ?? new Map(),
        client: this.deps.client,
        nodeName: this.deps.config.nodeName,
        podIP: this.podIP,
        hostIP: this.deps.hostIP
      })
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err
      this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: err.message })
      events.record(this.pod, 'Warning', R.failed, `Error: ${err.message}`, c.name)
      this.requeueAfter(this.deps.backoffInitialMs * 2)
      return
    }
    const id = await runtime.createContainer(this.sandboxId ?? '', config)
    events.record(this.pod, 'Normal', R.created, `Created container ${c.name}`, c.name)
    await runtime.startContainer(id)
    this.started.push(id)
    events.record(this.pod, 'Normal', R.started, `Started container ${c.name}`, c.name)
    this.deps.log.info('started container', { pod: this.key, container: c.name, id, attempt })
  }

  /**
   * Keeps the newest container and the last exited one of each name; removes older ones.
   * `all` is the pod's containers as listed for the status just written.
   */
  private async prune(all: ContainerStatus[]): Promise<void> {
    const names = new Set(all.map((c) => c.name))
    for (const name of names) {
      const attempts = attemptsOf(all, name)
      for (const old of attempts.slice(2)) {
        if (old.state === 'running') continue
        await this.deps.runtime.removeContainer(old.id).catch(() => undefined)
      }
    }
  }

  /**
   * Writes the pod's status when it changed, from `listed` when given (else a fresh listing);
   * answers the containers it was computed from.
   */
  private async writeStatus(listed?: ContainerStatus[]): Promise<ContainerStatus[]> {
    const { runtime, client } = this.deps
    const containers = listed ?? (await runtime.listContainers({ podUid: this.uid }))
    const running = new Map<string, string>()
    for (const c of containers) if (c.state === 'running') running.set(c.name, c.id)
    this.probes.sync(this.pod, running)
    const policy = this.pod.spec?.restartPolicy ?? 'Always'
    const initFailed =
      policy === 'Never' &&
      !initDone(this.pod, containers) &&
      (this.pod.spec?.initContainers ?? []).some((c) => {
        const latest = attemptsOf(containers, c.name)[0]
        return latest?.state === 'exited' && latest.exitCode !== 0
      })
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    for (let attempt = 0; attempt < 3; attempt++) {
      const pod = this.pod
      const status = computePodStatus({
        pod,
        runtimeName: runtime.name,
        containers,
        podIP: this.podIP,
        hostIP: this.deps.hostIP,
        sandboxReady: !!this.sandboxId,
        waiting: this.waiting,
        ready: (n, id) => this.probes.ready(n, id),
        started: (n, id) => this.probes.started(n, id),
        initFailed,
        now
      })
      const json = stableJson(status)
      if (json === stableJson(pod.status ?? {})) return containers
      this.sentStatus = json
      try {
        const written = await client.updateStatus({ ...pod, status } as never)
        const rv = (p: Pod) => Number(p.metadata?.resourceVersion ?? 0)
        if (rv(written as Pod) >= rv(this.pod)) this.pod = written as Pod
        if (status.phase !== pod.status?.phase)
          this.deps.log.info('pod phase', { pod: this.key, phase: status.phase })
        else logAt(this.deps.log, 3)?.info('pod status updated', { pod: this.key })
        return containers
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return containers
        if (!(err instanceof ApiError) || err.code !== 409) throw err
        const meta = pod.metadata ?? {}
        this.pod = await client.get<never>(KINDS.pod, meta.namespace, meta.name ?? '')
      }
    }
    return containers
  }
}
