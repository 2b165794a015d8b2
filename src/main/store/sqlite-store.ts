/**
 * The `sqlite` backend, the embedded default: kine's model on better-sqlite3. One append-only log
 * table whose AUTOINCREMENT id is the revision; a unique (name, prev_revision) index makes
 * compare-and-swap safe; deletes write tombstones; compaction drops superseded rows below a
 * recorded compaction point. Writes are group-committed (sqlite/group-commit.ts) in WAL mode, and
 * a write is acknowledged only once the log holding it was fsynced, so an acknowledged write
 * survives a crash or power cut.
 *
 * The fsync runs off the event loop (sqlite/wal-sync.ts): a batch's transaction commits to the log
 * at once, and its rows stay invisible — every read is bounded by `rev` — until the fsync that
 * covers it completes; then, in one block and in commit order, the revision advances, the cache
 * of live keys takes the changes, watchers get the events and the writers their answers. Batches
 * committed while an fsync runs share the next one. A new watch reads its replay and subscribes
 * in one block, so no write can fall between a watch's history and its live stream.
 *
 * WAL checkpoints, which SQLite would otherwise run inside a commit every few megabytes (copying
 * the log into the file and fsyncing it), run in a worker thread (sqlite/checkpointer.ts). Reads
 * at the latest revision are served from an in-memory copy of the live keys
 * (sqlite/latest-cache.ts).
 */

import type Database from 'better-sqlite3'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  StoreClosedError,
  StoreError
} from './errors'
import { finishRange, planRange, resolveReadRevision } from './range-plan'
import { Checkpointer } from './sqlite/checkpointer'
import { WalSync } from './sqlite/wal-sync'

/** What `PRAGMA wal_checkpoint` answers: busy flag, frames in the log, frames checkpointed. */
interface CheckpointResult {
  busy: number
  log: number
  checkpointed: number
}
import { GroupCommit, type Outcome } from './sqlite/group-commit'
import { LatestCache } from './sqlite/latest-cache'
import { sqliteNativeBinding } from './sqlite/native-binding'
import { prefixEnd, Queries, rowToEvent, rowToKv, type LogRow } from './sqlite/queries'
import { openStoreDatabase, readCompactRevision, readRevision } from './sqlite/schema'
import { DEFAULT_TTL_SWEEP_INTERVAL_MS, TtlSweeper } from './ttl-sweeper'
import type {
  GuardedWriteOptions,
  KeyValue,
  RangeOptions,
  RangeResult,
  Store,
  StoreOptions,
  WatchEvent,
  WatchHandlers,
  Watcher,
  WriteOptions
} from './types'
import { WatchHub } from './watch-hub'

/** One queued write. */
type WriteRequest =
  | { op: 'create'; key: string; value: string; expiresAt: number | null }
  | { op: 'update'; key: string; value: string; expiresAt: number | null; expected?: number }
  | { op: 'delete'; key: string; expected?: number }

/** What a committed write answers: the key written, or the deleted value and the delete's revision. */
type WriteResult = KeyValue | { prevKv: KeyValue; deleteRevision: number }

/** A write applied inside the batch transaction: its result and event, or its own failure. */
type Applied = { ok: true; value: WriteResult; event: WatchEvent } | { ok: false; error: Error }

/** Characters of keys the cache of live keys cannot order (see sqlite/latest-cache.ts). */
const SURROGATE = /[\ud800-\udfff]/

/** Rows compacted per transaction, so compaction never blocks the event loop for long. */
const PURGE_CHUNK_ROWS = 2000

function expiryOf(options: WriteOptions | undefined): number | null {
  const ttl = options?.ttlSeconds
  return ttl && ttl > 0 ? Date.now() + ttl * 1000 : null
}

/** The database file an options object names: `file`, else `<dataDir>/store.db`. */
export function sqliteStoreFile(options: Pick<StoreOptions, 'file' | 'dataDir'>): string {
  if (options.file) return options.file
  if (options.dataDir) return join(options.dataDir, 'store.db')
  throw new TypeError('the sqlite store needs `dataDir` or `file`')
}

/** The sqlite Store. Open it with `openSqliteStore`. */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const
  private readonly q: Queries
  private readonly hub = new WatchHub()
  private readonly writes: GroupCommit<WriteRequest, WriteResult>
  private readonly applyBatch: (batch: WriteRequest[]) => Applied[]
  private readonly sweeper: TtlSweeper
  /** Makes committed batches durable (fsync of the log) off the event loop, in commit order. */
  private readonly walSync: WalSync
  /** Runs WAL checkpoints in a worker thread; undefined: SQLite checkpoints inside commits. */
  private readonly checkpointer?: Checkpointer
  /** The live keys at `rev`, for reads at the latest revision; built on first use. */
  private latest?: LatestCache
  /** Set when the cache was found unusable (keys it cannot order): reads stay on SQLite. */
  private latestDisabled = false
  private rev: number
  private compacted: number
  /** The compaction in progress (purges run one after another). */
  private compaction: Promise<void> = Promise.resolve()
  private closed = false

  constructor(
    private readonly db: Database.Database,
    /** The database file, for messages. */
    readonly file: string,
    ttlSweepIntervalMs = DEFAULT_TTL_SWEEP_INTERVAL_MS
  ) {
    this.q = new Queries(db)
    this.rev = readRevision(db)
    this.compacted = readCompactRevision(db)
    this.applyBatch = db.transaction((batch: WriteRequest[]) => batch.map((w) => this.applyOne(w)))
    this.writes = new GroupCommit((batch) => this.commitBatch(batch))
    // Commits only write the log; WalSync fsyncs it before anything is acknowledged or seen.
    db.pragma('synchronous = NORMAL')
    this.walSync = new WalSync(`${file}-wal`)
    db.pragma('wal_autocheckpoint = 0')
    this.checkpointer = Checkpointer.start(file, sqliteNativeBinding(), () => {
      if (!this.closed) db.pragma('wal_autocheckpoint = 1000')
    })
    if (!this.checkpointer) db.pragma('wal_autocheckpoint = 1000')
    this.sweeper = new TtlSweeper(
      {
        findExpired: (now) =>
          this.closed
            ? []
            : this.q.expired.all(now).map((r) => ({ key: r.name, modRevision: r.id })),
        expire: (key, modRevision) => this.delete(key, { expectedModRevision: modRevision })
      },
      ttlSweepIntervalMs
    )
    this.sweeper.start()
  }

  /**
   * The durability settings in force: the connection's journal mode (WAL is required) and how a
   * commit is made durable before it is acknowledged — `full` when SQLite fsyncs inside the
   * commit, `fsync-before-ack` when the store fsyncs the log itself (sqlite/wal-sync.ts).
   */
  durability(): {
    journalMode: string
    synchronous: 'off' | 'normal' | 'full' | 'extra' | 'fsync-before-ack'
  } {
    this.assertOpen()
    const levels = ['off', 'normal', 'full', 'extra'] as const
    const level = levels[this.db.pragma('synchronous', { simple: true }) as number]
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: level === 'normal' ? 'fsync-before-ack' : level
    }
  }

  async revision(): Promise<number> {
    this.assertOpen()
    return this.rev
  }

  async compactRevision(): Promise<number> {
    this.assertOpen()
    return this.compacted
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    this.assertOpen()
    const at = resolveReadRevision(revision, this.rev, this.compacted)
    const cache = at === this.rev ? this.latestCache() : undefined
    if (cache) return cache.get(key)
    const row = this.q.atRevision.get(key, at)
    return row && !row.deleted ? rowToKv(row) : undefined
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    this.assertOpen()
    const plan = planRange(options, this.rev, this.compacted)
    const cache = plan.revision === this.rev ? this.latestCache() : undefined
    if (cache && plan.key === undefined && !SURROGATE.test(plan.startKey)) {
      const limit = plan.limit > 0 ? plan.limit + 1 : -1
      return finishRange(plan, cache.range(plan.startKey, prefixEnd(plan.prefix as string), limit))
    }
    let rows: LogRow[]
    if (plan.key !== undefined) {
      const row =
        plan.startKey === plan.key ? this.q.atRevision.get(plan.key, plan.revision) : undefined
      rows = row && !row.deleted ? [row] : []
    } else {
      // One row more than the limit tells whether another page follows.
      const limit = plan.limit > 0 ? plan.limit + 1 : -1
      const end = prefixEnd(plan.prefix as string)
      rows =
        end === undefined
          ? this.q.listOpen.all({ start: plan.startKey, rev: plan.revision, limit })
          : this.q.listBounded.all({ start: plan.startKey, end, rev: plan.revision, limit })
    }
    return finishRange(plan, rows.map(rowToKv))
  }

  async create(key: string, value: string, options?: WriteOptions): Promise<KeyValue> {
    this.assertOpen()
    const request: WriteRequest = { op: 'create', key, value, expiresAt: expiryOf(options) }
    return (await this.writes.submit(request)) as KeyValue
  }

  async update(key: string, value: string, options?: GuardedWriteOptions): Promise<KeyValue> {
    this.assertOpen()
    const expected = options?.expectedModRevision
    const request: WriteRequest = {
      op: 'update',
      key,
      value,
      expiresAt: expiryOf(options),
      expected
    }
    return (await this.writes.submit(request)) as KeyValue
  }

  async delete(
    key: string,
    options?: { expectedModRevision?: number }
  ): Promise<{ prevKv: KeyValue; deleteRevision: number }> {
    this.assertOpen()
    const request: WriteRequest = { op: 'delete', key, expected: options?.expectedModRevision }
    return (await this.writes.submit(request)) as { prevKv: KeyValue; deleteRevision: number }
  }

  watch(prefix: string, fromRevision: number | undefined, handlers: WatchHandlers): Watcher {
    if (this.closed) return this.hub.fail(handlers, new StoreClosedError())
    if (fromRevision !== undefined && fromRevision < this.compacted) {
      return this.hub.fail(handlers, new CompactedError(fromRevision, this.compacted))
    }
    const after = fromRevision ?? this.rev
    let replay: WatchEvent[] = []
    if (after < this.rev) {
      const end = prefixEnd(prefix)
      const rev = this.rev
      const rows =
        end === undefined
          ? this.q.eventsOpen.all({ after, start: prefix, rev })
          : this.q.eventsBounded.all({ after, start: prefix, end, rev })
      replay = rows.map(rowToEvent)
    }
    // Same synchronous block as the read above: no commit can be published in between.
    return this.hub.subscribe(prefix, after, replay, handlers)
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen()
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev)
    if (revision <= this.compacted) return
    // The marker moves first: from here on reads below it are refused, so the rows the purge
    // removes are never looked at, even while it is still running.
    this.q.setCompactRevision.run(revision)
    this.compacted = revision
    const purge = this.compaction.then(() => this.purge(revision))
    this.compaction = purge.catch(() => undefined)
    await purge
    // The compaction point is on disk before compact answers, as a write's value is.
    await this.walSync.afterSync(() => undefined)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.sweeper.stop()
    // Writes already queued were accepted before close: commit them rather than drop them.
    this.writes.flush()
    await this.walSync.close()
    await this.compaction
    await this.checkpointer?.close()
    this.hub.closeAll(new StoreClosedError())
    this.db.close()
  }

  /** The cache of live keys, built from the file on first use; undefined when unusable. */
  private latestCache(): LatestCache | undefined {
    if (this.latest || this.latestDisabled) return this.latest
    const rows = this.q.listOpen.all({ start: '', rev: this.rev, limit: -1 })
    this.latest = LatestCache.from(rows.map(rowToKv))
    this.latestDisabled = !this.latest
    return this.latest
  }

  /** Brings the cache of live keys to the state after `event`. */
  private updateLatest(event: WatchEvent): void {
    const cache = this.latest
    if (!cache) return
    if (event.type === 'put') cache.put({ ...event.kv })
    else cache.delete(event.kv.key)
    if (!cache.valid) {
      this.latest = undefined
      this.latestDisabled = true
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }

  /**
   * Runs one batch in a transaction; once the log holding it is fsynced, makes it visible and
   * publishes its events (GroupCommit's callback).
   */
  private commitBatch(batch: WriteRequest[]): Promise<Outcome<WriteResult>[]> {
    const outcomes = this.applyBatch(batch)
    if (this.checkpointer) {
      let bytes = 0
      // An update's row holds the old value too; about as long as the new one.
      for (const w of batch) {
        bytes +=
          w.key.length + 100 + ('value' in w ? w.value.length : 0) * (w.op === 'update' ? 2 : 1)
      }
      if (this.checkpointer.wrote(bytes)) {
        // RESTART waits (busy_timeout) for a checkpoint the worker may be running, copies the
        // whole log and makes the next commit start it over: rare, and bounded.
        const [result] = this.db.pragma('wal_checkpoint(RESTART)') as CheckpointResult[]
        this.checkpointer.checkpointedInline(!result?.busy && result?.log === result?.checkpointed)
      }
    }
    const answers = outcomes.map((o): Outcome<WriteResult> =>
      o.ok ? { ok: true, value: o.value } : o
    )
    // Even a batch of failures waits its turn: a conflict may stem from a write still unsynced.
    return this.walSync.afterSync(() => {
      const events: WatchEvent[] = []
      for (const outcome of outcomes) {
        if (!outcome.ok) continue
        events.push(outcome.event)
        this.updateLatest(outcome.event)
        this.rev = outcome.event.kv.modRevision
      }
      this.hub.publish(events)
      return answers
    })
  }

  /** Applies one write inside the batch transaction, against the state earlier writes left. */
  private applyOne(w: WriteRequest): Applied {
    try {
      const latest = this.q.latest.get(w.key)
      const live = latest && !latest.deleted ? latest : undefined
      if (w.op === 'create') {
        if (live) throw new KeyExistsError(w.key)
        const id = this.insert(w.key, 1, 0, 0, latest?.id ?? 0, 1, w.expiresAt, w.value, null)
        const kv = { key: w.key, value: w.value, createRevision: id, modRevision: id, version: 1 }
        return { ok: true, value: kv, event: { type: 'put', kv: { ...kv } } }
      }
      if (!live) throw new KeyNotFoundError(w.key)
      if (w.expected !== undefined && w.expected !== live.id) {
        throw new ConflictError(w.key, w.expected, live.id)
      }
      const prevKv = rowToKv(live)
      if (w.op === 'update') {
        const createRevision = prevKv.createRevision
        const version = live.version + 1
        const id = this.insert(
          w.key,
          0,
          0,
          createRevision,
          live.id,
          version,
          w.expiresAt,
          w.value,
          live.value
        )
        const kv = { key: w.key, value: w.value, createRevision, modRevision: id, version }
        return { ok: true, value: kv, event: { type: 'put', kv: { ...kv }, prevKv } }
      }
      const id = this.insert(
        w.key,
        0,
        1,
        prevKv.createRevision,
        live.id,
        live.version,
        null,
        '',
        live.value
      )
      const tombstone = { key: w.key, value: '', createRevision: 0, modRevision: id, version: 0 }
      return {
        ok: true,
        value: { prevKv: { ...prevKv }, deleteRevision: id },
        event: { type: 'delete', kv: tombstone, prevKv }
      }
    } catch (err) {
      if (err instanceof StoreError) return { ok: false, error: err }
      // Another writer of this file took the same (name, prev_revision): the key moved on.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const expected = 'expected' in w && w.expected !== undefined ? w.expected : 0
        const actual = this.q.latest.get(w.key)?.id ?? 0
        return { ok: false, error: new ConflictError(w.key, expected, actual) }
      }
      throw err // anything else fails the whole transaction, and so every write in it
    }
  }

  private insert(
    key: string,
    created: number,
    deleted: number,
    createRevision: number,
    prevRevision: number,
    version: number,
    expiresAt: number | null,
    value: string,
    oldValue: string | null
  ): number {
    const info = this.q.insert.run(
      key,
      created,
      deleted,
      createRevision,
      prevRevision,
      version,
      expiresAt,
      value,
      oldValue
    )
    return Number(info.lastInsertRowid)
  }

  /** Deletes superseded rows at or below `revision`, a chunk per transaction. */
  private async purge(revision: number): Promise<void> {
    let lo = (this.q.minId.get()?.id ?? revision + 1) - 1
    while (lo < revision && !this.closed) {
      const chunkEnd = this.q.chunkEnd.get(lo, PURGE_CHUNK_ROWS - 1)?.id ?? revision
      const hi = Math.min(chunkEnd, revision)
      this.q.purge.run({ lo, hi, rev: revision })
      lo = hi
      if (lo < revision) await nextTurn()
    }
  }
}

/** Opens (or creates) the sqlite store named by `options`; StoreCorruptError for a bad file. */
export async function openSqliteStore(
  options: Pick<StoreOptions, 'file' | 'dataDir' | 'ttlSweepIntervalMs'>
): Promise<SqliteStore> {
  const file = sqliteStoreFile(options)
  const db = openStoreDatabase(file)
  return new SqliteStore(db, file, options.ttlSweepIntervalMs)
}
