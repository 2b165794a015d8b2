/**
 * Batches log lines for one subscription: at most one push every LOG_PUSH_MS (≤ 10 pushes a
 * second), each bounded; when a burst outruns the bound the oldest queued lines are dropped and
 * a line says how many.
 */
import type { LogLine } from '../../../../shared/desktop-api'

/** The shortest gap between two pushes of one log subscription. */
export const LOG_PUSH_MS = 100
/** The most lines one push carries. */
export const MAX_LINES_PER_PUSH = 5000

/** Queues lines and pushes them to `emit` in batches until `close()`. */
export class LogBatcher {
  private queue: LogLine[] = []
  private dropped = 0
  private timer?: NodeJS.Timeout
  private lastPush = 0
  private closed = false

  constructor(private readonly emit: (lines: LogLine[]) => void) {}

  /** Adds lines; they go out with the next push. */
  add(lines: LogLine[]): void {
    if (this.closed || lines.length === 0) return
    for (const line of lines) this.queue.push(line)
    if (this.queue.length > MAX_LINES_PER_PUSH) {
      const extra = this.queue.length - MAX_LINES_PER_PUSH
      this.queue.splice(0, extra)
      this.dropped += extra
    }
    this.schedule()
  }

  /** Pushes what is queued now (the initial tail goes out at once). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.closed || (this.queue.length === 0 && this.dropped === 0)) return
    const lines = this.queue
    this.queue = []
    if (this.dropped > 0) {
      lines.unshift({
        text: `… ${this.dropped} lines skipped (too many at once)`,
        level: 'warning'
      })
      this.dropped = 0
    }
    this.lastPush = Date.now()
    this.emit(lines)
  }

  /** Drops what is queued; no push after this. */
  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.queue = []
  }

  private schedule(): void {
    if (this.timer) return
    const wait = Math.max(0, this.lastPush + LOG_PUSH_MS - Date.now())
    this.timer = setTimeout(() => this.flush(), wait)
  }
}
