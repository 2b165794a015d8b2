/**
 * The sqlite store's file: its schema (kine's model — one append-only log table whose row id is
 * the revision), how a new file is created, and how an existing one is checked before use.
 *
 * A file that is not ours, or is damaged, is refused with StoreCorruptError and left exactly as it
 * was: nothing is written to it until it has passed every check.
 */

import Database from 'better-sqlite3'
import { sqliteNativeBinding } from './native-binding'
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync
} from 'node:fs'
import { dirname } from 'node:path'
import { StoreCorruptError } from '../errors'

/** `PRAGMA application_id` of a KubeDesk store: 'KDsk' in ASCII. */
export const APPLICATION_ID = 0x4b44736b

/** The schema version this code writes and understands (the `format_version` meta row). */
export const FORMAT_VERSION = 1

/** The log table: one row per write; `id` is the write's revision. */
export const LOG_TABLE = 'kv_log'

const SCHEMA = `
  -- created=1: this row created the key (its create revision is its own id, stored as 0).
  -- deleted=1: a tombstone; value is '', old_value the deleted value, version the deleted version.
  -- prev_revision: the id of the key's previous row (0 for a first create); unique per key, so two
  -- writers of one key that start from the same revision cannot both commit.
  CREATE TABLE ${LOG_TABLE} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER,
    value TEXT NOT NULL,
    old_value TEXT
  );
  CREATE INDEX ${LOG_TABLE}_name_id_index ON ${LOG_TABLE} (name, id);
  CREATE UNIQUE INDEX ${LOG_TABLE}_name_prev_revision_uindex ON ${LOG_TABLE} (name, prev_revision);
  CREATE INDEX ${LOG_TABLE}_expires_at_index ON ${LOG_TABLE} (expires_at)
    WHERE expires_at IS NOT NULL;
  CREATE TABLE kubedesk_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO kubedesk_meta (key, value) VALUES
    ('format_version', ${FORMAT_VERSION}), ('compact_revision', 0);
`

const HINT =
  'Hint: move the file aside (or delete it) to start with an empty store, or restore it from a backup.'

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1')

function corrupt(file: string, detail: string): StoreCorruptError {
  return new StoreCorruptError(file, `${detail}. ${HINT}`)
}

/** True for SQLite's "this is damaged or not a database" failures. */
function isCorruption(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)
}

/** Creates a new, empty store at `file` atomically: built beside it, then renamed into place. */
function createStoreFile(file: string): void {
  const scratch = `${file}.init`
  for (const f of [scratch, `${scratch}-wal`, `${scratch}-shm`]) rmSync(f, { force: true })
  const db = new Database(scratch, { nativeBinding: sqliteNativeBinding() })
  try {
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma('journal_mode = WAL')
    db.exec(`BEGIN; ${SCHEMA} COMMIT;`)
  } finally {
    db.close()
  }
  renameSync(scratch, file)
  // The rename itself must survive a power cut, or a restart would find no store at all.
  const dir = openSync(dirname(file), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}

/**
 * Checks the file's header without SQLite: empty, foreign or truncated files are named precisely
 * (SQLite itself would call all of them "malformed", or treat an empty file as a new database).
 */
function checkHeader(file: string): void {
  const size = statSync(file).size
  if (size === 0) throw corrupt(file, 'the file is empty (truncated?)')
  const header = Buffer.alloc(100)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, header, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  if (size < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw corrupt(file, 'it is not an SQLite database (unrecognised header bytes)')
  }
  // The header's page count is trustworthy when its "valid-for" counter matches the change
  // counter; without a write-ahead log still to apply, the file must then hold all those pages.
  const rawPageSize = header.readUInt16BE(16)
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize
  const pageCount = header.readUInt32BE(28)
  const countValid = header.readUInt32BE(92) === header.readUInt32BE(24)
  const wal = `${file}-wal`
  const walPending = existsSync(wal) && statSync(wal).size > 0
  if (countValid && !walPending && pageCount * pageSize > size) {
    throw corrupt(
      file,
      `the file is truncated: its header describes ${pageCount * pageSize} bytes, it has ${size}`
    )
  }
}

/** Reads one meta row, or undefined when absent. */
function readMeta(db: Database.Database, key: string): number | undefined {
  const row = db.prepare('SELECT value FROM kubedesk_meta WHERE key = ?').get(key) as
    { value: number } | undefined
  return row?.value
}

/** Refuses a database that is not a KubeDesk store, or one damaged inside. */
function checkContents(db: Database.Database, file: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number
  const tables = (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
      name: string
    }[]
  ).map((t) => t.name)
  const missing = [LOG_TABLE, 'kubedesk_meta'].filter((t) => !tables.includes(t))
  if (appId !== APPLICATION_ID || missing.length > 0) {
    const found = tables.length > 0 ? `tables: ${tables.join(', ')}` : 'no tables'
    throw corrupt(
      file,
      `it is an SQLite database of some other application (application_id ${appId}, ${found})`
    )
  }
  const format = readMeta(db, 'format_version')
  if (format === undefined || format > FORMAT_VERSION) {
    throw corrupt(
      file,
      `its store format ${format ?? 'is missing'}${format ? ' is newer than this KubeDesk understands' : ''}`
    )
  }
  const check = db.pragma('quick_check(1)', { simple: true })
  if (check !== 'ok') throw corrupt(file, `SQLite's integrity check failed: ${String(check)}`)
}

/**
 * Opens the store file, creating it (and its directory) when missing. Sets and verifies the
 * durability settings: write-ahead log, and a full sync on every commit. (SqliteStore then keeps
 * the sync but moves it off the event loop: sqlite/wal-sync.ts fsyncs the log before a commit is
 * acknowledged or seen.)
 */
export function openStoreDatabase(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true })
  if (!existsSync(file)) createStoreFile(file)
  else checkHeader(file)
  let db: Database.Database | undefined
  try {
    db = new Database(file, { fileMustExist: true, nativeBinding: sqliteNativeBinding() })
    checkContents(db, file)
    // Only now, with the file known to be ours, may anything be written to it.
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 5000')
    db.pragma('journal_size_limit = 67108864')
    const mode = db.pragma('journal_mode', { simple: true })
    const sync = db.pragma('synchronous', { simple: true })
    if (mode !== 'wal' || sync !== 2) {
      throw new Error(
        `${file}: cannot make commits durable (journal_mode=${String(mode)}, synchronous=${String(sync)}); is the directory on a local disk?`
      )
    }
    return db
  } catch (err) {
    db?.close()
    if (isCorruption(err)) throw corrupt(file, `SQLite reports: ${err.message}`)
    if (err instanceof StoreCorruptError) throw err
    const message = err instanceof Error ? err.message : String(err)
    throw new Error(message.includes(file) ? message : `cannot open store ${file}: ${message}`)
  }
}

/** The compaction point recorded in the file. */
export function readCompactRevision(db: Database.Database): number {
  return readMeta(db, 'compact_revision') ?? 0
}

/** The last revision ever assigned (AUTOINCREMENT's high-water mark survives compaction). */
export function readRevision(db: Database.Database): number {
  const row = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(LOG_TABLE) as
    { seq: number } | undefined
  return row?.seq ?? 0
}
