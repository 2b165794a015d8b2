/**
 * Group commit: writes that arrive in the same turn of the event loop are applied in ONE
 * transaction, so one fsync makes all of them durable. Each write's promise settles only after
 * that transaction committed. Within a batch, writes are applied in arrival order, each against
 * the state left by the ones before it; a write that fails (a conflict, say) fails only itself.
 */

/** A write's outcome inside a batch: its result, or the error that fails it alone. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: Error }

/**
 * Applies a batch in one transaction and answers one outcome per request, in order, or a promise
 * of them that settles once the batch is durable. Throwing (or rejecting) means the whole batch
 * failed: every request in it fails.
 */
export type CommitBatch<Q, R> = (batch: Q[]) => Outcome<R>[] | Promise<Outcome<R>[]>

interface Queued<Q, R> {
  request: Q
  resolve: (value: R) => void
  reject: (err: Error) => void
}

/** Queues writes and commits them a batch per event-loop turn. */
export class GroupCommit<Q, R> {
  private queue: Queued<Q, R>[] = []
  private timer?: NodeJS.Immediate

  constructor(private readonly commit: CommitBatch<Q, R>) {}

  /** How many writes wait for the next commit. */
  get pending(): number {
    return this.queue.length
  }

  /** Queues a write; resolves once the transaction holding it committed. */
  submit(request: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ request, resolve, reject })
      // setImmediate runs after the promise callbacks of the previous commit: writers that were
      // waiting on it re-submit first, so they all land in the next batch.
      this.timer ??= setImmediate(() => this.flush())
    })
  }

  /** Commits everything queued now (also used on close, so queued writes are not lost). */
  flush(): void {
    if (this.timer) clearImmediate(this.timer)
    this.timer = undefined
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    const fail = (err: unknown): void => {
      const error = err instanceof Error ? err : new Error(String(err))
      for (const q of batch) q.reject(error)
    }
    const settle = (outcomes: Outcome<R>[]): void =>
      batch.forEach((q, i) => {
        const outcome = outcomes[i]
        if (outcome.ok) q.resolve(outcome.value)
        else q.reject(outcome.error)
      })
    let outcomes: Outcome<R>[] | Promise<Outcome<R>[]>
    try {
      outcomes = this.commit(batch.map((q) => q.request))
    } catch (err) {
      fail(err)
      return
    }
    if (Array.isArray(outcomes)) settle(outcomes)
    else outcomes.then(settle, fail)
  }
}
