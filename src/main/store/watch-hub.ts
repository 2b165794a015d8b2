/**
 * The watch fan-out shared by every backend.
 *
 * A backend publishes each committed batch of changes once; the hub appends the matching events to
 * each watcher's queue and delivers all queues in ONE scheduled hop, so a hundred watchers of one
 * prefix cost a hundred array pushes per batch, not a hundred promises or timers per event.
 *
 * A new watch reads its history replay and subscribes in the same synchronous block (the backend
 * guarantees no commit can be published in between), so replay and live events join without gaps;
 * a per-watcher high-water mark drops anything at or below what was already queued, so they join
 * without duplicates either.
 */

import type { WatchEvent, WatchHandlers, Watcher } from './types'

/** One watch registered with the hub. */
interface Subscription {
  readonly prefix: string
  readonly handlers: WatchHandlers
  /** The highest revision queued so far; later events must be above it. */
  lastRevision: number
  queue: WatchEvent[]
  /** Set while the subscription sits in the hub's list of queues to deliver. */
  scheduled: boolean
  /** An error to deliver after the queue, ending the watch. */
  failure?: Error
  cancelled: boolean
}

/** The revision of the change an event describes. */
function eventRevision(event: WatchEvent): number {
  return event.kv.modRevision
}

/** Calls `onError`; an error handler that throws must not stop delivery to the other watchers. */
function notifyError(handlers: WatchHandlers, err: Error): void {
  try {
    handlers.onError?.(err)
  } catch {
    // Nothing sensible is left to tell a watcher whose own error handler failed.
  }
}

/** Fans committed changes out to watchers, in strict revision order, in batches. */
export class WatchHub {
  /** Watchers grouped by prefix, so each published batch is filtered once per prefix. */
  private readonly byPrefix = new Map<string, Set<Subscription>>()
  private pending: Subscription[] = []
  private hopScheduled = false

  /** How many watches are open (for tests and metrics). */
  get size(): number {
    let n = 0
    for (const subs of this.byPrefix.values()) n += subs.size
    return n
  }

  /**
   * Registers a watch of `prefix` that has already seen everything up to `afterRevision` except
   * `replay` (the history with revision > afterRevision, in order). Call it in the same synchronous
   * block that read the replay.
   */
  subscribe(
    prefix: string,
    afterRevision: number,
    replay: WatchEvent[],
    handlers: WatchHandlers
  ): Watcher {
    const sub: Subscription = {
      prefix,
      handlers,
      lastRevision: afterRevision,
      queue: [],
      scheduled: false,
      cancelled: false
    }
    this.append(sub, replay)
    let subs = this.byPrefix.get(prefix)
    if (!subs) {
      subs = new Set()
      this.byPrefix.set(prefix, subs)
    }
    subs.add(sub)
    return { cancel: () => this.remove(sub) }
  }

  /** A watch that ends with `err` before any event (delivered asynchronously, unless cancelled first). */
  fail(handlers: WatchHandlers, err: Error): Watcher {
    const sub: Subscription = {
      prefix: '',
      handlers,
      lastRevision: Number.MAX_SAFE_INTEGER,
      queue: [],
      scheduled: false,
      failure: err,
      cancelled: false
    }
    this.schedule(sub)
    return {
      cancel: () => {
        sub.cancelled = true
      }
    }
  }

  /**
   * Publishes committed changes, in ascending revision order. Delivery happens in one hop after the
   * current synchronous block, so publishing never runs listener code inside a commit.
   */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0) return
    for (const [prefix, subs] of this.byPrefix) {
      const matching =
        prefix === '' ? events : events.filter((event) => event.kv.key.startsWith(prefix))
      if (matching.length === 0) continue
      for (const sub of subs) this.append(sub, matching)
    }
  }

  /** Ends every open watch with `err` after what is already queued (the backend is closing). */
  closeAll(err: Error): void {
    for (const subs of this.byPrefix.values()) {
      for (const sub of subs) {
        sub.failure = err
        this.schedule(sub)
      }
    }
    this.byPrefix.clear()
  }

  private append(sub: Subscription, events: readonly WatchEvent[]): void {
    let added = false
    for (const event of events) {
      const revision = eventRevision(event)
      // Replay and live events may overlap by a commit; the high-water mark keeps each once.
      if (revision <= sub.lastRevision) continue
      sub.queue.push(event)
      sub.lastRevision = revision
      added = true
    }
    if (added) this.schedule(sub)
  }

  private remove(sub: Subscription): void {
    sub.cancelled = true
    sub.queue = []
    const subs = this.byPrefix.get(sub.prefix)
    if (subs?.delete(sub) && subs.size === 0) this.byPrefix.delete(sub.prefix)
  }

  private schedule(sub: Subscription): void {
    if (!sub.scheduled) {
      sub.scheduled = true
      this.pending.push(sub)
    }
    if (!this.hopScheduled) {
      this.hopScheduled = true
      queueMicrotask(() => this.deliver())
    }
  }

  private deliver(): void {
    this.hopScheduled = false
    const pending = this.pending
    this.pending = []
    for (const sub of pending) {
      sub.scheduled = false
      // A listener earlier in this loop may have cancelled this watch: nothing after cancel().
      if (sub.cancelled) continue
      const batch = sub.queue
      sub.queue = []
      try {
        if (batch.length > 0) sub.handlers.onEvents(batch)
      } catch (err) {
        // A throwing listener ends its own watch, never the delivery to the others.
        this.remove(sub)
        notifyError(sub.handlers, err instanceof Error ? err : new Error(String(err)))
        continue
      }
      if (sub.failure && !sub.cancelled) {
        sub.cancelled = true
        notifyError(sub.handlers, sub.failure)
      }
    }
  }
}
