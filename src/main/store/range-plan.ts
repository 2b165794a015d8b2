/**
 * The backend-independent half of a read: which revision it is served at (refusing compacted and
 * future revisions the same way in every backend), where a continued listing resumes, and how a
 * page cut short by `limit` hands out its continuation token.
 */

import { decodeContinue, encodeContinue, keyAfter } from './continue-token'
import { CompactedError, FutureRevisionError } from './errors'
import type { KeyValue, RangeOptions, RangeResult } from './types'

/** A validated `range` request. */
export interface RangePlan {
  /** Set for a single-key read. */
  key?: string
  /** Set for a prefix read. */
  prefix?: string
  /** The first key to return (inclusive): the prefix, or where a continued listing resumes. */
  startKey: string
  /** The revision the read is served at. */
  revision: number
  /** At most this many keys; 0 means no limit. */
  limit: number
}

/**
 * The revision a read is served at: `requested` (0 or undefined: the latest), refused with
 * CompactedError below the compaction point and FutureRevisionError above the current revision.
 */
export function resolveReadRevision(
  requested: number | undefined,
  current: number,
  compacted: number
): number {
  if (requested === undefined || requested <= 0) return current
  if (requested > current) throw new FutureRevisionError(requested, current)
  if (requested < compacted) throw new CompactedError(requested, compacted)
  return requested
}

/** Validates a `range` request against the store's current and compacted revisions. */
export function planRange(options: RangeOptions, current: number, compacted: number): RangePlan {
  const hasKey = options.key !== undefined
  const hasPrefix = options.prefix !== undefined
  if (hasKey === hasPrefix) throw new TypeError('range needs exactly one of `key` and `prefix`')
  const limit = options.limit && options.limit > 0 ? Math.floor(options.limit) : 0
  if (options.continue !== undefined) {
    // A continued listing reads at the revision of its first page, so all pages are one snapshot.
    const c = decodeContinue(options.continue)
    const revision = resolveReadRevision(c.revision, current, compacted)
    const floor = options.prefix ?? options.key ?? ''
    const startKey = c.startKey > floor ? c.startKey : floor
    return { key: options.key, prefix: options.prefix, startKey, revision, limit }
  }
  const revision = resolveReadRevision(options.revision, current, compacted)
  const startKey = (options.prefix ?? options.key) as string
  return { key: options.key, prefix: options.prefix, startKey, revision, limit }
}

/**
 * Turns up to `limit + 1` keys read for `plan` into a result: the extra key only proves there is
 * another page, whose continuation starts right after the last key returned.
 */
export function finishRange(plan: RangePlan, kvs: KeyValue[]): RangeResult {
  if (plan.limit > 0 && kvs.length > plan.limit) {
    const page = kvs.slice(0, plan.limit)
    const last = page[page.length - 1].key
    return {
      kvs: page,
      revision: plan.revision,
      continue: encodeContinue({ startKey: keyAfter(last), revision: plan.revision })
    }
  }
  return { kvs, revision: plan.revision }
}
