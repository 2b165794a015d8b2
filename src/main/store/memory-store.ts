/**
 * The `memory` backend: etcd semantics held in plain maps, nothing persisted. For unit tests and
 * throwaway clusters. Each key keeps its versions (so reads at older revisions work) and the store
 * keeps a log of events (so watches replay); compaction drops both below the compaction point,
 * keeping the version of each live key that was current there.
 */

import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  StoreClosedError
} from './errors'
import { finishRange, planRange, resolveReadRevision } from './range-plan'
import { DEFAULT_TTL_SWEEP_INTERVAL_MS, TtlSweeper, type ExpiredKey } from './ttl-sweeper'
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

/** One version of a key: a value, or the tombstone of a delete. */
interface Version {
  revision: number
  /** The key's value at this revision; undefined for a tombstone. */
  kv?: KeyValue
  /** When the store deletes this value by itself (ms since the epoch). */
  expiresAt?: number
}

/** Index of the first element of `sorted` that is >= `value` (or > it when `after`). */
function lowerBound<T>(sorted: T[], value: number, of: (item: T) => number, after = false): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const v = of(sorted[mid])
    if (v < value || (after && v === value)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the first key in `sorted` that is >= `key`. */
function keyLowerBound(sorted: string[], key: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

function expiryOf(options: WriteOptions | undefined, now: number): number | undefined {
  const ttl = options?.ttlSeconds
  return ttl && ttl > 0 ? now + ttl * 1000 : undefined
}

/** The in-memory Store. Writes apply synchronously, in call order. */
export class MemoryStore implements Store {
  readonly backend = 'memory' as const
  private rev = 0
  private compacted = 0
  /** Versions per key, ascending revision. */
  private readonly history = new Map<string, Version[]>()
  /** Every key in `history`, ascending. */
  private sortedKeys: string[] = []
  /** Events above the compaction point, ascending revision (the watch replay source). */
  private log: WatchEvent[] = []
  /** Keys whose latest version carries a TTL. */
  private readonly ttlKeys = new Set<string>()
  private readonly hub = new WatchHub()
  private readonly sweeper: TtlSweeper
  private closed = false

  constructor(options: Pick<StoreOptions, 'ttlSweepIntervalMs'> = {}) {
    this.sweeper = new TtlSweeper(
      {
        findExpired: (now) => this.findExpired(now),
        expire: (key, modRevision) => this.delete(key, { expectedModRevision: modRevision })
      },
      options.ttlSweepIntervalMs ?? DEFAULT_TTL_SWEEP_INTERVAL_MS
    )
    this.sweeper.start()
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
    return this.valueAt(key, at)
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    this.assertOpen()
    const plan = planRange(options, this.rev, this.compacted)
    const want = plan.limit > 0 ? plan.limit + 1 : Infinity
    const kvs: KeyValue[] = []
    if (plan.key !== undefined) {
      const kv = plan.startKey === plan.key ? this.valueAt(plan.key, plan.revision) : undefined
      if (kv) kvs.push(kv)
    } else {
      const prefix = plan.prefix as string
      for (let i = keyLowerBound(this.sortedKeys, plan.startKey); i < this.sortedKeys.length; i++) {
        const key = this.sortedKeys[i]
        if (!key.startsWith(prefix) || kvs.length >= want) break
        const kv = this.valueAt(key, plan.revision)
        if (kv) kvs.push(kv)
      }
    }
    return finishRange(plan, kvs)
  }

  async create(key: string, value: string, options?: WriteOptions): Promise<KeyValue> {
    this.assertOpen()
    const versions = this.history.get(key)
    const latest = versions?.[versions.length - 1]
    if (latest?.kv) throw new KeyExistsError(key)
    const revision = ++this.rev
    const kv: KeyValue = { key, value, createRevision: revision, modRevision: revision, version: 1 }
    this.append(key, { revision, kv, expiresAt: expiryOf(options, Date.now()) })
    this.commit({ type: 'put', kv: { ...kv } })
    return { ...kv }
  }

  async update(key: string, value: string, options?: GuardedWriteOptions): Promise<KeyValue> {
    const prev = this.current(key, options?.expectedModRevision)
    const revision = ++this.rev
    const kv: KeyValue = {
      key,
      value,
      createRevision: prev.createRevision,
      modRevision: revision,
      version: prev.version + 1
    }
    this.append(key, { revision, kv, expiresAt: expiryOf(options, Date.now()) })
    this.commit({ type: 'put', kv: { ...kv }, prevKv: { ...prev } })
    return { ...kv }
  }

  async delete(
    key: string,
    options?: { expectedModRevision?: number }
  ): Promise<{ prevKv: KeyValue; deleteRevision: number }> {
    const prev = this.current(key, options?.expectedModRevision)
    const revision = ++this.rev
    this.append(key, { revision })
    const tombstone: KeyValue = {
      key,
      value: '',
      createRevision: 0,
      modRevision: revision,
      version: 0
    }
    this.commit({ type: 'delete', kv: tombstone, prevKv: { ...prev } })
    return { prevKv: { ...prev }, deleteRevision: revision }
  }

  watch(prefix: string, fromRevision: number | undefined, handlers: WatchHandlers): Watcher {
    if (this.closed) return this.hub.fail(handlers, new StoreClosedError())
    if (fromRevision !== undefined && fromRevision < this.compacted) {
      return this.hub.fail(handlers, new CompactedError(fromRevision, this.compacted))
    }
    const after = fromRevision ?? this.rev
    const replay: WatchEvent[] = []
    for (
      let i = lowerBound(this.log, after, (e) => e.kv.modRevision, true);
      i < this.log.length;
      i++
    ) {
      const event = this.log[i]
      if (event.kv.key.startsWith(prefix)) replay.push(event)
    }
    return this.hub.subscribe(prefix, after, replay, handlers)
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen()
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev)
    if (revision <= this.compacted) return
    this.compacted = revision
    this.log = this.log.slice(lowerBound(this.log, revision, (e) => e.kv.modRevision, true))
    let emptied = false
    for (const [key, versions] of this.history) {
      // Keep the version current at `revision` (unless it is a tombstone) and everything after.
      let keep = lowerBound(versions, revision, (v) => v.revision, true) - 1
      if (keep >= 0 && !versions[keep].kv) keep++
      if (keep <= 0) continue
      versions.splice(0, keep)
      if (versions.length === 0) {
        this.history.delete(key)
        emptied = true
      }
    }
    if (emptied) this.sortedKeys = this.sortedKeys.filter((key) => this.history.has(key))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.sweeper.stop()
    this.hub.closeAll(new StoreClosedError())
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }

  /** The key's live value, checked against an expected mod revision; throws as update/delete do. */
  private current(key: string, expectedModRevision: number | undefined): KeyValue {
    this.assertOpen()
    const versions = this.history.get(key)
    const kv = versions?.[versions.length - 1].kv
    if (!kv) throw new KeyNotFoundError(key)
    if (expectedModRevision !== undefined && expectedModRevision !== kv.modRevision) {
      throw new ConflictError(key, expectedModRevision, kv.modRevision)
    }
    return kv
  }

  private valueAt(key: string, revision: number): KeyValue | undefined {
    const versions = this.history.get(key)
    if (!versions) return undefined
    const i = lowerBound(versions, revision, (v) => v.revision, true) - 1
    const kv = i >= 0 ? versions[i].kv : undefined
    return kv && { ...kv }
  }

  private append(key: string, version: Version): void {
    let versions = this.history.get(key)
    if (!versions) {
      versions = []
      this.history.set(key, versions)
      this.sortedKeys.splice(keyLowerBound(this.sortedKeys, key), 0, key)
    }
    versions.push(version)
    if (version.expiresAt !== undefined) this.ttlKeys.add(key)
    else this.ttlKeys.delete(key)
  }

  private commit(event: WatchEvent): void {
    this.log.push(event)
    this.hub.publish([event])
  }

  private findExpired(now: number): ExpiredKey[] {
    const expired: ExpiredKey[] = []
    for (const key of this.ttlKeys) {
      const versions = this.history.get(key)
      const latest = versions?.[versions.length - 1]
      if (latest?.kv && latest.expiresAt !== undefined && latest.expiresAt <= now) {
        expired.push({ key, modRevision: latest.kv.modRevision })
      }
    }
    return expired
  }
}

/** Opens an empty in-memory store. */
export async function openMemoryStore(
  options: Pick<StoreOptions, 'ttlSweepIntervalMs'> = {}
): Promise<Store> {
  return new MemoryStore(options)
}
