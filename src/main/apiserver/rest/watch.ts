/**
 * watch: a stream of ADDED / MODIFIED / DELETED / BOOKMARK / ERROR events for a collection.
 *
 * - resourceVersion unset or "0": the current objects arrive first as ADDED, then changes.
 *   With `sendInitialEvents=true` a BOOKMARK annotated `k8s.io/initial-events-end` follows them.
 * - resourceVersion N: every change after N; below the compaction point the call fails with
 *   410 Expired before any event (the HTTP layer answers it as the response status). If the store
 *   reports it later, it arrives as an ERROR event and the stream ends.
 * - Selectors apply to both sides of a change: an object that stops matching is seen as DELETED,
 *   one that starts matching as ADDED (kube-apiserver's cacher does the same).
 */
import { ApiError, expired } from '../api-errors'
import type { KubeObject } from '../types'
import { apiVersionOf } from '../types'
import type { ObjectEvent } from '../storage/object-storage'
import { parseResourceVersion, type RestContext, type Target } from './context'
import { listObjects, selectorOf } from './read'

/** One event as sent to a watcher. */
export interface WatchEventOut {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: KubeObject | Record<string, unknown>
}

/** Options of a watch. */
export interface WatchOptions {
  labelSelector?: string
  fieldSelector?: string
  resourceVersion?: string
  allowWatchBookmarks?: boolean
  sendInitialEvents?: boolean
  /** End the stream after this many seconds (default: a random 30–60 minutes, as kube-apiserver). */
  timeoutSeconds?: number
}

/** Where events go. `end` is called once, when the watch ends by itself (timeout or error). */
export interface WatchSink {
  send(event: WatchEventOut): void
  end(): void
}

/** A running watch; `stop` ends it without calling `sink.end`. */
export interface WatchHandle {
  stop(): void
}

/**
 * Starts a watch. Rejects (before any event) on bad options or an expired resourceVersion, so
 * the HTTP layer can still answer with a status code.
 */
export async function watchObjects(
  ctx: RestContext,
  target: Target,
  opts: WatchOptions,
  sink: WatchSink
): Promise<WatchHandle> {
  const { entry } = target
  const matcher = selectorOf(entry, opts)
  const rv = opts.resourceVersion
  let initial: KubeObject[] = []
  let from: number
  if (opts.sendInitialEvents && rv && rv !== '0') {
    throw new ApiError(
      422,
      'Invalid',
      'sendInitialEvents is only allowed with resourceVersion unset or "0"'
    )
  }
  if (!rv || rv === '0') {
    const list = await listObjects(ctx, target, opts)
    initial = list.items
    from = Number(list.metadata.resourceVersion)
  } else {
    from = parseResourceVersion(rv)
    const compacted = await ctx.storage.store.compactRevision()
    if (from < compacted) {
      throw expired(`too old resource version: ${from} (${compacted})`)
    }
    const current = await ctx.storage.store.revision()
    if (from > current) {
      throw new ApiError(
        504,
        'Timeout',
        `Too large resource version: ${from}, current: ${current}`,
        {
          causes: [
            { reason: 'ResourceVersionTooLarge', message: 'Too large resource version', field: '' }
          ],
          retryAfterSeconds: 1
        }
      )
    }
  }

  let stopped = false
  let lastRevision = from
  const timers: NodeJS.Timeout[] = []
  const bookmark = (annotations?: Record<string, string>): void => {
    sink.send({
      type: 'BOOKMARK',
      object: {
        kind: entry.kind,
        apiVersion: apiVersionOf(entry),
        metadata: { resourceVersion: String(lastRevision), ...(annotations ? { annotations } : {}) }
      }
    })
  }
  const finish = (): void => {
    if (stopped) return
    stopped = true
    for (const t of timers) clearTimeout(t)
    watcher.cancel()
    sink.end()
  }

  for (const object of initial) sink.send({ type: 'ADDED', object })
  if (opts.sendInitialEvents && opts.allowWatchBookmarks) {
    bookmark({ 'k8s.io/initial-events-end': 'true' })
  }

  const watcher = ctx.storage.watch(
    entry,
    target.namespace,
    from,
    (events) => {
      if (stopped) return
      for (const event of events) {
        lastRevision = event.revision
        const out = filterEvent(event, matcher)
        if (out) sink.send(out)
      }
    },
    (err) => {
      if (stopped) return
      const status =
        err instanceof ApiError
          ? err
          : new ApiError(500, 'InternalError', `watch failed: ${(err as Error).message}`)
      sink.send({ type: 'ERROR', object: { ...status.toStatus() } })
      finish()
    }
  )

  const timeoutMs =
    opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0
      ? opts.timeoutSeconds * 1000
      : (1800 + Math.random() * 1800) * 1000
  timers.push(
    setTimeout(() => {
      if (opts.allowWatchBookmarks) bookmark()
      finish()
    }, timeoutMs)
  )
  if (opts.allowWatchBookmarks) {
    const tick = (): void => {
      if (stopped) return
      bookmark()
      timers.push(setTimeout(tick, ctx.bookmarkIntervalMs))
    }
    timers.push(setTimeout(tick, ctx.bookmarkIntervalMs))
  }
  for (const t of timers) t.unref?.()

  return {
    stop: () => {
      if (stopped) return
      stopped = true
      for (const t of timers) clearTimeout(t)
      watcher.cancel()
    }
  }
}

function filterEvent(
  event: ObjectEvent,
  matcher: { matches(o: KubeObject): boolean } | undefined
): WatchEventOut | undefined {
  if (!matcher) return { type: event.type, object: event.object }
  const now = matcher.matches(event.object)
  if (event.type !== 'MODIFIED') return now ? { type: event.type, object: event.object } : undefined
  const before = event.old ? matcher.matches(event.old) : false
  if (now && before) return { type: 'MODIFIED', object: event.object }
  if (now) return { type: 'ADDED', object: event.object }
  if (before && event.old) {
    const gone = {
      ...event.old,
      metadata: { ...event.old.metadata, resourceVersion: event.object.metadata.resourceVersion }
    }
    return { type: 'DELETED', object: gone }
  }
  return undefined
}
