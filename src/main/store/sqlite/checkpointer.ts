/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
 * crosses the threshold: it copies the log into the database file and fsyncs that file, stalling
 * every request of the API server for tens of milliseconds every few hundred writes. Here the
 * store's connection has automatic checkpoints turned off and a worker thread with its own
 * connection runs a PASSIVE checkpoint whenever enough has been written since the last one.
 *
 * Durability does not change: each commit is still fsynced to the log before it is acknowledged
 * (wal-sync.ts); a checkpoint only moves committed pages into the main file (SQLite fsyncs the
 * log before it copies), and SQLite replays whatever was not moved when the file is opened again.
 */

import { Worker } from 'node:worker_threads'

/** Bytes written to the log after which a checkpoint is asked for (SQLite's default: ~4 MB). */
const CHECKPOINT_AFTER_BYTES = 4 * 1024 * 1024
/**
 * Bytes written since the last checkpoint that moved the whole log, after which the store
 * checkpoints inline. A checkpoint in the worker runs beside new commits, so under a steady
 * stream of writes it may never catch up and the log would grow without end; one inline
 * RESTART checkpoint between two commits completes and lets SQLite start the log over.
 */
const INLINE_AFTER_BYTES = 2 * CHECKPOINT_AFTER_BYTES

// The worker is plain CommonJS given as text, so that it needs no file of its own in the bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.modulePath)
const db = new Database(workerData.file, { fileMustExist: true, nativeBinding: workerData.nativeBinding })
db.pragma('busy_timeout = 5000')
db.pragma('synchronous = FULL')
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close()
    parentPort.close()
    return
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)')
    parentPort.postMessage({ ok: true, complete: !result.busy && result.log === result.checkpointed })
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String(err && err.message || err) })
  }
})
`

/** Runs the WAL checkpoints of one store file in a worker thread. */
export class Checkpointer {
  private written = 0
  /** Bytes written since a checkpoint last moved the whole log. */
  private behind = 0
  private running = false
  private closed = false

  private readonly exited: Promise<void>

  private constructor(
    private readonly worker: Worker,
    onFailure: () => void
  ) {
    // A checkpoint that failed is retried after the next writes; nothing is lost meanwhile.
    worker.on('message', (message: { ok: boolean; complete?: boolean }) => {
      this.running = false
      if (message.complete) this.behind = 0
    })
    worker.on('error', () => undefined)
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        // A worker that died (it could not open the file, say) hands checkpoints back to SQLite.
        if (!this.closed) onFailure()
        this.closed = true
        resolve()
      })
    )
    worker.unref()
  }

  /**
   * Starts the worker for `file`; undefined when worker threads cannot load better-sqlite3 here
   * (the caller then keeps SQLite's automatic checkpoints). `onFailure` runs if the worker dies
   * later: the caller then turns SQLite's automatic checkpoints back on.
   */
  static start(
    file: string,
    nativeBinding: string | undefined,
    onFailure: () => void
  ): Checkpointer | undefined {
    try {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { modulePath: require.resolve('better-sqlite3'), file, nativeBinding }
      })
      return new Checkpointer(worker, onFailure)
    } catch {
      return undefined
    }
  }

  /**
   * Notes `bytes` more written to the log and asks the worker for a checkpoint once enough piled
   * up. Answers true when the worker has fallen too far behind: the caller then checkpoints
   * inline (`checkpointedInline` afterwards).
   */
  wrote(bytes: number): boolean {
    this.written += bytes
    this.behind += bytes
    if (this.closed) return false
    if (this.behind >= INLINE_AFTER_BYTES) return true
    if (this.written < CHECKPOINT_AFTER_BYTES || this.running) return false
    this.written = 0
    this.running = true
    this.worker.postMessage('checkpoint')
    return false
  }

  /** The caller's inline checkpoint moved the whole log. */
  checkpointedInline(complete: boolean): void {
    this.written = 0
    if (complete) this.behind = 0
  }

  /** Stops the worker (after the checkpoint in progress, if any). */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      // Keeps the process alive until the thread is gone.
      this.worker.ref()
      this.worker.postMessage('close')
    }
    await this.exited
  }
}
