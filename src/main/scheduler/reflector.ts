/**
 * List + watch of one kind into handlers, re-listing when the watch ends or its
 * resourceVersion expires (410). Objects handed out are the shared ones: never mutate them.
 */
import type { ApiClient, ResourceType } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'

/** What a reflector reports. */
export interface ReflectorHandlers<T> {
  /** The full set after each (re-)list, replacing what was known. */
  replace(items: T[]): void
  added(obj: T): void
  modified(obj: T): void
  deleted(obj: T): void
}

/** A running reflector. */
export interface Reflector {
  /** Resolves after the first list has been delivered. */
  synced: Promise<void>
  stop(): void
}

/** Starts list+watch of `type`, retrying after errors every `retryMs`. */
export function startReflector<T>(
  client: ApiClient,
  type: ResourceType,
  handlers: ReflectorHandlers<T>,
  onError: (err: unknown) => void,
  retryMs = 1000
): Reflector {
  let stopped = false
  let handle: { stop(): void } | undefined
  let timer: NodeJS.Timeout | undefined
  let markSynced: () => void = () => {}
  const synced = new Promise<void>((resolve) => (markSynced = resolve))

  const retry = (): void => {
    if (stopped) return
    timer = setTimeout(() => void run(), retryMs)
  }
  const run = async (): Promise<void> => {
    timer = undefined
    try {
      const list = await client.list<KubeObject>(type)
      if (stopped) return
      handlers.replace(list.items as unknown as T[])
      markSynced()
      handle = await client.watch(
        type,
        { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
        (event) => {
          if (stopped) return
          const obj = event.object as unknown as T
          if (event.type === 'ADDED') handlers.added(obj)
          else if (event.type === 'MODIFIED') handlers.modified(obj)
          else if (event.type === 'DELETED') handlers.deleted(obj)
        },
        (err) => {
          handle = undefined
          // A timeout or 410 Expired: list again (at once when the watch merely ended).
          if (err && err.code !== 410) onError(err)
          if (!stopped) void run()
        }
      )
      if (stopped) handle.stop()
    } catch (err) {
      onError(err)
      retry()
    }
  }
  void run()
  return {
    synced,
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      handle?.stop()
    }
  }
}
