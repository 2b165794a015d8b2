/**
 * Deletes keys whose TTL ran out, as etcd's lessor revokes expired leases: a background timer finds
 * expired keys and deletes each through the store's normal write path, so every expiry is an
 * ordinary delete event with its own revision. The delete is guarded by the expired value's mod
 * revision, so a key rewritten in the meantime (which cleared or renewed its TTL) survives.
 */

/** A key whose TTL ran out, at the revision that set the TTL. */
export interface ExpiredKey {
  key: string
  modRevision: number
}

/** What a backend gives the sweeper. */
export interface TtlSweeperHooks {
  /** Live keys whose TTL expired at or before `now` (ms since the epoch). */
  findExpired(now: number): ExpiredKey[]
  /** Deletes `key` if it is still at `modRevision`; failures (conflicts, closing) are expected. */
  expire(key: string, modRevision: number): Promise<unknown>
}

/** The default sweep interval, ms (StoreOptions.ttlSweepIntervalMs). */
export const DEFAULT_TTL_SWEEP_INTERVAL_MS = 1000

/** Runs `findExpired` + `expire` every `intervalMs` until stopped. */
export class TtlSweeper {
  private timer?: NodeJS.Timeout
  private running?: Promise<void>

  constructor(
    private readonly hooks: TtlSweeperHooks,
    private readonly intervalMs = DEFAULT_TTL_SWEEP_INTERVAL_MS,
    private readonly now: () => number = Date.now
  ) {}

  /** Starts the timer; it does not keep the process alive. */
  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.sweep().finally(() => (this.running = undefined))
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** One pass: deletes every key expired by now. */
  async sweep(): Promise<void> {
    let expired: ExpiredKey[]
    try {
      expired = this.hooks.findExpired(this.now())
    } catch {
      return // the store is closing or failing; its own callers see that error
    }
    await Promise.all(
      expired.map((e) =>
        this.hooks.expire(e.key, e.modRevision).catch(() => {
          // Rewritten since (conflict) or already gone: the key is no longer this expiry's business.
        })
      )
    )
  }
}
