/**
 * The control plane: composes KubeDesk's server-side parts and owns their start and stop order.
 * Both front doors use it — the Electron app (src/main/index.ts) and the `kubedesk` CLI.
 *
 * Start: lock the data directory → open the component logs → open the store (its compactor
 * runs inside it) → listen on the control socket. Stop runs the same steps backwards. A failed
 * start undoes what it did, so the lock is never left behind by a live process.
 *
 * In this version the control plane is the store alone: the API server, scheduler, controller
 * manager and node providers come later; `nodes`, `provider` and `port` are recorded and logged.
 */
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

/** How nodes run: Docker containers, child processes, or simulated in-process kubelets. */
export type NodeProviderName = 'docker' | 'process' | 'simulated'

/** A step of start-up that finished, for a progress display. */
export interface ProgressEvent {
  component: string
  message: string
}

/** Everything a control plane needs; `defaultControlPlaneOptions` fills in the defaults. */
export interface ControlPlaneOptions {
  /** Where the store, logs, lock and control socket live. */
  dataDir: string
  store: StoreBackend
  /** Client URLs of a real etcd (store 'etcd' only). */
  etcdEndpoints?: string[]
  /** Worker nodes wanted (used by a later milestone). */
  nodes: number
  provider: NodeProviderName
  /** The API server's port (later milestone; default 6443). */
  port: number
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

/** How often the store's compaction point is checked so compactions show in the etcd log. */
const COMPACTION_WATCH_INTERVAL_MS = 30_000

/** The defaults of `kubedesk up`, with `overrides` applied. */
export const defaultControlPlaneOptions = (
  overrides: Partial<ControlPlaneOptions> = {}
): ControlPlaneOptions => ({
  dataDir: resolveDataDir(undefined),
  store: 'sqlite',
  nodes: 1,
  provider: 'docker',
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
  private socket?: ControlSocketServer
  private compactionTimer?: NodeJS.Timeout
  private lastCompactRevision = 0
  private storeState: ComponentState = 'stopped'
  private storeMessage?: string
  private startedAt?: Date
  private uiUrl?: string
  private starting?: Promise<void>
  private stopping?: Promise<void>

  constructor(options: ControlPlaneOptions) {
    this.options = options
    this.paths = dataDirPaths(options.dataDir)
  }

  /**
   * Locks the data directory, opens the store (with its compactor) and starts the control
   * socket. Rejects with a readable error (DataDirInUseError, StoreCorruptError, …) after
   * undoing what it started. Calling it again returns the same start.
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
    return {
      version: KUBEDESK_VERSION,
      pid: process.pid,
      dataDir: o.dataDir,
      startedAt: (this.startedAt ?? new Date()).toISOString(),
      store: { backend: o.store, revision, compactRevision, location },
      components: [store],
      uiUrl: this.uiUrl
    }
  }

  /** Records the browser UI's address (`kubedesk up --ui`) so `status` shows it. */
  setUiUrl(url: string): void {
    this.uiUrl = url
    // The URL carries the access token: log that the UI runs, never the URL.
    this.log?.info('browser UI serving', { origin: new URL(url).origin })
  }

  private progress(component: string, message: string): void {
    this.options.onProgress?.({ component, message })
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
    this.log.info('recorded for later versions', {
      nodes: o.nodes,
      provider: o.provider,
      apiserverPort: o.port,
      note: 'node providers and the API server are not part of this build yet'
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

    this.socket = await startControlSocket(this.paths.socket, {
      getStatus: () => this.status(),
      onShutdown: () => this.shutdownRequested()
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
  }
}

function describeStore(backend: StoreBackend, location: string | undefined, revision: number) {
  if (backend === 'memory') return `in memory (revision ${revision}; nothing is kept after stop)`
  return `${backend} at ${location} (revision ${revision})`
}
