/**
 * Shared list+watch of one kind for the desktop host, as client-go's reflector: list, then watch
 * from the list's resourceVersion, keeping a cache keyed by uid. A watch that times out resumes
 * from the last resourceVersion seen; one answered 410 Expired (the store compacted past it) or
 * failing otherwise re-lists, and every listener hears `reset()`: the cache was refilled.
 *
 * One instance per kind is shared by every subscription of the host (`ListWatches`); it runs
 * while it has listeners and stops its watch (and drops its cache) when the last one leaves. Before the control plane
 * has started it waits (polling cheaply) instead of failing.
 *
 * Cached objects are the ones the API server hands every watcher: READ-ONLY.
 */
import { ApiError } from '../../apiserver/api-errors'
import type { ApiClient, ResourceType, WatchEventOut, WatchHandle } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import type { Unsubscribe } from '../../../shared/desktop-api'
import { errorMessage } from '../../../shared/desktop-wire'
import { clientOf, type HostContext } from './host-context'

/** What a listener of a ListWatch hears. */
export interface ListWatchListener {
  /** The cache was (re)filled: everything known before is replaced by `items()`. */
  reset(): void
  /** One object changed: its new state, or undefined once deleted. */
  change(uid: string, obj: KubeObject | undefined): void
  /** The list can never be served (the control plane failed to start). */
  fail?(message: string): void
}

/** Tunables, mostly for tests. */
export interface ListWatchOptions {
  /** How long each watch runs before it is resumed (default: 5–10 minutes, as client-go). */
  watchTimeoutSeconds?: number
  /** How often to look whether the control plane has started (default 250 ms). */
  pollMs?: number
  /** First retry delay after a failed list (default 500 ms, doubling up to 30 s). */
  retryMs?: number
}

/** One kind's shared cache. */
export interface ListWatch {
  readonly type: ResourceType
  /** True once the first list is in the cache. */
  synced(): boolean
  /** The cached objects (read-only). */
  items(): IterableIterator<KubeObject>
  get(uid: string): KubeObject | undefined
  readonly size: number
  /** Adds a listener (it hears `reset()` at once when the cache is already filled). */
  subscribe(listener: ListWatchListener): Unsubscribe
}

/** The cache key of an object: its uid (namespace/name for the odd object without one). */
export function uidOf(obj: KubeObject): string {
  return obj.metadata?.uid ?? `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`
}

const typeKey = (t: ResourceType): string => `${t.apiVersion}/${t.kind}`

/** The shared ListWatches of one desktop host. */
export class ListWatches {
  private readonly byType = new Map<string, SharedListWatch>()

  constructor(
    private readonly ctx: HostContext,
    private readonly options: ListWatchOptions = {}
  ) {}

  /** The shared ListWatch of `type` (started by its first listener). */
  of(type: ResourceType): ListWatch {
    const key = typeKey(type)
    let lw = this.byType.get(key)
    if (!lw) {
      lw = new SharedListWatch(this.ctx, type, this.options)
      this.byType.set(key, lw)
    }
    return lw
  }

  /** Stops every ListWatch (the host is closing). */
  close(): void {
    for (const lw of this.byType.values()) lw.stop()
  }
}

class SharedListWatch implements ListWatch {
  private cache = new Map<string, KubeObject>()
  private readonly listeners = new Set<ListWatchListener>()
  private isSynced = false
  private active = false
  private generation = 0
  private watch?: WatchHandle
  private timer?: NodeJS.Timeout
  private lastRv = ''
  private failures = 0

  constructor(
    private readonly ctx: HostContext,
    readonly type: ResourceType,
    private readonly options: ListWatchOptions
  ) {}

  get size(): number {
    return this.cache.size
  }

  synced(): boolean {
    return this.isSynced
  }

  items(): IterableIterator<KubeObject> {
    return this.cache.values()
  }

  get(uid: string): KubeObject | undefined {
    return this.cache.get(uid)
  }

  subscribe(listener: ListWatchListener): Unsubscribe {
    this.listeners.add(listener)
    if (!this.active) {
      this.active = true
      void this.relist()
    } else if (this.isSynced) {
      // Later, so the subscriber has its unsubscribe function before it hears anything.
      queueMicrotask(() => {
        if (this.listeners.has(listener)) listener.reset()
      })
    }
    return () => {
      if (!this.listeners.delete(listener)) return
      if (this.listeners.size === 0) this.stop()
    }
  }

  /** Ends the watch and forgets the cache; the next subscriber starts afresh. */
  stop(): void {
    this.active = false
    this.generation++
    clearTimeout(this.timer)
    this.watch?.stop()
    this.watch = undefined
    this.listeners.clear()
    this.cache = new Map()
    this.isSynced = false
  }

  private schedule(fn: () => void, ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(fn, ms)
    this.timer.unref?.()
  }

  /** The client, or undefined while the control plane starts (listeners fail when it failed). */
  private client(): ApiClient | undefined {
    try {
      return clientOf(this.ctx)
    } catch (err) {
      if (this.ctx.startup.current().phase !== 'failed') return undefined
      const message = errorMessage(err)
      const listeners = [...this.listeners]
      this.stop()
      for (const l of listeners) l.fail?.(message)
      return undefined
    }
  }

  private async relist(): Promise<void> {
    this.watch?.stop()
    this.watch = undefined
    const gen = ++this.generation
    const client = this.client()
    if (!client) {
      if (this.active && this.listeners.size > 0) {
        this.schedule(() => void this.relist(), this.options.pollMs ?? 250)
      }
      return
    }
    try {
      const list = await client.list(this.type)
      if (gen !== this.generation) return
      const cache = new Map<string, KubeObject>()
      for (const obj of list.items) cache.set(uidOf(obj), obj)
      this.cache = cache
      this.lastRv = list.metadata.resourceVersion ?? ''
      this.isSynced = true
      this.failures = 0
      this.notify((l) => l.reset())
      await this.startWatch(client, gen)
    } catch {
      if (gen !== this.generation) return
      const retry = this.options.retryMs ?? 500
      this.schedule(() => void this.relist(), Math.min(30_000, retry * 2 ** this.failures++))
    }
  }

  private async startWatch(client: ApiClient, gen: number): Promise<void> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? Math.round(300 + Math.random() * 300)
    try {
      const handle = await client.watch(
        this.type,
        { resourceVersion: this.lastRv, timeoutSeconds },
        (event) => this.onEvent(gen, event),
        (err) => this.onEnd(client, gen, err)
      )
      if (gen !== this.generation) return handle.stop()
      this.watch = handle
    } catch (err) {
      if (gen !== this.generation) return
      // 410 Expired: re-list at once; anything else after a pause.
      if (err instanceof ApiError && err.code === 410) return void this.relist()
      this.schedule(() => void this.relist(), this.options.retryMs ?? 500)
    }
  }

  private onEvent(gen: number, event: WatchEventOut): void {
    if (gen !== this.generation || event.type === 'ERROR') return // onEnd follows an ERROR
    const obj = event.object as KubeObject
    const rv = obj.metadata?.resourceVersion
    if (rv) this.lastRv = rv
    if (event.type === 'BOOKMARK') return
    const uid = uidOf(obj)
    if (event.type === 'DELETED') {
      if (this.cache.delete(uid)) this.notify((l) => l.change(uid, undefined))
    } else {
      this.cache.set(uid, obj)
      this.notify((l) => l.change(uid, obj))
    }
  }

  private onEnd(client: ApiClient, gen: number, err?: ApiError): void {
    if (gen !== this.generation) return
    this.watch = undefined
    // A timeout is routine: resume where the watch stopped. 410 Expired: re-list at once; any
    // other error: re-list after a pause, so a failing server is not asked in a tight loop.
    if (!err) void this.startWatch(client, gen)
    else if (err.code === 410) void this.relist()
    else this.schedule(() => void this.relist(), this.options.retryMs ?? 500)
  }

  /** Tells every listener; one that throws does not keep the others (or the watch) from going on. */
  private notify(fn: (listener: ListWatchListener) => void): void {
    for (const l of [...this.listeners]) {
      try {
        fn(l)
      } catch {
        // A topic's bug must not stop the shared watch; its own subscriber sees nothing new.
      }
    }
  }
}
