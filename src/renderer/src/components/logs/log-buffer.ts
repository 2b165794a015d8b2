/**
 * The lines one log pane holds: a bounded buffer (the oldest lines are dropped past the limit,
 * and counted) and, while the pane is paused, a pending buffer that Resume moves in. Plain
 * arrays, not reactive: the pane bumps one version per appended batch, so a fast log costs one
 * re-render per host batch, not one per line.
 */
import type { LogLine } from '../../../../shared/desktop-api'

/** How many lines a pane keeps. */
export const LOG_BUFFER_LIMIT = 5000

/** A line with a sequence number: a stable key for rendering while old lines are dropped. */
export interface LogEntry extends LogLine {
  seq: number
}

export class LogBuffer {
  /** The lines shown (oldest first), at most `limit`. */
  readonly lines: LogEntry[] = []
  /** Lines that arrived while paused, shown on `resume`. */
  private pending: LogEntry[] = []
  /** How many lines were dropped to stay within the limit. */
  dropped = 0
  paused = false
  private seq = 0

  constructor(readonly limit: number = LOG_BUFFER_LIMIT) {}

  /** How many lines wait for `resume`. */
  get pendingCount(): number {
    return this.pending.length
  }

  /** Takes one batch from the host. */
  append(batch: readonly LogLine[]): void {
    const target = this.paused ? this.pending : this.lines
    for (const line of batch) target.push({ ...line, seq: this.seq++ })
    this.trim(target)
  }

  pause(): void {
    this.paused = true
  }

  /** Shows what arrived while paused, and follows again. */
  resume(): void {
    this.paused = false
    for (const entry of this.pending) this.lines.push(entry)
    this.pending = []
    this.trim(this.lines)
  }

  /** Forgets everything (a new source). */
  clear(): void {
    this.lines.length = 0
    this.pending = []
    this.dropped = 0
  }

  private trim(target: LogEntry[]): void {
    // Pending lines have their own limit: the lines on screen stay while the user reads them.
    const excess = target.length - this.limit
    if (excess <= 0) return
    target.splice(0, excess)
    this.dropped += excess
  }
}
