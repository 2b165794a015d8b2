/**
 * The Store seam: a key-value store with etcd v3 semantics, the only place cluster state lives.
 *
 * Every write takes the next global revision. A key remembers the revision that created it
 * (`createRevision`), the revision of its last change (`modRevision`) and how many times it was
 * written since creation (`version`). Reads can be served at the latest or at an earlier, not yet
 * compacted revision. A watch replays the history after a revision, then streams new changes in
 * strict revision order. Values are UTF-8 strings (the API server stores JSON).
 *
 * Backends: `sqlite` (the embedded default), `memory` (unit tests), `etcd` (a real etcd cluster).
 */

/** The backends a user can choose with `--store`. */
export type StoreBackend = 'sqlite' | 'memory' | 'etcd'

/** One key at one revision. */
export interface KeyValue {
  key: string
  value: string
  /** Revision of the write that created this key (since its last deletion). */
  createRevision: number
  /** Revision of the write that produced this value. */
  modRevision: number
  /** Number of writes since creation; 1 for a newly created key. */
  version: number
}

/** What `range` reads: one key, or every key under a prefix. */
export interface RangeOptions {
  /** Exactly one of `key` and `prefix`. */
  key?: string
  prefix?: string
  /** Read as of this revision (default: the latest). Fails with CompactedError below the compaction point. */
  revision?: number
  /** At most this many keys (0 or undefined: no limit). */
  limit?: number
  /** Continue a previous limited range: the token from `RangeResult.continue`. Implies its revision. */
  continue?: string
}

/** Keys in ascending byte order, read at one revision. */
export interface RangeResult {
  kvs: KeyValue[]
  /** The revision the read was served at. */
  revision: number
  /** Set when `limit` cut the result short: pass it back as `RangeOptions.continue`. */
  continue?: string
}

/** Options for writes. */
export interface WriteOptions {
  /** Delete the key automatically this many seconds after the write (Kubernetes Events: 3600). */
  ttlSeconds?: number
}

/** Options for compare-and-swap writes. */
export interface GuardedWriteOptions extends WriteOptions {
  /** Fail with ConflictError unless the key's current modRevision equals this. */
  expectedModRevision?: number
}

/** One change, as a watcher sees it. */
export interface WatchEvent {
  type: 'put' | 'delete'
  /**
   * For `put`: the key as written. For `delete`: the key, an empty value, and `modRevision` set
   * to the revision of the delete (createRevision and version are 0).
   */
  kv: KeyValue
  /** The value before this change; present on updates and deletes, absent on creation. */
  prevKv?: KeyValue
}

/** Receives a watch's events in batches, strictly ordered by revision, with no gaps or duplicates. */
export type WatchListener = (events: WatchEvent[]) => void

/** A running watch. */
export interface Watcher {
  /** Stops delivery; no events arrive after it returns. */
  cancel(): void
}

/** Callbacks for a watch. */
export interface WatchHandlers {
  onEvents: WatchListener
  /**
   * The watch ended because of an error (CompactedError when `fromRevision` was compacted,
   * or the backend failed). No events follow.
   */
  onError?: (err: Error) => void
}

/** The store interface every backend implements and the shared contract suite checks. */
export interface Store {
  readonly backend: StoreBackend

  /** The latest revision (0 for an empty store that has never been written). */
  revision(): Promise<number>

  /** The revision below which history was discarded (0 if never compacted). */
  compactRevision(): Promise<number>

  /** One key at the latest or a given revision; undefined when absent. */
  get(key: string, revision?: number): Promise<KeyValue | undefined>

  /** Keys by exact key or by prefix, with an optional limit and continuation. */
  range(options: RangeOptions): Promise<RangeResult>

  /** Creates a key; fails with KeyExistsError when it exists. */
  create(key: string, value: string, options?: WriteOptions): Promise<KeyValue>

  /**
   * Replaces an existing key's value; fails with KeyNotFoundError when absent, and with
   * ConflictError when `expectedModRevision` is given and the key has moved on.
   */
  update(key: string, value: string, options?: GuardedWriteOptions): Promise<KeyValue>

  /**
   * Deletes a key and answers its last value, with `modRevision` of that value (the delete's own
   * revision is `deleteRevision`). KeyNotFoundError when absent; ConflictError as for update.
   */
  delete(
    key: string,
    options?: { expectedModRevision?: number }
  ): Promise<{ prevKv: KeyValue; deleteRevision: number }>

  /**
   * Replays every change under `prefix` with revision > `fromRevision`, then streams new ones.
   * Without `fromRevision`, only changes after the call. When `fromRevision` is below the
   * compaction point, `onError` receives a CompactedError (asynchronously) and nothing else.
   */
  watch(prefix: string, fromRevision: number | undefined, handlers: WatchHandlers): Watcher

  /** Discards history before `revision`; reads and watches below it then fail with CompactedError. */
  compact(revision: number): Promise<void>

  /** Stops background work and releases the backend (file handles, connections). */
  close(): Promise<void>
}

/** Background compaction: keep at least this much recent history. */
export interface CompactionOptions {
  /** Keep every revision written in the last this many milliseconds (default 5 minutes). */
  retainMs?: number
  /** Keep at least this many latest revisions (default 10,000). */
  retainRevisions?: number
  /** How often the compactor runs (default 30 seconds). */
  intervalMs?: number
  /** Set false to turn background compaction off (tests). */
  enabled?: boolean
}

/** Everything `openStore` needs to pick and open a backend. */
export interface StoreOptions {
  backend: StoreBackend
  /** sqlite: the data directory; the database file is `<dataDir>/store.db`. */
  dataDir?: string
  /** sqlite: an explicit database file (overrides dataDir). */
  file?: string
  /** etcd: client URLs, e.g. ['http://127.0.0.1:2379']. */
  etcdEndpoints?: string[]
  /** etcd: all keys live under this prefix (default '' — Kubernetes keys already start with /registry). */
  etcdPrefix?: string
  compaction?: CompactionOptions
  /** How often expired TTL keys are swept, ms (sqlite, memory; default 1000). */
  ttlSweepIntervalMs?: number
}
