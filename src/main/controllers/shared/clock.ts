/**
 * The time source of time-driven controllers (k8s.io/utils/clock): the CronJob, Job and
 * TTL-after-finished controllers read `now()` and wait with `after()`, so tests can drive a fake
 * clock in milliseconds instead of waiting for minutes to pass.
 */
import type { WorkQueue } from './work-queue'

/** Reads the time and runs callbacks later. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Runs `fn` once `ms` milliseconds have passed on this clock; returns a cancel function. */
  after(ms: number, fn: () => void): () => void
}

/** The wall clock, with real timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms))
    timer.unref?.()
    return () => clearTimeout(timer)
  }
}

/** A clock that moves only when told to (`k8s.io/utils/clock/testing.FakeClock`). */
export interface FakeClock extends Clock {
  /** Moves the clock to `ms` (never backwards) and runs the callbacks that became due. */
  set(ms: number): void
  /** Moves the clock forward by `ms`. */
  step(ms: number): void
}

/** A fake clock starting at `start` (milliseconds since the epoch). */
export function createFakeClock(start: number): FakeClock {
  let current = start
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  const clock: FakeClock = {
    now: () => current,
    after(ms, fn) {
      const id = seq++
      timers.set(id, { at: current + Math.max(0, ms), fn })
      return () => void timers.delete(id)
    },
    set(ms) {
      current = Math.max(current, ms)
      const due = [...timers].filter(([, t]) => t.at <= current).sort((a, b) => a[1].at - b[1].at)
      for (const [id, t] of due) {
        timers.delete(id)
        t.fn()
      }
    },
    step: (ms) => clock.set(current + ms)
  }
  return clock
}

/** Adds keys to a queue after a delay measured on a clock, keeping the earliest per key. */
export interface DelayedAdder {
  /** Adds `key` once `ms` have passed since `since` (default: now) on the clock. */
  addAfter(key: string, ms: number, since?: number): void
  /** Cancels every pending add. */
  stop(): void
}

/** `queue.addAfter` on `clock` (the queue's own delays use real time). */
export function createDelayedAdder(queue: WorkQueue, clock: Clock): DelayedAdder {
  const pending = new Map<string, { at: number; cancel: () => void }>()
  return {
    addAfter(key, ms, since = clock.now()) {
      const at = since + ms
      const wait = at - clock.now()
      if (wait <= 0) return queue.add(key)
      const existing = pending.get(key)
      if (existing && existing.at <= at) return
      existing?.cancel()
      const cancel = clock.after(wait, () => {
        pending.delete(key)
        queue.add(key)
      })
      pending.set(key, { at, cancel })
    },
    stop() {
      for (const p of pending.values()) p.cancel()
      pending.clear()
    }
  }
}
