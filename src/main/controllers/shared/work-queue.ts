/**
 * A rate-limited work queue of keys, as client-go's `workqueue.TypedRateLimitingInterface`:
 * a key queued twice is processed once, a key being processed is never handed to a second
 * worker (a change meanwhile requeues it when `done` is called), and `addRateLimited` delays a
 * key by its own exponential back-off (5 ms doubling up to 1000 s, client-go's
 * `DefaultControllerRateLimiter` item limiter) until `forget` resets it.
 */

/** Per-key exponential back-off: `baseMs * 2^failures`, capped at `maxMs`. */
export interface RateLimiter {
  /** The delay for this key's next retry; counts a failure. */
  when(key: string): number
  /** Clears the key's failures. */
  forget(key: string): void
  /** How many failures the key has had since it was last forgotten. */
  retries(key: string): number
}

/** client-go's `ItemExponentialFailureRateLimiter(5ms, 1000s)` by default. */
export function exponentialRateLimiter(baseMs = 5, maxMs = 1_000_000): RateLimiter {
  const failures = new Map<string, number>()
  return {
    when(key) {
      const n = failures.get(key) ?? 0
      failures.set(key, n + 1)
      // 2^n overflows to Infinity long before n matters; the cap keeps it finite.
      return Math.min(maxMs, baseMs * Math.pow(2, n))
    },
    forget: (key) => void failures.delete(key),
    retries: (key) => failures.get(key) ?? 0
  }
}

/** The queue controllers' workers pull keys from. */
export interface WorkQueue {
  /** Queues `key` unless it is already waiting; a key being processed is queued after `done`. */
  add(key: string): void
  /** Queues `key` after `ms` milliseconds. */
  addAfter(key: string, ms: number): void
  /** Queues `key` after its back-off (which grows with each call until `forget`). */
  addRateLimited(key: string): void
  /** Resets `key`'s back-off (call after a successful sync). */
  forget(key: string): void
  /** Failures counted for `key` since the last `forget`. */
  numRequeues(key: string): number
  /**
   * Resolves with the next key, marking it as processing, or `undefined` once the queue is shut
   * down. Every key received must be passed to `done`.
   */
  get(): Promise<string | undefined>
  /** Marks `key` processed; if it was added meanwhile it is queued again. */
  done(key: string): void
  /** Keys waiting (not counting delayed or processing ones). */
  len(): number
  /** Stops the queue: pending `get`s resolve `undefined`, delayed adds are dropped. */
  shutDown(): void
  readonly shuttingDown: boolean
}

/** A new queue; `rateLimiter` defaults to client-go's 5 ms → 1000 s per-key back-off. */
export function createWorkQueue(rateLimiter: RateLimiter = exponentialRateLimiter()): WorkQueue {
  const queue: string[] = []
  const dirty = new Set<string>()
  const processing = new Set<string>()
  const waiters: ((key: string | undefined) => void)[] = []
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>()
  let shutdown = false

  const hand = (): void => {
    while (waiters.length > 0 && queue.length > 0) {
      const key = queue.shift()!
      dirty.delete(key)
      processing.add(key)
      waiters.shift()!(key)
    }
  }

  const q: WorkQueue = {
    add(key) {
      if (shutdown || dirty.has(key)) return
      dirty.add(key)
      // Processing keys stay out of the queue; `done` puts them back, so no two workers share one.
      if (processing.has(key)) return
      queue.push(key)
      hand()
    },
    addAfter(key, ms) {
      if (shutdown) return
      if (ms <= 0) return q.add(key)
      const at = Date.now() + ms
      const existing = timers.get(key)
      // Keep the earliest pending retry, as client-go's delaying queue does.
      if (existing && existing.at <= at) return
      if (existing) clearTimeout(existing.timer)
      const timer = setTimeout(() => {
        timers.delete(key)
        q.add(key)
      }, ms)
      timers.set(key, { at, timer })
    },
    addRateLimited(key) {
      q.addAfter(key, rateLimiter.when(key))
    },
    forget: (key) => rateLimiter.forget(key),
    numRequeues: (key) => rateLimiter.retries(key),
    get() {
      if (shutdown) return Promise.resolve(undefined)
      return new Promise((resolve) => {
        waiters.push(resolve)
        hand()
      })
    },
    done(key) {
      processing.delete(key)
      if (dirty.has(key) && !shutdown) {
        queue.push(key)
        hand()
      }
    },
    len: () => queue.length,
    shutDown() {
      shutdown = true
      for (const { timer } of timers.values()) clearTimeout(timer)
      timers.clear()
      queue.length = 0
      dirty.clear()
      for (const w of waiters.splice(0)) w(undefined)
    },
    get shuttingDown() {
      return shutdown
    }
  }
  return q
}
