/**
 * The sqlite store's writer: a worker thread with its own connection that applies each batch of
 * writes in one transaction and commits it (WAL, synchronous=FULL: the fsync happens here). The
 * commit's wait for the disk then no longer stalls the event loop, which keeps answering requests
 * and collects the next batch meanwhile.
 *
 * The thread only touches the database. It answers, per write, the new row's id and, for updates
 * and deletes, the row it replaced; the store turns those into keys, events and errors and
 * publishes them on the main thread, in one synchronous block with the revision it advances.
 *
 * The worker is plain CommonJS given as text, so that it needs no file of its own in the bundle.
 */

import { Worker } from 'node:worker_threads'
import { LOG_TABLE } from './schema'

/** One write, as the thread applies it. */
export type WireWrite =
  | { op: 'create'; key: string; value: string; expiresAt: number | null }
  | { op: 'update'; key: string; value: string; expiresAt: number | null; expected?: number }
  | { op: 'delete'; key: string; expected?: number }

/** The row a write replaced (updates and deletes). */
export interface WireRow {
  id: number
  name: string
  created: number
  create_revision: number
  version: number
  value: string
}

/** Why a write failed on its own (the transaction went on without it). */
export type WireFailure =
  { kind: 'exists' } | { kind: 'notFound' } | { kind: 'conflict'; expected: number; actual: number }

/** What the thread answers for one write. */
export type WireOutcome =
  { ok: true; id: number; live?: WireRow } | { ok: false; failure: WireFailure }

type Reply =
  { type: 'done'; outcomes: WireOutcome[] } | { type: 'failed'; message: string; code?: string }

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.modulePath)
const db = new Database(workerData.file, { fileMustExist: true, nativeBinding: workerData.nativeBinding })
db.pragma('synchronous = FULL')
db.pragma('busy_timeout = 5000')
db.pragma('wal_autocheckpoint = ' + workerData.autoCheckpointPages)
const T = workerData.table
const latest = db.prepare('SELECT id, name, created, deleted, create_revision, version, value FROM ' + T + ' WHERE name = ? ORDER BY id DESC LIMIT 1')
const insert = db.prepare('INSERT INTO ' + T + ' (name, created, deleted, create_revision, prev_revision, version, expires_at, value, old_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
const rowid = (info) => Number(info.lastInsertRowid)
const applyOne = (w) => {
  try {
    const last = latest.get(w.key)
    const live = last && !last.deleted ? last : undefined
    if (w.op === 'create') {
      if (live) return { ok: false, failure: { kind: 'exists' } }
      return { ok: true, id: rowid(insert.run(w.key, 1, 0, 0, last ? last.id : 0, 1, w.expiresAt, w.value, null)) }
    }
    if (!live) return { ok: false, failure: { kind: 'notFound' } }
    if (w.expected !== undefined && w.expected !== null && w.expected !== live.id) {
      return { ok: false, failure: { kind: 'conflict', expected: w.expected, actual: live.id } }
    }
    const createRevision = live.created ? live.id : live.create_revision
    const row = { id: live.id, name: live.name, created: live.created, create_revision: live.create_revision, version: live.version, value: live.value }
    if (w.op === 'update') {
      return { ok: true, id: rowid(insert.run(w.key, 0, 0, createRevision, live.id, live.version + 1, w.expiresAt, w.value, live.value)), live: row }
    }
    return { ok: true, id: rowid(insert.run(w.key, 0, 1, createRevision, live.id, live.version, null, '', live.value)), live: row }
  } catch (err) {
    // Another writer of this file took the same (name, prev_revision): the key moved on.
    if (err && err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
      const now = latest.get(w.key)
      const expected = w.expected !== undefined && w.expected !== null ? w.expected : 0
      return { ok: false, failure: { kind: 'conflict', expected, actual: now ? now.id : 0 } }
    }
    throw err
  }
}
const applyBatch = db.transaction((batch) => batch.map(applyOne))
parentPort.on('message', (m) => {
  if (m.type === 'close') {
    db.close()
    parentPort.close()
    return
  }
  if (m.type === 'autocheckpoint') {
    db.pragma('wal_autocheckpoint = ' + m.pages)
    return
  }
  try {
    parentPort.postMessage({ type: 'done', outcomes: applyBatch(m.batch) })
  } catch (err) {
    parentPort.postMessage({ type: 'failed', message: String((err && err.message) || err), code: err && err.code })
  }
})
`

/** The writer thread of one store file. */
export class WriterThread {
  /** Commits in flight, answered in order. */
  private readonly waiting: { resolve(o: WireOutcome[]): void; reject(e: Error): void }[] = []
  private failure?: Error
  private readonly exited: Promise<void>

  /**
   * Starts the thread for `file`. `autoCheckpointPages` is SQLite's wal_autocheckpoint on its
   * connection (0: checkpoints are run elsewhere, see checkpointer.ts).
   */
  constructor(file: string, nativeBinding: string | undefined, autoCheckpointPages: number) {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath: require.resolve('better-sqlite3'),
        file,
        nativeBinding,
        table: LOG_TABLE,
        autoCheckpointPages
      }
    })
    this.worker = worker
    worker.on('message', (reply: Reply) => {
      const next = this.waiting.shift()
      if (this.waiting.length === 0) worker.unref()
      if (!next) return
      if (reply.type === 'done') next.resolve(reply.outcomes)
      else {
        const err = new Error(`the store's commit failed: ${reply.message}`)
        if (reply.code) (err as Error & { code?: string }).code = reply.code
        next.reject(err)
      }
    })
    worker.on('error', (err) => {
      this.failure ??= new Error(`the store's writer thread failed: ${err.message}`)
    })
    // Like a file handle, an idle store does not keep the process alive; a commit in flight does.
    worker.unref()
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        this.failure ??= new Error("the store's writer thread stopped")
        for (const w of this.waiting.splice(0)) w.reject(this.failure)
        resolve()
      })
    )
  }

  private readonly worker: Worker

  /** Applies `batch` in one transaction; rejects when the transaction failed as a whole. */
  commit(batch: WireWrite[]): Promise<WireOutcome[]> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) this.worker.ref()
      this.waiting.push({ resolve, reject })
      this.worker.postMessage({ type: 'batch', batch })
    })
  }

  /** Sets wal_autocheckpoint on the thread's connection. */
  setAutoCheckpoint(pages: number): void {
    if (!this.failure) this.worker.postMessage({ type: 'autocheckpoint', pages })
  }

  /** Closes the connection and ends the thread (call once no commit is in flight). */
  async close(): Promise<void> {
    if (!this.failure) {
      this.failure = new Error("the store's writer thread stopped")
      this.worker.ref()
      this.worker.postMessage({ type: 'close' })
    }
    await this.exited
  }
}
