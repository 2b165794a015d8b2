/**
 * The `etcd` backend: the Store seam on a real etcd v3 cluster through the `etcd3` client, for
 * clusters that outgrow the embedded sqlite store. Writes are single-key transactions guarded on
 * create/mod revision, exactly as kube-apiserver's etcd3 storage does; TTL keys use shared leases
 * (etcd/lease-manager.ts); watches are etcd watch streams (etcd/etcd-watch.ts).
 */
import { Etcd3, type IRangeRequest, type IRequestOp, type ITxnResponse } from 'etcd3'
import { decodeContinue, encodeContinue, InvalidContinueError, keyAfter } from './continue-token'
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  StoreClosedError
} from './errors'
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
import {
  EtcdKeyCodec,
  headerRevision,
  isCompactedError,
  isFutureRevisionError
} from './etcd/etcd-codec'
import { probeCompactRevision, startEtcdWatch, type EtcdWatchContext } from './etcd/etcd-watch'
import { LeaseManager } from './etcd/lease-manager'

/** How long any single etcd request may take before it fails instead of hanging. */
const REQUEST_TIMEOUT_MS = 30_000
/** How long opening the store waits for etcd to answer at all. */
const CONNECT_TIMEOUT_MS = 5_000

/**
 * Opens the etcd backend on `options.etcdEndpoints`, with every key under `options.etcdPrefix`.
 * Fails with a readable message when no endpoint is given or etcd does not answer.
 */
export async function openEtcdStore(options: StoreOptions): Promise<Store> {
  const endpoints = options.etcdEndpoints ?? []
  if (endpoints.length === 0) {
    throw new Error(
      'the etcd store needs at least one endpoint (etcdEndpoints, e.g. http://127.0.0.1:2379)'
    )
  }
  const client = new Etcd3({
    hosts: endpoints,
    dialTimeout: CONNECT_TIMEOUT_MS,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + REQUEST_TIMEOUT_MS })
  })
  const store = new EtcdStore(client, options.etcdPrefix ?? '')
  try {
    await store.connect()
  } catch (err) {
    client.close()
    throw new Error(`cannot reach etcd at ${endpoints.join(', ')}: ${(err as Error).message}`)
  }
  return store
}

/** The Store on etcd. Revisions are etcd's own, so they are shared with every other etcd client. */
class EtcdStore implements Store {
  readonly backend = 'etcd' as const
  private readonly codec: EtcdKeyCodec
  private readonly leases: LeaseManager
  private readonly watchers = new Set<Watcher>()
  private readonly watchContext: EtcdWatchContext
  private closed = false
  /** The newest revision any response showed us; "watch from now" starts after it. */
  private lastSeenRevision = 0
  /**
   * etcd 3.4 cannot be asked for its compaction point. We remember the highest one we know of:
   * from our own compact() calls, from compacted watches (etcd names the point there) and from
   * probes after a compacted read. It is exact for compactions done through this store; one done
   * by another etcd client shows up here only once a read or watch runs into it.
   */
  private knownCompactRevision = 0

  constructor(
    private readonly client: Etcd3,
    prefix: string
  ) {
    this.codec = new EtcdKeyCodec(prefix)
    this.leases = new LeaseManager(client.leaseClient)
    this.watchContext = {
      watchClient: client.watchClient,
      codec: this.codec,
      observeCompactRevision: (rev) => this.observeCompactRevision(rev),
      release: (watcher) => this.watchers.delete(watcher)
    }
  }

  /** Proves etcd answers, and learns the current revision for "watch from now". */
  async connect(): Promise<void> {
    const res = await this.client.kv.range(this.revisionProbe(), {
      deadline: Date.now() + CONNECT_TIMEOUT_MS
    })
    this.seen(headerRevision(res.header))
  }

  async revision(): Promise<number> {
    this.ensureOpen()
    const res = await this.client.kv.range(this.revisionProbe())
    return this.seen(headerRevision(res.header))
  }

  async compactRevision(): Promise<number> {
    this.ensureOpen()
    return this.knownCompactRevision
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    const res = await this.read({ key: this.codec.encode(key), revision: revision ?? 0 })
    return res.kvs.length > 0 ? this.codec.toKeyValue(res.kvs[0]) : undefined
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    if ((options.key === undefined) === (options.prefix === undefined)) {
      throw new Error('range needs exactly one of key and prefix')
    }
    const request: IRangeRequest = { revision: options.revision ?? 0 }
    if (options.key !== undefined) {
      request.key = this.codec.encode(options.key)
    } else {
      const { key, rangeEnd } = this.codec.prefixRange(options.prefix as string)
      request.key = key
      request.range_end = rangeEnd
    }
    if (options.continue) {
      const next = decodeContinue(options.continue)
      if (options.prefix === undefined || !next.startKey.startsWith(options.prefix)) {
        throw new InvalidContinueError(options.continue)
      }
      request.key = this.codec.encode(next.startKey)
      request.revision = next.revision
    }
    const limit = options.limit ?? 0
    if (limit > 0) request.limit = limit
    const res = await this.read(request)
    // etcd's header carries the current revision; a read at an older one was served at that one.
    const revision = Number(request.revision) || headerRevision(res.header)
    const kvs = res.kvs.map((kv) => this.codec.toKeyValue(kv))
    const result: RangeResult = { kvs, revision }
    if (limit > 0 && res.more && kvs.length > 0) {
      result.continue = encodeContinue({ startKey: keyAfter(kvs[kvs.length - 1].key), revision })
    }
    return result
  }

  async create(key: string, value: string, options: WriteOptions = {}): Promise<KeyValue> {
    const lease = await this.leaseFor(options)
    const res = await this.txn(
      [{ key: this.codec.encode(key), target: 'Create', result: 'Equal', create_revision: 0 }],
      [{ request_put: { key: this.codec.encode(key), value: Buffer.from(value), lease } }],
      []
    )
    if (!res.succeeded) throw new KeyExistsError(key)
    const revision = headerRevision(res.header)
    return { key, value, createRevision: revision, modRevision: revision, version: 1 }
  }

  async update(key: string, value: string, options: GuardedWriteOptions = {}): Promise<KeyValue> {
    const lease = await this.leaseFor(options)
    const etcdKey = this.codec.encode(key)
    const put: IRequestOp = {
      // Without a lease the put detaches the key from any earlier one, so its TTL is cleared.
      request_put: { key: etcdKey, value: Buffer.from(value), lease, prev_kv: true }
    }
    const res = await this.guardedTxn(key, options.expectedModRevision, put)
    const prev = res.responses[0].response_put.prev_kv
    const revision = headerRevision(res.header)
    return {
      key,
      value,
      createRevision: Number(prev?.create_revision ?? revision),
      modRevision: revision,
      version: Number(prev?.version ?? 0) + 1
    }
  }

  async delete(
    key: string,
    options: { expectedModRevision?: number } = {}
  ): Promise<{ prevKv: KeyValue; deleteRevision: number }> {
    const del: IRequestOp = {
      request_delete_range: { key: this.codec.encode(key), prev_kv: true }
    }
    const res = await this.guardedTxn(key, options.expectedModRevision, del)
    const prev = res.responses[0].response_delete_range.prev_kvs[0]
    return { prevKv: this.codec.toKeyValue(prev), deleteRevision: headerRevision(res.header) }
  }

  watch(prefix: string, fromRevision: number | undefined, handlers: WatchHandlers): Watcher {
    if (this.closed) {
      queueMicrotask(() => handlers.onError?.(new StoreClosedError()))
      return { cancel: () => undefined }
    }
    // "From now" cannot be left to etcd: the watch registers asynchronously, so a write made right
    // after watch() returns could land before it. Starting after the newest revision we have seen
    // catches every such write (and possibly a few older ones by other clients, never fewer).
    const start =
      fromRevision !== undefined
        ? fromRevision + 1
        : Math.max(this.lastSeenRevision + 1, this.knownCompactRevision)
    const watcher = startEtcdWatch(
      this.watchContext,
      prefix,
      start,
      fromRevision ?? this.lastSeenRevision,
      handlers
    )
    this.watchers.add(watcher)
    return watcher
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen()
    if (revision <= this.knownCompactRevision) return
    try {
      await this.client.kv.compact({ revision, physical: true })
    } catch (err) {
      if (isFutureRevisionError(err)) {
        throw new FutureRevisionError(revision, await this.revision())
      }
      // Someone compacted further already: the history we wanted gone is gone.
      if (!isCompactedError(err)) throw err
    }
    this.observeCompactRevision(revision)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const watcher of [...this.watchers]) watcher.cancel()
    this.client.close()
  }

  /** A range that answers only a header: one key, which need not exist. */
  private revisionProbe(): IRangeRequest {
    return { key: this.codec.encode('/'), keys_only: true, limit: 1 }
  }

  private async read(request: IRangeRequest) {
    this.ensureOpen()
    const requested = Number(request.revision ?? 0)
    try {
      const res = await this.client.kv.range(request)
      this.seen(headerRevision(res.header))
      return res
    } catch (err) {
      if (isCompactedError(err)) {
        const compacted = await probeCompactRevision(this.watchContext, requested)
        if (compacted !== undefined) this.observeCompactRevision(compacted)
        throw new CompactedError(requested, this.knownCompactRevision)
      }
      if (isFutureRevisionError(err)) {
        throw new FutureRevisionError(requested, await this.revision())
      }
      throw err
    }
  }

  /**
   * A write of an existing key: it must exist and, when `expected` is given, be at that mod
   * revision. The failure branch reads the key to tell KeyNotFound from Conflict.
   */
  private async guardedTxn(
    key: string,
    expected: number | undefined,
    op: IRequestOp
  ): Promise<ITxnResponse> {
    const etcdKey = this.codec.encode(key)
    const res = await this.txn(
      [
        { key: etcdKey, target: 'Create', result: 'Greater', create_revision: 0 },
        ...(expected !== undefined
          ? [
              {
                key: etcdKey,
                target: 'Mod' as const,
                result: 'Equal' as const,
                mod_revision: expected
              }
            ]
          : [])
      ],
      [op],
      [{ request_range: { key: etcdKey } }]
    )
    if (res.succeeded) return res
    const current = res.responses[0].response_range.kvs[0]
    if (!current) throw new KeyNotFoundError(key)
    throw new ConflictError(key, expected ?? 0, Number(current.mod_revision))
  }

  private async txn(
    compare: NonNullable<Parameters<Etcd3['kv']['txn']>[0]['compare']>,
    success: IRequestOp[],
    failure: IRequestOp[]
  ): Promise<ITxnResponse> {
    this.ensureOpen()
    const res = await this.client.kv.txn({ compare, success, failure })
    this.seen(headerRevision(res.header))
    return res
  }

  private async leaseFor(options: WriteOptions): Promise<string | undefined> {
    this.ensureOpen()
    return options.ttlSeconds !== undefined && options.ttlSeconds > 0
      ? this.leases.leaseFor(options.ttlSeconds)
      : undefined
  }

  private seen(revision: number): number {
    if (revision > this.lastSeenRevision) this.lastSeenRevision = revision
    return revision
  }

  private observeCompactRevision(revision: number): void {
    if (revision > this.knownCompactRevision) this.knownCompactRevision = revision
    this.seen(revision)
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }
}
