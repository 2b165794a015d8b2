/**
 * Background compaction that keeps recent history, for any backend (it only uses the Store
 * interface, so a real etcd is compacted the same way as the sqlite file).
 *
 * Every interval it samples (time, revision). The target is the lower of two bounds, so both
 * guarantees hold: every revision written within `retainMs` stays (the revision the store had
 * `retainMs` ago, known from the samples), and so do the latest `retainRevisions` revisions.
 * Watches that fall further behind than both get "compacted" and relist, as in Kubernetes.
 */

import type { CompactionOptions, Store } from './types'

/** Defaults for CompactionOptions. */
export const DEFAULT_COMPACTION = {
  retainMs: 5 * 60_000,
  retainRevisions: 10_000,
  intervalMs: 30_000
} as const

/** One observation of the store's revision. */
interface Sample {
  time: number
  revision: number
}

/** Compacts a store periodically; start() begins, stop() ends and waits for a run in progress. */
export class Compactor {
  private readonly retainMs: number
  private readonly retainRevisions: number
  private readonly intervalMs: number
  /** Ascending by time; the oldest one kept is the newest at or before `now - retainMs`. */
  private samples: Sample[] = []
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  /** The last failure of a background run (there is no logger yet to report it to). */
  lastError?: Error

  constructor(
    private readonly store: Store,
    options: CompactionOptions = {},
    private readonly now: () => number = Date.now
  ) {
    this.retainMs = options.retainMs ?? DEFAULT_COMPACTION.retainMs
    this.retainRevisions = options.retainRevisions ?? DEFAULT_COMPACTION.retainRevisions
    this.intervalMs = options.intervalMs ?? DEFAULT_COMPACTION.intervalMs
  }

  /** Takes a first sample now and then runs every interval; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => this.tick(), this.intervalMs)
    this.timer.unref()
    this.tick()
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /**
   * One run: samples the revision and compacts when the target is above the compaction point.
   * Answers the revision compacted to, or undefined when nothing was compacted.
   */
  async runOnce(): Promise<number | undefined> {
    const time = this.now()
    const current = await this.store.revision()
    this.samples.push({ time, revision: current })
    const cutoff = time - this.retainMs
    // The newest sample at or before the cutoff tells the revision the store had retainMs ago.
    let old: Sample | undefined
    let firstKept = 0
    for (let i = 0; i < this.samples.length && this.samples[i].time <= cutoff; i++) {
      old = this.samples[i]
      firstKept = i
    }
    this.samples = this.samples.slice(firstKept)
    if (!old) return undefined // not watched for retainMs yet: nothing is known to be old enough
    const target = Math.min(old.revision, current - this.retainRevisions)
    if (target <= 0 || target <= (await this.store.compactRevision())) return undefined
    await this.store.compact(target)
    return target
  }

  private tick(): void {
    if (this.running) return // a slow compaction is still going; skip this beat
    this.running = this.runOnce()
      .then(
        () => undefined,
        (err: unknown) => {
          this.lastError = err instanceof Error ? err : new Error(String(err))
        }
      )
      .finally(() => (this.running = undefined))
  }
}
