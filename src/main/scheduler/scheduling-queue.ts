/**
 * The scheduling queue: active (priority, then arrival), back-off (1 s doubling to 10 s per
 * failed attempt) and unschedulable (waits for a cluster change that could help).
 */
import type { Pod } from 'kubernetes-types/core/v1'
import { podKey } from './framework/types'

/** Back-off timings. */
export interface QueueOptions {
  initialBackoffMs?: number
  maxBackoffMs?: number
  /** Unschedulable pods are retried at least this often (kube-scheduler: 5 min). */
  maxInUnschedulableMs?: number
}

/** How often back-off and unschedulable pods are looked at, while there are any. */
const FLUSH_MS = 200

/** Queues longer than this are served first-in first-out. */
const MAX_PRIORITY_SCAN = 1000

interface Entry {
  pod: Pod
  attempts: number
  seq: number
  backoffUntil: number
}

/** Holds pending pods; `pop` waits for the next one. */
export class SchedulingQueue {
  private readonly active = new Map<string, Entry>()
  private readonly backoff = new Map<string, Entry>()
  private readonly unschedulable = new Map<string, Entry & { since: number }>()
  private readonly attempts = new Map<string, number>()
  private seq = 0
  private waiter?: () => void
  private timer?: NodeJS.Timeout
  private closed = false
  /** Incremented on each pop; a move request during a cycle sends its failure to back-off. */
  private cycle = 0
  private moveRequestCycle = -1

  constructor(private readonly opts: QueueOptions = {}) {}

  /** Adds or updates a pending pod (an updated unschedulable pod gets another try). */
  add(pod: Pod): void {
    const key = podKey(pod)
    for (const m of [this.active, this.backoff] as Map<string, Entry>[]) {
      const e = m.get(key)
      if (e) {
        e.pod = pod
        return
      }
    }
    this.unschedulable.delete(key)
    this.active.set(key, {
      pod,
      attempts: this.attempts.get(key) ?? 0,
      seq: this.seq++,
      backoffUntil: 0
    })
    this.wake()
  }

  /** Forgets a pod (deleted or bound). */
  delete(key: string): void {
    this.active.delete(key)
    this.backoff.delete(key)
    this.unschedulable.delete(key)
    this.attempts.delete(key)
  }

  /** Requeues a pod that failed a cycle started at `cycle`. */
  addUnschedulable(pod: Pod, cycle: number, opts: { error?: boolean } = {}): void {
    const key = podKey(pod)
    const attempts = (this.attempts.get(key) ?? 0) + 1
    this.attempts.set(key, attempts)
    const entry = {
      pod,
      attempts,
      seq: this.seq++,
      backoffUntil: Date.now() + this.backoffMs(attempts)
    }
    if (opts.error || this.moveRequestCycle >= cycle) this.backoff.set(key, entry)
    else this.unschedulable.set(key, { ...entry, since: Date.now() })
    this.startFlushing()
  }

  /** A cluster change that may help: every unschedulable pod is retried (after its back-off). */
  moveAllToActiveOrBackoff(): void {
    this.moveRequestCycle = this.cycle
    for (const [key, e] of this.unschedulable) {
      this.unschedulable.delete(key)
      if (e.backoffUntil > Date.now()) this.backoff.set(key, e)
      else this.active.set(key, e)
    }
    if (this.backoff.size > 0) this.startFlushing()
    this.wake()
  }

  /** The next pod and its cycle number, or undefined once closed. */
  async pop(): Promise<{ pod: Pod; cycle: number } | undefined> {
    for (;;) {
      if (this.closed) return undefined
      const next = this.tryPop()
      if (next) return next
      await new Promise<void>((resolve) => (this.waiter = resolve))
    }
  }

  /** The next active pod and its cycle number without waiting; undefined when none is active. */
  tryPop(): { pod: Pod; cycle: number } | undefined {
    if (this.closed) return undefined
    let best: [string, Entry] | undefined
    // Map order is arrival order; a higher priority jumps ahead. A long queue is served in
    // arrival order only, so a burst of thousands of pods costs O(1) per pop.
    for (const kv of this.active) {
      if (!best || (kv[1].pod.spec?.priority ?? 0) > (best[1].pod.spec?.priority ?? 0)) best = kv
      if (this.active.size > MAX_PRIORITY_SCAN) break
    }
    if (!best) return undefined
    this.active.delete(best[0])
    return { pod: best[1].pod, cycle: ++this.cycle }
  }

  /** How many pods wait in each sub-queue. */
  sizes(): { active: number; backoff: number; unschedulable: number } {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size
    }
  }

  /** Stops timers and releases a waiting `pop`. */
  close(): void {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.wake()
  }

  private backoffMs(attempts: number): number {
    const initial = this.opts.initialBackoffMs ?? 1000
    const max = this.opts.maxBackoffMs ?? 10_000
    return Math.min(max, initial * 2 ** Math.max(0, attempts - 1))
  }

  /** The flush timer runs only while pods wait in back-off or unschedulable (idle: no timer). */
  private startFlushing(): void {
    if (this.timer || this.closed) return
    this.timer = setInterval(() => this.flush(), FLUSH_MS)
  }

  private flush(): void {
    const now = Date.now()
    let moved = false
    for (const [key, e] of this.backoff) {
      if (e.backoffUntil <= now) {
        this.backoff.delete(key)
        this.active.set(key, e)
        moved = true
      }
    }
    const maxWait = this.opts.maxInUnschedulableMs ?? 300_000
    for (const [key, e] of this.unschedulable) {
      if (now - e.since >= maxWait) {
        this.unschedulable.delete(key)
        this.active.set(key, e)
        moved = true
      }
    }
    if (this.backoff.size === 0 && this.unschedulable.size === 0) {
      clearInterval(this.timer)
      this.timer = undefined
    }
    if (moved) this.wake()
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }
}
