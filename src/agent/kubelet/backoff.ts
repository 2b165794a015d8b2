/**
 * Back-off per key, as client-go's flowcontrol.Backoff that kubelet uses for CrashLoopBackOff and
 * ImagePullBackOff: the first `next` sets the initial delay, each later one doubles it up to the
 * ceiling; an entry untouched for twice the ceiling starts over.
 */

interface Entry {
  delayMs: number
  lastUpdate: number
}

/** Delays per key (`<podUid>/<container>` or `<podUid>/image/<image>`). */
export class Backoff {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly now: () => number = Date.now
  ) {}

  /** The current delay of `key` (0 when it has none). */
  delay(key: string): number {
    const e = this.live(key)
    return e ? e.delayMs : 0
  }

  /** Records one more failure at `at` (default now): initial delay, then doubled up to the max. */
  next(key: string, at: number = this.now()): void {
    const e = this.live(key)
    if (!e) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: at })
    else {
      e.delayMs = Math.min(e.delayMs * 2, this.maxMs)
      e.lastUpdate = at
    }
  }

  /** Whether `eventTime` (e.g. when the container finished) is within the key's delay. */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.live(key)
    return !!e && this.now() - eventTime < e.delayMs
  }

  /** Whether the last `next` is within the key's delay. */
  isInBackOffSinceUpdate(key: string): boolean {
    const e = this.live(key)
    return !!e && this.now() - e.lastUpdate < e.delayMs
  }

  /** Milliseconds until `eventTime + delay` (0 when past). */
  remaining(key: string, eventTime: number): number {
    const e = this.live(key)
    return e ? Math.max(0, eventTime + e.delayMs - this.now()) : 0
  }

  /** Forgets `key` (a container that ran cleanly long enough). */
  reset(key: string): void {
    this.entries.delete(key)
  }

  /** Forgets every key starting with `prefix` (a pod that went away). */
  resetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key)
    if (e && this.now() - e.lastUpdate > 2 * this.maxMs) {
      this.entries.delete(key)
      return undefined
    }
    return e
  }
}
