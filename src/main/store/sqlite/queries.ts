/**
 * The sqlite store's prepared statements and the mapping from log rows to keys and events.
 * Every read picks, per key, the newest row at or below the read revision (kine's listing query),
 * walking the (name, id) index in key order so a `limit` stops the scan early.
 */

import type Database from 'better-sqlite3'
import type { KeyValue, WatchEvent } from '../types'
import { LOG_TABLE } from './schema'

/** One row of the log table. */
export interface LogRow {
  id: number
  name: string
  created: number
  deleted: number
  create_revision: number
  prev_revision: number
  version: number
  expires_at: number | null
  value: string
  old_value: string | null
}

/** The key a row wrote (meaningless for tombstones). */
export function rowToKv(row: LogRow): KeyValue {
  return {
    key: row.name,
    value: row.value,
    createRevision: row.created ? row.id : row.create_revision,
    modRevision: row.id,
    version: row.version
  }
}

/** The value a row replaced (or deleted), for `prevKv`; undefined for a create. */
function rowToPrevKv(row: LogRow): KeyValue | undefined {
  if (row.created) return undefined
  return {
    key: row.name,
    value: row.old_value ?? '',
    createRevision: row.create_revision,
    modRevision: row.prev_revision,
    // A tombstone records the deleted version; a put records its own, one past the previous.
    version: row.deleted ? row.version : row.version - 1
  }
}

/** The watch event a row stands for. */
export function rowToEvent(row: LogRow): WatchEvent {
  const prevKv = rowToPrevKv(row)
  if (row.deleted) {
    const kv = { key: row.name, value: '', createRevision: 0, modRevision: row.id, version: 0 }
    return { type: 'delete', kv, prevKv }
  }
  return prevKv ? { type: 'put', kv: rowToKv(row), prevKv } : { type: 'put', kv: rowToKv(row) }
}

/**
 * The smallest string above every string that starts with `prefix`, in SQLite's byte (code
 * point) order; undefined when there is none (empty prefix, or only U+10FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix)
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number
    if (last < 0x10ffff) {
      // Skip the surrogate block, which UTF-8 cannot hold.
      const next = last === 0xd7ff ? 0xe000 : last + 1
      return points.join('') + String.fromCodePoint(next)
    }
  }
  return undefined
}

const NEWEST_AT = `k.id = (SELECT MAX(id) FROM ${LOG_TABLE} WHERE name = k.name AND id <= :rev)`

/**
 * All statements the store runs, prepared once. The watch replay scans by id (`+name` keeps the
 * planner off the name indexes): a watch usually resumes from a recent revision, so the few rows
 * after it are cheaper to filter than every row under a wide prefix like /registry/.
 */
export class Queries {
  readonly atRevision: Database.Statement<[string, number], LogRow>
  readonly listBounded: Database.Statement<
    [{ start: string; end: string; rev: number; limit: number }],
    LogRow
  >
  readonly listOpen: Database.Statement<[{ start: string; rev: number; limit: number }], LogRow>
  readonly eventsBounded: Database.Statement<
    [{ after: number; start: string; end: string; rev: number }],
    LogRow
  >
  readonly eventsOpen: Database.Statement<[{ after: number; start: string; rev: number }], LogRow>
  readonly latest: Database.Statement<[string], LogRow>
  readonly insert: Database.Statement<
    [string, number, number, number, number, number, number | null, string, string | null]
  >
  readonly expired: Database.Statement<[number], { name: string; id: number }>
  readonly setCompactRevision: Database.Statement<[number]>
  readonly chunkEnd: Database.Statement<[number, number], { id: number }>
  readonly minId: Database.Statement<[], { id: number | null }>
  readonly purge: Database.Statement<[{ lo: number; hi: number; rev: number }]>

  constructor(db: Database.Database) {
    this.latest = db.prepare(`SELECT * FROM ${LOG_TABLE} WHERE name = ? ORDER BY id DESC LIMIT 1`)
    this.insert = db.prepare(
      `INSERT INTO ${LOG_TABLE}
         (name, created, deleted, create_revision, prev_revision, version, expires_at, value, old_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    this.atRevision = db.prepare(
      `SELECT * FROM ${LOG_TABLE} WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`
    )
    this.listBounded = db.prepare(
      `SELECT * FROM ${LOG_TABLE} AS k INDEXED BY ${LOG_TABLE}_name_id_index
       WHERE k.name >= :start AND k.name < :end AND k.id <= :rev AND ${NEWEST_AT} AND k.deleted = 0
       ORDER BY k.name LIMIT :limit`
    )
    this.listOpen = db.prepare(
      `SELECT * FROM ${LOG_TABLE} AS k INDEXED BY ${LOG_TABLE}_name_id_index
       WHERE k.name >= :start AND k.id <= :rev AND ${NEWEST_AT} AND k.deleted = 0
       ORDER BY k.name LIMIT :limit`
    )
    this.eventsBounded = db.prepare(
      `SELECT * FROM ${LOG_TABLE}
       WHERE id > :after AND id <= :rev AND +name >= :start AND +name < :end ORDER BY id`
    )
    this.eventsOpen = db.prepare(
      `SELECT * FROM ${LOG_TABLE} WHERE id > :after AND id <= :rev AND +name >= :start ORDER BY id`
    )
    this.expired = db.prepare(
      `SELECT k.name, k.id FROM ${LOG_TABLE} AS k
       WHERE k.expires_at IS NOT NULL AND k.expires_at <= ? AND k.deleted = 0
         AND k.id = (SELECT MAX(id) FROM ${LOG_TABLE} WHERE name = k.name)`
    )
    this.setCompactRevision = db.prepare(
      "UPDATE kubedesk_meta SET value = ? WHERE key = 'compact_revision'"
    )
    this.chunkEnd = db.prepare(
      `SELECT id FROM ${LOG_TABLE} WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?`
    )
    this.minId = db.prepare(`SELECT MIN(id) AS id FROM ${LOG_TABLE}`)
    // Below the compaction point only the newest row of each key survives, and not even that
    // when it is a tombstone: reads at or above the point never look further back.
    this.purge = db.prepare(
      `DELETE FROM ${LOG_TABLE} AS k WHERE k.id > :lo AND k.id <= :hi
         AND (k.deleted = 1 OR k.id < (SELECT MAX(id) FROM ${LOG_TABLE} WHERE name = k.name AND id <= :rev))`
    )
  }
}
