/**
 * The control plane: composes KubeDesk's server-side parts and owns their start and stop order.
 * Both front doors use it — the Electron app (src/main/index.ts) and the `kubedesk` CLI.
 *
 * Start: lock the data directory → open the component logs → open the store (its compactor
 * runs inside it) → the PKI and tokens → the API server (HTTPS on 127.0.0.1) → the kubeconfigs
 * (`<data-dir>/kubeconfig`, merged into the user's) → listen on the control socket. Stop runs
 * the same steps backwards. A failed start undoes what it did, so the lock is never left behind
 * by a live process.
 *
 * Nodes (nodes/cluster-nodes.ts): the node provider is prepared before the API server (docker:
 * the cluster network, whose gateway the API server also listens on, and the node image), and
 * the workers start after the kubeconfigs. Stopping detaches from the provider: docker nodes
 * keep running and the next `up` adopts them.
 *
 * kube-scheduler and kube-controller-manager start after the API server (kube-components.ts),
 * each with its own client identity and component log.
 */
import { launchApiServer, type LaunchedApiServer } from './apiserver/launch'
import type { ApiServer } from './apiserver/server'
import type { ResourceInfo } from './apiserver/types'
import type { PodLogOptions } from './apiserver/rest/pod-log'
import type { Readable } from 'node:stream'
import { KubeconfigError, mergeIntoUserKubeconfig, writeKubeconfig } from './kubeconfig'
import { StoreCorruptError } from './store/errors'
import { openStore } from './store'
import type { Store, StoreBackend } from './store/types'
import type { ClusterStatus, ComponentStatus, ComponentState } from '../shared/status'
import {
  acquireDataDirLock,
  dataDirPaths,
  ensureDataDir,
  resolveDataDir,
  type DataDirLock
} from './data-dir'
import { checkSocketPath, startControlSocket, type ControlSocketServer } from './control-socket'
import {
  CONTROL_PLANE_COMPONENT,
  createComponentLog,
  type ComponentLog
} from './observe/component-log'
import { KUBEDESK_VERSION } from './version'
import { createLogControl } from './observe/log-control'
import { ClusterMetrics } from './observe/cluster-metrics'
import type { MetricsHistory } from './observe/metrics-history'
import type { NodeProviderName } from './nodes/types'
import type { NodeManagerOptions } from './nodes/node-manager'
import { ClusterNodes } from './nodes/cluster-nodes'
import { kubeletNodeOf, setKubeletVerbosity } from './nodes/kubelet-verbosity'
import { startKubeComponents } from './kube-components'
import { probedComponents, startControlPlanePods } from './observe/control-plane-pods'
import type { NodeActionRequest } from './control-socket'
import { startProxyComponent, type ProxyComponent } from './proxy/proxy-component'
import { KUBE_PROXY_COMPONENT, type OpenedService } from './proxy/kube-proxy'

export type { NodeProviderName } from './nodes/types'
export { NODE_PROVIDER_COMPONENT } from './nodes/cluster-nodes'
export { CONTROLLER_MANAGER_COMPONENT, SCHEDULER_COMPONENT } from './kube-components'

/** A step of start-up that finished, for a progress display. */
export interface ProgressEvent {
  component: string
  message: string
  /** Set when the step finished in a degraded way the user should notice. */
  warning?: boolean
}

/** Everything a control plane needs; `defaultControlPlaneOptions` fills in the defaults. */
export interface ControlPlaneOptions {
  /** Where the store, logs, lock and control socket live. */
  dataDir: string
  store: StoreBackend
  /** Client URLs of a real etcd (store 'etcd' only). */
  etcdEndpoints?: string[]
  /** Worker nodes wanted: created, or adopted when they already run. */
  nodes: number
  /** 'auto': docker when a Docker engine answers, else process (and `up` says why). */
  provider: NodeProviderName | 'auto'
  /** Kubelet overrides (heartbeat, CrashLoopBackOff delays), e.g. for quick tests. */
  kubelet?: NodeManagerOptions['kubelet']
  /** Lease age after which a node goes NotReady (default 20 s). */
  nodeMonitorGracePeriodSeconds?: number
  /** How long new pods tolerate a not-ready node (default 30 s; Kubernetes 300 s). */
  defaultNotReadyTolerationSeconds?: number
  /** How long new pods tolerate an unreachable node (default 30 s; Kubernetes 300 s). */
  defaultUnreachableTolerationSeconds?: number
  /** Terminated pods kept before the pod GC deletes the oldest (default 1000). */
  terminatedPodGcThreshold?: number
  /** How long an Event lives after its last write (`--event-ttl`, default 1 h). */
  eventTtlSeconds?: number
  /** The API server's port (default 6443; 0 = any free port). Taken → a free one, said so. */
  port: number
  /**
   * Extra names or addresses for the serving certificate and the allowed Host headers: the
   * address node containers use to reach the API server (e.g. the Docker network gateway).
   */
  apiServerSans?: string[]
  /**
   * Merge the `kubedesk` context into the user's kubeconfig (default true). Tests and embedders
   * that must leave it alone say false.
   */
  mergeUserKubeconfig?: boolean
  /** Where `$KUBECONFIG` and `$HOME` are read from (default: process.env). */
  env?: NodeJS.ProcessEnv
  onProgress?: (event: ProgressEvent) => void
  /**
   * Someone asked this instance to stop through the control socket (`kubedesk down`). The owner
   * should stop what it runs around the control plane and then call `stop()`. Without it the
   * control plane stops itself.
   */
  onShutdownRequested?: () => void
}

/** The store logs as `etcd`, the name Kubernetes users look for. */
export const STORE_COMPONENT = 'etcd'
/** The API server's component name in status and logs. */
export const APISERVER_COMPONENT = 'kube-apiserver'

/** How often the store's compaction point is checked so compactions show in the etcd log. */
const COMPACTION_WATCH_INTERVAL_MS = 30_000

/** The defaults of `kubedesk up`, with `overrides` applied. */
export const defaultControlPlaneOptions = (
  overrides: Partial<ControlPlaneOptions> = {}
): ControlPlaneOptions => ({
  dataDir: resolveDataDir(undefined),
  store: 'sqlite',
  nodes: 1,
  provider: 'auto',
  port: 6443,
  ...overrides
})

/** One KubeDesk instance's server side. */
export class ControlPlane {
  private readonly options: ControlPlaneOptions
  private readonly paths: ReturnType<typeof dataDirPaths>
  private lock?: DataDirLock
  private log?: ComponentLog
  private storeLog?: ComponentLog
  private store?: Store
  private apiServerLog?: ComponentLog
  private apiServer?: ApiServer
  private launched?: LaunchedApiServer
  private apiServerState: ComponentState = 'stopped'
  private apiServerMessage?: string
  private socket?: ControlSocketServer
  private compactionTimer?: NodeJS.Timeout
  private lastCompactRevision = 0
  private storeState: ComponentState = 'stopped'
  private storeMessage?: string
  private startedAt?: Date
  /** When `start` began: the first line of this run in each component's log. */
  private readonly runStartedAt = new Date()
  private uiUrl?: string
  private kubeconfigCreds?: { server: string; caCert: string; token: string }
  private readonly nodes: ClusterNodes
  private components?: ReturnType<typeof startKubeComponents>
  private mirrorPods?: { stop(): void }
  private proxy?: ProxyComponent
  private starting?: Promise<void>
  private stopping?: Promise<void>
  /** metrics.k8s.io's usage, its scraper and the 15-minute history (observe/cluster-metrics.ts). */
  private readonly metrics = new ClusterMetrics()

  constructor(options: ControlPlaneOptions) {
    this.options = options
    this.paths = dataDirPaths(options.dataDir)
    this.nodes = new ClusterNodes({
      dataDir: options.dataDir,
      provider: options.provider,
      kubelet: options.kubelet,
      progress: (message) => this.progress('nodes', message)
    })
  }

  /**
   * Locks the data directory, opens the store (with its compactor), starts the API server,
   * writes the kubeconfigs and starts the control socket. Rejects with a readable error
   * (DataDirInUseError, StoreCorruptError, PkiError, …) after undoing what it started. Calling
   * it again returns the same start.
   */
  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('this control plane was stopped'))
    this.starting ??= this.run().catch(async (err: unknown) => {
      this.log?.error('start failed', { err })
      await this.teardown()
      throw err
    })
    return this.starting
  }

  /** Stops everything `start` started, in reverse order, and releases the lock. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined)
      await this.teardown()
    })()
    return this.stopping
  }

  /** What `kubedesk status`, the control socket and the UI show. */
  async status(): Promise<ClusterStatus> {
    const o = this.options
    let revision = 0
    let compactRevision = this.lastCompactRevision
    if (this.store && this.storeState === 'running') {
      revision = await this.store.revision()
      compactRevision = await this.store.compactRevision()
    }
    const location =
      o.store === 'sqlite'
        ? this.paths.storeFile
        : o.store === 'etcd'
          ? o.etcdEndpoints?.join(',')
          : undefined
    const store: ComponentStatus = {
      name: STORE_COMPONENT,
      state: this.storeState,
      message:
        this.storeState === 'running'
          ? describeStore(o.store, location, revision)
          : this.storeMessage
    }
    const apiServer: ComponentStatus = {
      name: APISERVER_COMPONENT,
      state: this.apiServerState,
      message: this.apiServerMessage
    }
    return {
      version: KUBEDESK_VERSION,
      pid: process.pid,
      dataDir: o.dataDir,
      startedAt: (this.startedAt ?? new Date()).toISOString(),
      store: { backend: o.store, revision, compactRevision, location },
      components: [
        store,
        apiServer,
        ...(this.components?.statuses() ?? []),
        ...(this.proxy ? [this.proxy.status()] : [])
      ],
      apiServerUrl: this.apiServer?.url,
      uiUrl: this.uiUrl,
      ...(await this.nodes.status())
    }
  }

  /** `kubedesk node add|stop|start|rm` (through the control socket) and the UI's node buttons. */
  nodeAction(request: NodeActionRequest): Promise<{ message: string }> {
    return this.nodes.action(request)
  }

  /**
   * `kubedesk open svc/NAME` (through the control socket) and the UI's open button: a loopback
   * port balancing over the Service's ready endpoints (rejects with a ServiceOpenError).
   */
  openService(namespace: string, name: string): Promise<OpenedService> {
    if (!this.proxy) return Promise.reject(new Error('kube-proxy is not running'))
    return this.proxy.proxy.openService(namespace, name)
  }

  /**
   * The in-process API client for the other components: the same admission, validation and
   * watch path as HTTPS requests. Undefined until `start` has resolved.
   */
  get apiClient(): ApiServer['client'] | undefined {
    return this.apiServer?.client
  }

  /**
   * A pod's log as `kubectl logs [-f]` gets it, in process (no HTTPS): the desktop UI's pod log
   * panes. Rejects with the API's error, or when the control plane is not running.
   */
  podLog(namespace: string, name: string, opts: PodLogOptions): Promise<Readable> {
    if (!this.apiServer) return Promise.reject(new Error('the API server is not running'))
    return this.apiServer.podLog(namespace, name, opts)
  }

  /** The kinds the API server serves (empty before start). */
  get apiResources(): ResourceInfo[] {
    return this.apiServer?.resources ?? []
  }

  /** The last 15 minutes of node, pod, API server and scheduler metrics, for the UI's charts. */
  get metricsHistory(): MetricsHistory {
    return this.metrics.history
  }

  /** Records the browser UI's address (`kubedesk up --ui`) so `status` shows it. */
  setUiUrl(url: string): void {
    this.uiUrl = url
    // The URL carries the access token: log that the UI runs, never the URL.
    this.log?.info('browser UI serving', { origin: new URL(url).origin })
  }

  private progress(component: string, message: string, warning = false): void {
    this.options.onProgress?.({ component, message, ...(warning ? { warning } : {}) })
  }

  private async run(): Promise<void> {
    const o = this.options
    // Checked before anything is created: a path too long would fail only at the last step.
    checkSocketPath(this.paths.socket)
    ensureDataDir(o.dataDir)
    this.lock = acquireDataDirLock(o.dataDir)
    this.log = createComponentLog(o.dataDir, CONTROL_PLANE_COMPONENT)
    this.storeLog = createComponentLog(o.dataDir, STORE_COMPONENT)
    this.log.info('starting control plane', {
      version: KUBEDESK_VERSION,
      dataDir: o.dataDir,
      store: o.store
    })
    const stale = this.lock.stalePid
    if (stale !== undefined) {
      this.log.warn('took over a stale lock', { pid: stale, file: this.paths.pidFile })
    }
    this.progress(
      'data directory',
      o.dataDir +
        (stale === undefined ? '' : ` (took over the lock of pid ${stale}, which is not running)`)
    )

    await this.openStore()
    await this.nodes.prepare()
    await this.serveApi()
    await this.writeKubeconfigs()
    this.components = startKubeComponents(
      {
        dataDir: o.dataDir,
        server: this.apiServer!,
        nodeMonitorGracePeriodSeconds: o.nodeMonitorGracePeriodSeconds,
        terminatedPodGcThreshold: o.terminatedPodGcThreshold,
        progress: (component, message) => this.progress(component, message),
        onSchedulingAttempt: this.metrics.observeScheduling,
        log: (component) => (component === STORE_COMPONENT ? this.storeLog : this.apiServerLog)
      },
      probedComponents(
        { store: STORE_COMPONENT, apiServer: APISERVER_COMPONENT },
        () => this.store,
        () => this.apiServer
      )
    )
    await this.nodes.start(this.launched!, o.nodes)
    this.mirrorPods = startControlPlanePods({
      server: this.apiServer!,
      supervisor: this.components.supervisor,
      dataDir: o.dataDir,
      settings: o,
      runStartedAt: this.runStartedAt,
      log: this.log,
      inProcessPodLogs: (pod, container, opts) =>
        this.nodes.inProcessLogs.open(pod, container, opts)
    })
    this.metrics.start({
      client: this.apiServer!.client,
      kubeletClient: {
        token: this.launched!.kubeletClientToken,
        caCert: this.launched!.credentials.caCert
      },
      inProcessSummary: (node) => this.nodes.inProcessStats.summary(node),
      log: this.log
    })

    this.proxy = startProxyComponent(o.dataDir, this.apiServer!)
    this.progress(KUBE_PROXY_COMPONENT, 'NodePort services answer on 127.0.0.1:<nodePort>')

    this.socket = await startControlSocket(this.paths.socket, {
      getStatus: () => this.status(),
      onShutdown: () => this.shutdownRequested(),
      onNodeAction: (request) => this.nodeAction(request),
      onOpenService: (namespace, name) => this.openService(namespace, name),
      onComponentFail: (name) => this.failComponent(name),
      logs: createLogControl(o.dataDir, (component, level) =>
        this.setKubeletVerbosity(component, level)
      )
    })
    this.log.info('control socket listening', { path: this.paths.socket })
    this.progress('control socket', this.paths.socket)

    this.startedAt = new Date()
    this.log.info('control plane started', { pid: process.pid })
  }

  private async openStore(): Promise<void> {
    const o = this.options
    const log = this.storeLog!
    this.storeState = 'starting'
    const target =
      o.store === 'sqlite'
        ? { file: this.paths.storeFile }
        : o.store === 'etcd'
          ? { endpoints: o.etcdEndpoints?.join(',') }
          : {}
    log.info('opening store', { backend: o.store, ...target })
    try {
      this.store = await openStore({
        backend: o.store,
        dataDir: o.dataDir,
        etcdEndpoints: o.etcdEndpoints
      })
    } catch (err) {
      this.storeState = 'failed'
      this.storeMessage = err instanceof Error ? err.message : String(err)
      log.error('cannot open store', {
        backend: o.store,
        ...target,
        err,
        ...(err instanceof StoreCorruptError ? { corruptFile: err.file } : {})
      })
      throw err
    }
    const revision = await this.store.revision()
    this.lastCompactRevision = await this.store.compactRevision()
    this.storeState = 'running'
    log.info('opened store', {
      backend: o.store,
      ...target,
      revision,
      compactRevision: this.lastCompactRevision
    })
    this.progress('store', describeStore(o.store, target.file ?? target.endpoints, revision))
    this.watchCompaction()
  }

  /** The PKI, the tokens and the HTTPS server (src/main/apiserver/launch.ts). */
  private async serveApi(): Promise<void> {
    const o = this.options
    const log = (this.apiServerLog = createComponentLog(o.dataDir, APISERVER_COMPONENT))
    this.apiServerState = 'starting'
    try {
      const launched = await launchApiServer({
        dataDir: o.dataDir,
        store: this.store!,
        port: o.port,
        sans: [...(o.apiServerSans ?? []), ...this.extraHosts()],
        extraHosts: this.extraHosts(),
        log,
        admission: {
          defaultNotReadyTolerationSeconds: o.defaultNotReadyTolerationSeconds,
          defaultUnreachableTolerationSeconds: o.defaultUnreachableTolerationSeconds
        },
        eventTtlSeconds: o.eventTtlSeconds,
        metrics: this.metrics.usage,
        observeRequest: this.metrics.observeRequest
      })
      this.launched = launched
      this.apiServer = launched.server
      const url = launched.server.url
      this.apiServerState = 'running'
      this.apiServerMessage = `serving on ${url}`
      if (launched.moved) {
        this.log?.warn(launched.moved)
        this.progress(APISERVER_COMPONENT, `${launched.moved} (${url})`, true)
      } else {
        this.progress(APISERVER_COMPONENT, `serving on ${url}`)
      }
      this.kubeconfigCreds = launched.credentials
    } catch (err) {
      this.apiServerState = 'failed'
      this.apiServerMessage = err instanceof Error ? err.message : String(err)
      log.error('cannot start the API server', { err })
      throw err
    }
  }

  /** Addresses beyond loopback the API server listens on: the cluster network's gateway. */
  private extraHosts(): string[] {
    const host = this.nodes.apiServerHost
    return host === '127.0.0.1' ? [] : [host]
  }

  /**
   * `<data-dir>/kubeconfig`, then the `kubedesk` context in the user's kubeconfig. A user
   * kubeconfig that does not parse is left alone with a warning: the cluster works without it.
   */
  private async writeKubeconfigs(): Promise<void> {
    const o = this.options
    const creds = this.kubeconfigCreds!
    writeKubeconfig(this.paths.kubeconfig, creds)
    this.log?.info('wrote kubeconfig', { file: this.paths.kubeconfig, server: creds.server })
    this.progress('kubeconfig', this.paths.kubeconfig)
    if (o.mergeUserKubeconfig === false) return
    try {
      const merged = await mergeIntoUserKubeconfig(creds, o.env ?? process.env)
      this.log?.info('merged into the user kubeconfig', {
        file: merged.file,
        context: merged.context,
        currentContext: merged.currentContext
      })
      this.progress(
        'kubeconfig',
        `context '${merged.context}' merged into ${merged.file}` +
          (merged.currentContextSet
            ? ' (now the current context)'
            : ` (current context stays '${merged.currentContext}'; ` +
              `use 'kubectl --context ${merged.context}')`)
      )
    } catch (err) {
      if (!(err instanceof KubeconfigError)) throw err
      this.log?.warn('cannot merge into the user kubeconfig', { file: err.file, err })
      this.progress(
        'kubeconfig',
        `not merged into your kubeconfig — ${err.message}. ${err.hint} ` +
          `Meanwhile: kubectl --kubeconfig ${this.paths.kubeconfig}`,
        true
      )
    }
  }

  /** The verbosity of a kubelet in its own process (`kubedesk logs --verbosity N kubelet/X`). */
  private setKubeletVerbosity(component: string, level: number): Promise<void> {
    const node = kubeletNodeOf(component)
    if (!node || !this.apiServer || !this.launched) {
      return Promise.reject(new Error(`${component} is not a kubelet of this cluster`))
    }
    return setKubeletVerbosity(
      this.apiServer.client,
      { token: this.launched.kubeletClientToken, caCert: this.launched.credentials.caCert },
      node,
      level
    )
  }

  /** `kubedesk component fail NAME`: the component fails as if it crashed and is restarted. */
  failComponent(name: string): { message: string } {
    if (!this.components) throw new Error('the components are not running')
    this.components.fail(name)
    return {
      message:
        `${name} failed (simulated); it restarts after a back-off. ` +
        `Watch it: kubectl get pods -n kube-system -w`
    }
  }

  /** The store compacts on its own; this notices each new compaction point and logs it. */
  private watchCompaction(): void {
    this.compactionTimer = setInterval(() => {
      const store = this.store
      if (!store || this.storeState !== 'running') return
      void Promise.all([store.compactRevision(), store.revision()])
        .then(([compactRevision, revision]) => {
          if (compactRevision === this.lastCompactRevision) return
          this.lastCompactRevision = compactRevision
          this.storeLog?.info('compacted', { compactRevision, revision })
        })
        .catch((err: unknown) => this.storeLog?.warn('cannot read compaction point', { err }))
    }, COMPACTION_WATCH_INTERVAL_MS)
    this.compactionTimer.unref()
  }

  private shutdownRequested(): void {
    this.log?.info('shutdown requested through the control socket')
    if (this.options.onShutdownRequested) this.options.onShutdownRequested()
    else void this.stop()
  }

  /** Undoes whatever `run` got to, newest first. Safe to call on a partial start. */
  private async teardown(): Promise<void> {
    if (this.compactionTimer) clearInterval(this.compactionTimer)
    this.compactionTimer = undefined
    if (this.socket) {
      await this.socket.close().catch(() => undefined)
      this.socket = undefined
    }
    this.mirrorPods?.stop()
    this.mirrorPods = undefined
    await this.proxy?.stop()
    this.proxy = undefined
    await this.components?.stop()
    this.components = undefined
    await this.metrics.stop()
    await this.nodes.stop()
    if (this.apiServer) {
      const server = this.apiServer
      this.apiServer = undefined
      try {
        await server.close()
      } catch (err) {
        this.apiServerLog?.error('closing the API server failed', { err })
      }
    }
    if (this.apiServerState !== 'failed') {
      this.apiServerState = 'stopped'
      this.apiServerMessage = undefined
    }
    if (this.store) {
      const store = this.store
      this.store = undefined
      const revision = await store.revision().catch(() => undefined)
      try {
        await store.close()
        this.storeLog?.info('closed store', { revision })
      } catch (err) {
        this.storeLog?.error('closing the store failed', { err })
      }
      this.storeState = 'stopped'
      this.storeMessage = 'stopped'
    }
    if (this.lock) {
      this.log?.info('control plane stopped')
      this.lock.release()
      this.lock = undefined
    }
    this.log?.close()
    this.storeLog?.close()
    this.apiServerLog?.close()
  }
}

function describeStore(backend: StoreBackend, location: string | undefined, revision: number) {
  if (backend === 'memory') return `in memory (revision ${revision}; nothing is kept after stop)`
  return `${backend} at ${location} (revision ${revision})`
}
