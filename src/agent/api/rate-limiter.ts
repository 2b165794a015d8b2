/**
 * A token bucket, as client-go's `flowcontrol.NewTokenBucketRateLimiter(qps, burst)`: the bucket
 * holds up to `burst` tokens, refills at `qps` tokens a second, and every request takes one,
 * waiting for it when the bucket is empty. The kubelet's `kubeAPIQPS`/`kubeAPIBurst` are these.
 */

/** The clock and sleep the limiter uses (tests inject a fake one). */
export interface LimiterClock {
  /** Milliseconds, monotonic. */
  now(): number
  /** Resolves after `ms`, or early when `signal` aborts (the timer is then cleared). */
  sleep(ms: number, signal: AbortSignal): Promise<void>
}

/** The real clock. */
export const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done)
    })
}

/** A client-side rate limiter. */
export interface RateLimiter {
  /** Resolves when the caller may send its request (takes a token, in arrival order). */
  accept(): Promise<void>
  /** Takes a token if one is there now; false otherwise (nothing is taken). */
  tryAccept(): boolean
  /** Rejects every pending `accept` and every later one (the client was closed). */
  stop(): void
}

/**
 * A token bucket of `burst` tokens refilled at `qps` a second. `qps <= 0` means unlimited, as
 * client-go treats a negative QPS. Tokens are reserved at call time, so concurrent callers are
 * served in order and never more than `burst + qps * t` requests start within any `t` seconds.
 */
export function createTokenBucket(
  qps: number,
  burst: number,
  clock: LimiterClock = realClock
): RateLimiter {
  if (!(qps > 0)) {
    return { accept: async () => {}, tryAccept: () => true, stop: () => {} }
  }
  const capacity = Math.max(1, Math.floor(burst))
  let tokens = capacity
  let last = clock.now()
  let stopped = false
  const aborter = new AbortController()
  const refill = (): void => {
    const now = clock.now()
    tokens = Math.min(capacity, tokens + ((now - last) / 1000) * qps)
    last = now
  }
  return {
    async accept() {
      if (stopped) throw new Error('rate limiter stopped: the client was closed')
      refill()
      // Reserve the token now (tokens may go negative): later callers wait behind this one.
      tokens -= 1
      if (tokens >= 0) return
      await clock.sleep((-tokens / qps) * 1000, aborter.signal)
      if (stopped) throw new Error('rate limiter stopped: the client was closed')
    },
    tryAccept() {
      if (stopped) return false
      refill()
      if (tokens < 1) return false
      tokens -= 1
      return true
    },
    stop() {
      stopped = true
      aborter.abort()
    }
  }
}
