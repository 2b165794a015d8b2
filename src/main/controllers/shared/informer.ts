/**
 * A shared informer, as client-go's: it lists a kind, then watches from the list's
 * resourceVersion, keeping a cache keyed `namespace/name` (just `name` for cluster-scoped kinds)
 * and calling handlers on every add, update and delete. A watch that ends is restarted from the
 * last resourceVersion seen; one answered 410 Expired (the store compacted past it) re-lists, and
 * the re-list's differences reach the handlers — deletes it missed included.
 *
 * Cached objects are shared with the API server's other watchers and with every handler:
 * they are READ-ONLY. Copy (`structuredClone`) before changing anything.
 */
import { ApiError } from '../../apiserver/api-errors'
import type { ApiClient, ResourceType, WatchEventOut, WatchHandle } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'

/** The kinds of change handlers hear about. */
export type InformerEvent = 'add' | 'update' | 'delete'

/**
 * A change: add is `(undefined, obj)`, update `(old, new)`, delete `(lastCached, final)` where
 * `final` is the deleted object as the watch delivered it (or the cached one when a re-list found
 * it gone). Objects are read-only.
 */
export type InformerHandler<T> = (oldObj: T | undefined, newObj: T) => void

/** Computes index values of an object (e.g. the node a pod runs on). */
export type IndexFunc<T> = (obj: T) => string[]

/** The cache: read-only objects by key, plus optional indexes. */
export interface InformerStore<T> {
  get(key: string): T | undefined
  list(): T[]
  /** Objects whose `indexName` index includes `value` (`namespace` is always defined). */
  byIndex(indexName: string, value: string): T[]
}

/** Options of an informer. */
export interface InformerOptions<T> {
  namespace?: string
  labelSelector?: string
  fieldSelector?: string
  /** When set, every cached object is re-delivered as an update `(obj, obj)` this often. */
  resyncMs?: number
  /** More indexes besides `namespace`. */
  indexers?: Record<string, IndexFunc<T>>
  /** Called on list/watch failures and handler exceptions (default: ignored). */
  onError?: (message: string, err: unknown) => void
  /** First retry delay after a failed list or watch (default 200 ms, doubling up to 30 s). */
  retryMs?: number
}

/** A running (or not yet started) informer. */
export interface Informer<T> {
  readonly type: ResourceType
  readonly store: InformerStore<T>
  /** Registers a handler; returns a function removing it. */
  on(event: InformerEvent, handler: InformerHandler<T>): () => void
  /** Lists and starts watching; resolves once the cache holds the first list. Idempotent. */
  start(): Promise<void>
  hasSynced(): boolean
  stop(): void
}

/** The cache key of an object: `namespace/name`, or `name` when it has no namespace. */
export function keyOf(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata?.namespace
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '')
}

/** Splits a key from `keyOf` back into namespace and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/')
  return i < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, i), name: key.slice(i + 1) }
}

/** Creates an informer for `type`; call `start()` to fill it. */
export function createInformer<T extends KubeObject = KubeObject>(
  client: ApiClient,
  type: ResourceType,
  opts: InformerOptions<T> = {}
): Informer<T> {
  const items = new Map<string, T>()
  const byNamespace: IndexFunc<T> = (o) => [o.metadata?.namespace ?? '']
  // Read on every use: a shared informer's indexers may be added until it starts.
  const indexers = (): Record<string, IndexFunc<T>> => ({
    namespace: byNamespace,
    ...opts.indexers
  })
  const indexes = new Map<string, Map<string, Set<string>>>()
  const handlers: Record<InformerEvent, Set<InformerHandler<T>>> = {
    add: new Set(),
    update: new Set(),
    delete: new Set()
  }
  const onError = opts.onError ?? (() => undefined)
  const retryBase = opts.retryMs ?? 200
  let lastRv = ''
  let watch: WatchHandle | undefined
  let stopped = false
  let started: Promise<void> | undefined
  let synced = false
  let retryTimer: NodeJS.Timeout | undefined
  let resyncTimer: NodeJS.Timeout | undefined
  let failures = 0
  // Each watch gets a generation so events of a replaced watch are ignored.
  let generation = 0

  const index = (key: string, obj: T | undefined, add: boolean): void => {
    if (!obj) return
    for (const [name, fn] of Object.entries(indexers())) {
      let byValue = indexes.get(name)
      if (!byValue) indexes.set(name, (byValue = new Map()))
      for (const value of fn(obj)) {
        let keys = byValue.get(value)
        if (add) {
          if (!keys) byValue.set(value, (keys = new Set()))
          keys.add(key)
        } else if (keys) {
          keys.delete(key)
          if (keys.size === 0) byValue.delete(value)
        }
      }
    }
  }

  const emit = (event: InformerEvent, oldObj: T | undefined, newObj: T): void => {
    for (const h of handlers[event]) {
      try {
        h(oldObj, newObj)
      } catch (err) {
        onError(`${type.kind} ${event} handler failed`, err)
      }
    }
  }

  const put = (obj: T): void => {
    const key = keyOf(obj)
    const old = items.get(key)
    index(key, old, false)
    items.set(key, obj)
    index(key, obj, true)
    emit(old ? 'update' : 'add', old, obj)
  }

  const remove = (key: string, final: T): void => {
    const old = items.get(key)
    if (!old) return
    index(key, old, false)
    items.delete(key)
    emit('delete', old, final)
  }

  const retryDelay = (): number => Math.min(30_000, retryBase * Math.pow(2, failures++))

  const schedule = (fn: () => void, ms: number): void => {
    if (stopped) return
    clearTimeout(retryTimer)
    retryTimer = setTimeout(fn, ms)
  }

  const relist = async (): Promise<void> => {
    watch?.stop()
    watch = undefined
    const gen = ++generation
    try {
      const list = await client.list<T>(type, {
        namespace: opts.namespace,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector
      })
      if (stopped || gen !== generation) return
      const seen = new Set<string>()
      for (const obj of list.items) {
        const key = keyOf(obj)
        seen.add(key)
        // An unchanged object (same resourceVersion) is no news to the handlers.
        if (items.get(key)?.metadata?.resourceVersion !== obj.metadata?.resourceVersion) put(obj)
      }
      for (const [key, obj] of [...items]) if (!seen.has(key)) remove(key, obj)
      lastRv = list.metadata.resourceVersion ?? ''
      synced = true
      failures = 0
      await startWatch(gen)
    } catch (err) {
      if (stopped || gen !== generation) return
      onError(`listing ${type.kind} failed`, err)
      schedule(() => void relist(), retryDelay())
    }
  }

  const onEvent = (gen: number, event: WatchEventOut): void => {
    if (stopped || gen !== generation) return
    const obj = event.object as T
    const rv = obj.metadata?.resourceVersion
    if (event.type === 'ERROR') return // onEnd follows with the error
    if (rv) lastRv = rv
    if (event.type === 'ADDED' || event.type === 'MODIFIED') put(obj)
    else if (event.type === 'DELETED') remove(keyOf(obj), obj)
  }

  const onEnd = (gen: number, err?: ApiError): void => {
    if (stopped || gen !== generation) return
    watch = undefined
    if (err?.code === 410) return void relist()
    if (err) onError(`watching ${type.kind} ended`, err)
    // A timeout is routine: resume from where the watch stopped.
    schedule(() => void startWatch(gen).catch(() => undefined), err ? retryDelay() : 0)
  }

  const startWatch = async (gen: number): Promise<void> => {
    try {
      const handle = await client.watch(
        type,
        {
          namespace: opts.namespace,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          resourceVersion: lastRv,
          allowWatchBookmarks: true
        },
        (e) => onEvent(gen, e),
        (e) => onEnd(gen, e)
      )
      if (stopped || gen !== generation) return handle.stop()
      watch = handle
      failures = 0
    } catch (err) {
      if (stopped || gen !== generation) return
      if (err instanceof ApiError && err.code === 410) return void relist()
      onError(`watching ${type.kind} failed`, err)
      schedule(() => void startWatch(gen), retryDelay())
    }
  }

  return {
    type,
    store: {
      get: (key) => items.get(key),
      list: () => [...items.values()],
      byIndex(indexName, value) {
        if (!indexers()[indexName]) throw new Error(`no index named ${indexName}`)
        const keys = indexes.get(indexName)?.get(value)
        return keys ? [...keys].map((k) => items.get(k)!).filter(Boolean) : []
      }
    },
    on(event, handler) {
      handlers[event].add(handler)
      return () => void handlers[event].delete(handler)
    },
    start() {
      started ??= (async () => {
        stopped = false
        await new Promise<void>((resolve) => {
          const poll = (): void => {
            if (synced || stopped) return resolve()
            setTimeout(poll, 10)
          }
          void relist().then(poll)
        })
        if (opts.resyncMs && !stopped) {
          resyncTimer = setInterval(() => {
            for (const obj of items.values()) emit('update', obj, obj)
          }, opts.resyncMs)
          resyncTimer.unref?.()
        }
      })()
      return started
    },
    hasSynced: () => synced,
    stop() {
      stopped = true
      generation++
      clearTimeout(retryTimer)
      clearInterval(resyncTimer)
      watch?.stop()
      watch = undefined
    }
  }
}
