/**
 * One Store watch as one etcd watch stream. A stream per watch keeps cancellation trivial
 * (half-close the stream, drop whatever is still in flight) and lets etcd's own ordering guarantee
 * hold: etcd sends a watcher's events in revision order, without gaps, on its stream.
 */
import type { IDuplexStream, IEvent, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3'
import { CompactedError } from '../errors'
import type { WatchEvent, WatchHandlers, Watcher } from '../types'
import type { EtcdKeyCodec } from './etcd-codec'

/** What an etcd watch needs from the store that owns it. */
export interface EtcdWatchContext {
  watchClient: WatchClient
  codec: EtcdKeyCodec
  /** Records a compaction point etcd reported, so compactRevision() learns about it. */
  observeCompactRevision(revision: number): void
  /** Forgets the watch when it ends, so close() does not cancel it twice. */
  release(watcher: Watcher): void
}

/**
 * Starts watching `prefix` from etcd revision `startRevision` (inclusive; undefined: from now).
 * `requestedRevision` is what the caller asked for, reported in a CompactedError.
 */
export function startEtcdWatch(
  ctx: EtcdWatchContext,
  prefix: string,
  startRevision: number | undefined,
  requestedRevision: number,
  handlers: WatchHandlers
): Watcher {
  let stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined
  let stopped = false

  const stop = (): void => {
    if (stopped) return
    stopped = true
    ctx.release(watcher)
    // Half-closing makes etcd end the RPC with an OK status, unlike a cancel, which the etcd3
    // client would count as a failed call against the host.
    try {
      stream?.end()
    } catch {
      // the stream is already gone
    }
  }

  const fail = (err: Error): void => {
    if (stopped) return
    stop()
    handlers.onError?.(err)
  }

  const watcher: Watcher = { cancel: stop }

  const onResponse = (res: IWatchResponse): void => {
    if (stopped) return
    const compactRevision = Number(res.compact_revision ?? 0)
    if (compactRevision > 0) {
      ctx.observeCompactRevision(compactRevision)
      fail(new CompactedError(requestedRevision, compactRevision))
      return
    }
    if (res.canceled) {
      fail(new Error(`etcd canceled the watch on ${prefix}: ${res.cancel_reason || 'no reason'}`))
      return
    }
    if (res.events && res.events.length > 0) {
      handlers.onEvents(res.events.map((ev) => toWatchEvent(ctx.codec, ev)))
    }
  }

  const { key, rangeEnd } = ctx.codec.prefixRange(prefix)
  ctx.watchClient
    .watch()
    .then((s) => {
      stream = s
      s.on('data', onResponse)
      s.on('error', (err) => fail(new Error(`etcd watch on ${prefix} failed: ${err.message}`)))
      s.on('end', () => fail(new Error(`etcd closed the watch stream on ${prefix}`)))
      if (stopped) {
        s.end()
        return
      }
      s.write({
        create_request: {
          key,
          range_end: rangeEnd,
          prev_kv: true,
          ...(startRevision !== undefined ? { start_revision: startRevision } : {})
        }
      })
    })
    .catch((err: Error) =>
      fail(new Error(`cannot open an etcd watch on ${prefix}: ${err.message}`))
    )

  return watcher
}

/** etcd's event as the Store's WatchEvent (a delete's kv already has empty value, version 0). */
function toWatchEvent(codec: EtcdKeyCodec, ev: IEvent): WatchEvent {
  const kv = codec.toKeyValue(ev.kv)
  const event: WatchEvent = { type: String(ev.type) === 'Delete' ? 'delete' : 'put', kv }
  if (event.type === 'delete') {
    kv.value = ''
    kv.createRevision = 0
    kv.version = 0
  }
  if (ev.prev_kv) event.prevKv = codec.toKeyValue(ev.prev_kv)
  return event
}

/**
 * Asks etcd for its compaction point: a watch from a compacted `revision` is answered with the
 * current compact revision. Answers undefined when etcd does not say within `timeoutMs` (the
 * revision was not compacted after all, or etcd is slow); etcd 3.4 has no direct query for it.
 */
export function probeCompactRevision(
  ctx: Pick<EtcdWatchContext, 'watchClient' | 'codec'>,
  revision: number,
  timeoutMs = 1000
): Promise<number | undefined> {
  return new Promise((resolve) => {
    let stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined
    let done = false
    const finish = (value: number | undefined): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      try {
        stream?.end()
      } catch {
        // already closed
      }
      resolve(value)
    }
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    // A key nobody writes: the probe must never carry events, only the compaction answer.
    const key = ctx.codec.encode('\u0000kubedesk-compaction-probe')
    ctx.watchClient
      .watch()
      .then((s) => {
        stream = s
        s.on('data', (res) => {
          const compacted = Number(res.compact_revision ?? 0)
          if (compacted > 0) finish(compacted)
        })
        s.on('error', () => finish(undefined))
        s.on('end', () => finish(undefined))
        if (done) s.end()
        else s.write({ create_request: { key, start_revision: revision } })
      })
      .catch(() => finish(undefined))
  })
}
