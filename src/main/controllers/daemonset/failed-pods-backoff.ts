/**
 * Per-key exponential back-off with a memory, as client-go's `flowcontrol.Backoff`: the
 * DaemonSet controller uses one (1 s doubling to 15 min) per daemon set, generation and node so
 * a kubelet that keeps failing its pod is not fought in a hot loop. A key quiet for twice the
 * maximum starts again from the initial delay.
 */

/** Back-off delays by key. */
export interface Backoff {
  /** Records an event for `id` now: the first delay, or the previous one doubled (capped). */
  next(id: string): void
  /** Whether less than the current delay has passed since the last `next` for `id`. */
  isInBackOffSinceUpdate(id: string): boolean
  /** The current delay of `id` in ms (0 when it has none). */
  get(id: string): number
  /** Forgets keys quiet for long enough to have expired. */
  gc(): void
}

/** A back-off starting at `initialMs` and doubling up to `maxMs`. */
export function createBackoff(
  initialMs = 1000,
  maxMs = 15 * 60_000,
  now: () => number = Date.now
): Backoff {
  const entries = new Map<string, { delay: number; lastUpdate: number }>()
  const expired = (at: number, lastUpdate: number): boolean => at - lastUpdate > 2 * maxMs
  return {
    next(id) {
      const t = now()
      const e = entries.get(id)
      if (!e || expired(t, e.lastUpdate)) entries.set(id, { delay: initialMs, lastUpdate: t })
      else entries.set(id, { delay: Math.min(2 * e.delay, maxMs), lastUpdate: t })
    },
    isInBackOffSinceUpdate(id) {
      const t = now()
      const e = entries.get(id)
      if (!e || expired(t, e.lastUpdate)) return false
      return t - e.lastUpdate < e.delay
    },
    get: (id) => entries.get(id)?.delay ?? 0,
    gc() {
      const t = now()
      for (const [id, e] of entries) if (expired(t, e.lastUpdate)) entries.delete(id)
    }
  }
}
