/**
 * The latest value of every live key, in memory, in key order: reads at the current revision (a
 * `get`, a list without an older revision) are answered from here instead of walking the log's
 * index and its overflow pages. Ten thousand 4 KB pods listed from SQLite take hundreds of
 * milliseconds; from this cache, a few.
 *
 * The store fills it once from the file (lazily, on the first read that can use it) and then
 * updates it in the same synchronous block that commits a batch and advances the revision, so it
 * always holds exactly the state at the store's current revision.
 *
 * Key order must equal SQLite's (UTF-8 bytes). JavaScript's `<` compares UTF-16 code units, which
 * agrees except for keys holding characters outside the Basic Multilingual Plane: the first such
 * key turns the cache off for good and reads go back to SQLite.
 */

import type { KeyValue } from '../types'

/** Characters encoded as surrogate pairs in UTF-16 (their UTF-16 and UTF-8 orders disagree). */
const SURROGATE = /[\ud800-\udfff]/

/** Index of the first key in `sorted` that is >= `key`. */
function lowerBound(sorted: string[], key: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The live keys at the current revision. */
export class LatestCache {
  private readonly byKey = new Map<string, KeyValue>()
  private readonly sorted: string[] = []
  private usable = true

  /** Builds the cache from every live key (in any order); undefined when it cannot be used. */
  static from(kvs: Iterable<KeyValue>): LatestCache | undefined {
    const cache = new LatestCache()
    for (const kv of kvs) {
      if (SURROGATE.test(kv.key)) return undefined
      cache.byKey.set(kv.key, kv)
    }
    // One push per key: spreading a few hundred thousand keys into push() overflows the stack.
    for (const key of cache.byKey.keys()) cache.sorted.push(key)
    cache.sorted.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return cache
  }

  /** False once a key this cache cannot order was written (then drop it). */
  get valid(): boolean {
    return this.usable
  }

  /** Records a write of `kv` (a create or an update). */
  put(kv: KeyValue): void {
    if (SURROGATE.test(kv.key)) {
      this.usable = false
      return
    }
    if (!this.byKey.has(kv.key)) this.sorted.splice(lowerBound(this.sorted, kv.key), 0, kv.key)
    this.byKey.set(kv.key, kv)
  }

  /** Records the deletion of `key`. */
  delete(key: string): void {
    if (!this.byKey.delete(key)) return
    const at = lowerBound(this.sorted, key)
    if (this.sorted[at] === key) this.sorted.splice(at, 1)
  }

  /** The live value of `key` (a copy), or undefined. */
  get(key: string): KeyValue | undefined {
    const kv = this.byKey.get(key)
    return kv && { ...kv }
  }

  /**
   * Keys from `startKey` (inclusive) to `endKey` (exclusive; undefined: no end), at most `limit`
   * of them (-1: all), as copies, in key order.
   */
  range(startKey: string, endKey: string | undefined, limit: number): KeyValue[] {
    const out: KeyValue[] = []
    for (let i = lowerBound(this.sorted, startKey); i < this.sorted.length; i++) {
      if (limit >= 0 && out.length >= limit) break
      const key = this.sorted[i]
      if (endKey !== undefined && key >= endKey) break
      out.push({ ...(this.byKey.get(key) as KeyValue) })
    }
    return out
  }
}
