/**
 * The store factory: `openStore` opens the backend a user chose (sqlite, memory or etcd) and runs
 * background compaction on it. The rest of the app imports the store from here only.
 */

import { Compactor } from './compactor'
import { openEtcdStore } from './etcd-store'
import { openMemoryStore } from './memory-store'
import { openSqliteStore } from './sqlite-store'
import type {
  GuardedWriteOptions,
  KeyValue,
  RangeOptions,
  RangeResult,
  Store,
  StoreOptions,
  WatchHandlers,
  Watcher,
  WriteOptions
} from './types'

export * from './types'
export * from './errors'
export { InvalidContinueError } from './continue-token'
export { Compactor, DEFAULT_COMPACTION } from './compactor'

/** A store with its background compactor: closing it stops the compactor first. */
class CompactedStore implements Store {
  readonly backend: Store['backend']

  constructor(
    private readonly inner: Store,
    private readonly compactor: Compactor
  ) {
    this.backend = inner.backend
  }

  revision(): Promise<number> {
    return this.inner.revision()
  }
  compactRevision(): Promise<number> {
    return this.inner.compactRevision()
  }
  get(key: string, revision?: number): Promise<KeyValue | undefined> {
    return this.inner.get(key, revision)
  }
  range(options: RangeOptions): Promise<RangeResult> {
    return this.inner.range(options)
  }
  create(key: string, value: string, options?: WriteOptions): Promise<KeyValue> {
    return this.inner.create(key, value, options)
  }
  update(key: string, value: string, options?: GuardedWriteOptions): Promise<KeyValue> {
    return this.inner.update(key, value, options)
  }
  delete(
    key: string,
    options?: { expectedModRevision?: number }
  ): Promise<{ prevKv: KeyValue; deleteRevision: number }> {
    return this.inner.delete(key, options)
  }
  watch(prefix: string, fromRevision: number | undefined, handlers: WatchHandlers): Watcher {
    return this.inner.watch(prefix, fromRevision, handlers)
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision)
  }
  async close(): Promise<void> {
    await this.compactor.stop()
    await this.inner.close()
  }
}

async function openBackend(options: StoreOptions): Promise<Store> {
  switch (options.backend) {
    case 'sqlite':
      return openSqliteStore(options)
    case 'memory':
      return openMemoryStore(options)
    case 'etcd':
      return openEtcdStore(options)
    default:
      throw new Error(
        `unknown store backend ${JSON.stringify(options.backend)} (expected sqlite, memory or etcd)`
      )
  }
}

/**
 * Opens the chosen backend. Unless `compaction.enabled` is false, a background Compactor keeps
 * recent history and discards the rest; `close()` stops it before closing the backend.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = await openBackend(options)
  if (options.compaction?.enabled === false) return store
  const compactor = new Compactor(store, options.compaction)
  compactor.start()
  return new CompactedStore(store, compactor)
}
