/**
 * Objects ↔ store keys. An object lives at `/registry/<resource>/<namespace>/<name>` (cluster-scoped:
 * `/registry/<resource>/<name>`) as JSON without its resourceVersion; reading it back sets
 * `metadata.resourceVersion` to the key's mod revision, as kube-apiserver does with etcd.
 * Store failures become the Kubernetes errors clients expect.
 */
import { ApiError, alreadyExists, conflict, expired, notFound } from '../api-errors'
import type { RegistryEntry } from '../registry'
import type { KubeObject } from '../types'
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  InvalidContinueError,
  KeyExistsError,
  KeyNotFoundError,
  type KeyValue,
  type Store,
  type WatchEvent
} from '../../store'

/** The store key of one object. */
export function objectKey(
  entry: RegistryEntry,
  namespace: string | undefined,
  name: string
): string {
  return entry.namespaced
    ? `${entry.storagePrefix}${namespace}/${name}`
    : `${entry.storagePrefix}${name}`
}

/** The prefix holding every object of `entry` (in `namespace` when given). */
export function collectionPrefix(entry: RegistryEntry, namespace?: string): string {
  return entry.namespaced && namespace ? `${entry.storagePrefix}${namespace}/` : entry.storagePrefix
}

/** Parses a stored value and stamps its resourceVersion. */
export function decodeObject(kv: KeyValue, resourceVersion = kv.modRevision): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject
  obj.metadata = { ...obj.metadata, resourceVersion: String(resourceVersion) }
  return obj
}

/**
 * The stored form: the object without its resourceVersion (the store's revision is the truth),
 * with apiVersion, kind and metadata first so `rawObject` can add the resourceVersion without
 * parsing.
 */
export function encodeObject(obj: KubeObject): string {
  const { resourceVersion: _rv, ...metadata } = obj.metadata
  void _rv
  const { apiVersion, kind, metadata: _m, ...rest } = obj
  void _m
  return JSON.stringify({ apiVersion, kind, metadata, ...rest })
}

/**
 * The stored JSON of `kv` with `metadata.resourceVersion` set, spliced into the text rather than
 * parsed and re-serialized: a list of ten thousand objects costs a join, not ten thousand parses.
 */
export function rawObject(kv: KeyValue, resourceVersion = kv.modRevision): string {
  const value = kv.value
  const at = value.indexOf('"metadata":{')
  const head = at >= 0 ? value.slice(0, at) : ''
  // Only the layout encodeObject writes: apiVersion and kind (plain strings) before metadata.
  if (at < 0 || !/^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*",$/.test(head)) {
    return JSON.stringify(decodeObject(kv, resourceVersion))
  }
  const open = at + '"metadata":{'.length
  const rv = `"resourceVersion":"${resourceVersion}"`
  return value.slice(0, open) + rv + (value[open] === '}' ? '' : ',') + value.slice(open)
}

// The stored key-value of objects this module just wrote (see writtenJson). The text is built on
// demand: in-process clients (scheduler, controllers) never ask for it, and building it for every
// write cost a copy of the object's JSON each time.
const kvOfWritten = new WeakMap<object, KeyValue>()

/**
 * The JSON text of an object `ObjectStorage.create` or `update` answered, built from the text
 * already encoded for the store, so answering a write does not serialize the object a second
 * time; undefined for any other object. The object must not have been changed since.
 */
export function writtenJson(obj: unknown): string | undefined {
  const kv = typeof obj === 'object' && obj !== null ? kvOfWritten.get(obj) : undefined
  return kv && rawObject(kv)
}

/** The object just written, stamped with its new resourceVersion (no need to parse it back). */
function withVersion(obj: KubeObject, kv: KeyValue): KubeObject {
  const written = {
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: String(kv.modRevision) }
  }
  kvOfWritten.set(written, kv)
  return written
}

// How many objects findShared keeps (namespaces: a cluster has far fewer).
const MAX_SHARED = 1000

/** A watch event with decoded objects. */
export interface ObjectEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  object: KubeObject
  /** The object before the change (MODIFIED, DELETED). */
  old?: KubeObject
  revision: number
}

/** What a list read: one page of objects at one revision. */
export interface ObjectPage {
  items: KubeObject[]
  revision: number
  continue?: string
}

/** Turns a store failure into the API error a client should see. */
export function storeErrorToApi(err: unknown, entry: RegistryEntry, name: string): unknown {
  if (err instanceof KeyExistsError) return alreadyExists(entry.plural, entry.group, name)
  if (err instanceof KeyNotFoundError) return notFound(entry.plural, entry.group, name)
  if (err instanceof ConflictError) return conflict(entry.plural, entry.group, name)
  if (err instanceof CompactedError) {
    return expired(
      `The resourceVersion for the provided watch is too old: ${err.requestedRevision} is older than ${err.compactRevision}`
    )
  }
  if (err instanceof InvalidContinueError) {
    return new ApiError(400, 'BadRequest', 'continue key is not valid: ' + err.message)
  }
  if (err instanceof FutureRevisionError) {
    return new ApiError(
      504,
      'Timeout',
      `Too large resource version: ${err.requestedRevision}, current: ${err.currentRevision}`,
      {
        causes: [
          { reason: 'ResourceVersionTooLarge', message: 'Too large resource version', field: '' }
        ],
        retryAfterSeconds: 1
      }
    )
  }
  return err
}

function listError(err: unknown, entry: RegistryEntry, continuing: boolean): unknown {
  if (err instanceof CompactedError && continuing) {
    return expired(
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
    )
  }
  if (err instanceof CompactedError)
    return expired('The resourceVersion for the provided list is too old.')
  return storeErrorToApi(err, entry, '')
}

/** Typed access to objects of every registry entry in one store. */
export class ObjectStorage {
  // findShared's decoded objects by key, with the revision they were decoded at.
  private readonly shared = new Map<string, { modRevision: number; object: KubeObject }>()

  /**
   * `eventTtlSeconds` (kube-apiserver's `--event-ttl`) replaces the registry's TTL of the kinds
   * that expire (Events, both APIs); each write of such an object starts its TTL afresh.
   */
  constructor(
    readonly store: Store,
    private readonly eventTtlSeconds?: number
  ) {}

  private ttlOf(entry: RegistryEntry): { ttlSeconds?: number } {
    if (!entry.ttlSeconds) return {}
    return { ttlSeconds: this.eventTtlSeconds ?? entry.ttlSeconds }
  }

  /** One object; 404 NotFound when absent. */
  async get(
    entry: RegistryEntry,
    namespace: string | undefined,
    name: string
  ): Promise<KubeObject> {
    return decodeObject(await this.getKv(entry, namespace, name))
  }

  /** One object as JSON text (see rawObject: nothing is parsed); 404 NotFound when absent. */
  async getJson(
    entry: RegistryEntry,
    namespace: string | undefined,
    name: string
  ): Promise<string> {
    return rawObject(await this.getKv(entry, namespace, name))
  }

  /** The stored key-value of one object; 404 NotFound when absent. */
  private async getKv(
    entry: RegistryEntry,
    namespace: string | undefined,
    name: string
  ): Promise<KeyValue> {
    const kv = await this.store.get(objectKey(entry, namespace, name)).catch((err) => {
      throw storeErrorToApi(err, entry, name)
    })
    if (!kv) throw notFound(entry.plural, entry.group, name)
    return kv
  }

  /** One object, or undefined when absent. */
  async find(
    entry: RegistryEntry,
    namespace: string | undefined,
    name: string
  ): Promise<KubeObject | undefined> {
    const kv = await this.store.get(objectKey(entry, namespace, name))
    return kv && decodeObject(kv)
  }

  /**
   * Like find, for objects read far more often than they change (the namespace of every create):
   * the decoded object is kept and reused while the stored revision stays the same. The answer is
   * shared with other callers, so it must not be modified.
   */
  async findShared(
    entry: RegistryEntry,
    namespace: string | undefined,
    name: string
  ): Promise<Readonly<KubeObject> | undefined> {
    const key = objectKey(entry, namespace, name)
    const kv = await this.store.get(key)
    if (!kv) {
      this.shared.delete(key)
      return undefined
    }
    const kept = this.shared.get(key)
    if (kept && kept.modRevision === kv.modRevision) return kept.object
    const object = decodeObject(kv)
    if (this.shared.size >= MAX_SHARED) this.shared.clear()
    this.shared.set(key, { modRevision: kv.modRevision, object })
    return object
  }

  /**
   * A page of objects that pass `filter`. With a limit, reads store pages until `limit` objects
   * passed or the collection ended, so selectors do not shrink pages (as kube-apiserver does).
   */
  async list(
    entry: RegistryEntry,
    namespace: string | undefined,
    opts: {
      limit?: number
      continue?: string
      revision?: number
      filter?: (o: KubeObject) => boolean
    }
  ): Promise<ObjectPage> {
    const prefix = collectionPrefix(entry, namespace)
    const items: KubeObject[] = []
    let token = opts.continue
    let revision = opts.revision
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0
    try {
      for (;;) {
        const page = await this.store.range({
          prefix,
          limit: limit ? limit - items.length : undefined,
          ...(token ? { continue: token } : revision ? { revision } : {})
        })
        revision = page.revision
        for (const kv of page.kvs) {
          const obj = decodeObject(kv)
          if (!opts.filter || opts.filter(obj)) items.push(obj)
        }
        token = page.continue
        if (!token || !limit || items.length >= limit) break
      }
    } catch (err) {
      throw listError(err, entry, !!opts.continue)
    }
    return { items, revision: revision ?? 0, ...(token ? { continue: token } : {}) }
  }

  /** A page of objects as JSON text (no selectors: nothing needs parsing). */
  async listRaw(
    entry: RegistryEntry,
    namespace: string | undefined,
    opts: { limit?: number; continue?: string; revision?: number }
  ): Promise<{ items: string[]; revision: number; continue?: string }> {
    try {
      const page = await this.store.range({
        prefix: collectionPrefix(entry, namespace),
        limit: opts.limit && opts.limit > 0 ? opts.limit : undefined,
        ...(opts.continue
          ? { continue: opts.continue }
          : opts.revision
            ? { revision: opts.revision }
            : {})
      })
      return {
        items: page.kvs.map((kv) => rawObject(kv)),
        revision: page.revision,
        ...(page.continue ? { continue: page.continue } : {})
      }
    } catch (err) {
      throw listError(err, entry, !!opts.continue)
    }
  }

  /** True when no object of any of `entries` lives in `namespace`. */
  async namespaceIsEmpty(entries: readonly RegistryEntry[], namespace: string): Promise<boolean> {
    for (const entry of entries) {
      if (!entry.namespaced) continue
      const page = await this.store.range({ prefix: collectionPrefix(entry, namespace), limit: 1 })
      if (page.kvs.length > 0) return false
    }
    return true
  }

  /** Stores a new object; 409 AlreadyExists when its key is taken. */
  async create(entry: RegistryEntry, obj: KubeObject): Promise<KubeObject> {
    const name = obj.metadata.name ?? ''
    try {
      const kv = await this.store.create(
        objectKey(entry, obj.metadata.namespace, name),
        encodeObject(obj),
        this.ttlOf(entry)
      )
      return withVersion(obj, kv)
    } catch (err) {
      throw storeErrorToApi(err, entry, name)
    }
  }

  /** Replaces an object if it is still at `expectedRevision`; 409 Conflict otherwise. */
  async update(
    entry: RegistryEntry,
    obj: KubeObject,
    expectedRevision: number
  ): Promise<KubeObject> {
    const name = obj.metadata.name ?? ''
    try {
      const kv = await this.store.update(
        objectKey(entry, obj.metadata.namespace, name),
        encodeObject(obj),
        {
          ...this.ttlOf(entry),
          expectedModRevision: expectedRevision
        }
      )
      return withVersion(obj, kv)
    } catch (err) {
      throw storeErrorToApi(err, entry, name)
    }
  }

  /** Removes an object if still at `expectedRevision`; answers it with the delete's revision. */
  async delete(
    entry: RegistryEntry,
    obj: KubeObject,
    expectedRevision: number
  ): Promise<KubeObject> {
    const name = obj.metadata.name ?? ''
    try {
      const { prevKv, deleteRevision } = await this.store.delete(
        objectKey(entry, obj.metadata.namespace, name),
        {
          expectedModRevision: expectedRevision
        }
      )
      return decodeObject(prevKv, deleteRevision)
    } catch (err) {
      throw storeErrorToApi(err, entry, name)
    }
  }

  /** Watches a collection; events carry decoded objects (a deletion's resourceVersion is its revision). */
  watch(
    entry: RegistryEntry,
    namespace: string | undefined,
    fromRevision: number | undefined,
    onEvents: (events: ObjectEvent[]) => void,
    onError: (err: unknown) => void
  ): { cancel(): void } {
    return this.store.watch(collectionPrefix(entry, namespace), fromRevision, {
      onEvents: (events) => onEvents(events.map(toObjectEvent)),
      onError: (err) => onError(storeErrorToApi(err, entry, ''))
    })
  }
}

// The store hands every watcher of a prefix the same event objects; decoding each once and sharing
// the result keeps hundreds of watchers cheap. Consumers must treat watched objects as read-only.
const decodedEvents = new WeakMap<WatchEvent, ObjectEvent>()

function toObjectEvent(e: WatchEvent): ObjectEvent {
  let decoded = decodedEvents.get(e)
  if (!decoded) {
    decoded = decodeEvent(e)
    decodedEvents.set(e, decoded)
  }
  return decoded
}

// Where each decoded watch object came from, so its JSON can be the stored text (storedJson).
const storedOf = new WeakMap<object, { kv: KeyValue; resourceVersion: number }>()

/**
 * The JSON text of an object a watch event carries, spliced from the stored text (see rawObject)
 * rather than serialized; undefined for any other object. Watched objects are read-only, so the
 * text is the object's.
 */
export function storedJson(obj: unknown): string | undefined {
  const source = typeof obj === 'object' && obj !== null ? storedOf.get(obj) : undefined
  return source && rawObject(source.kv, source.resourceVersion)
}

function decodeStored(kv: KeyValue, resourceVersion = kv.modRevision): KubeObject {
  const obj = decodeObject(kv, resourceVersion)
  storedOf.set(obj, { kv, resourceVersion })
  return obj
}

function decodeEvent(e: WatchEvent): ObjectEvent {
  const revision = e.kv.modRevision
  if (e.type === 'delete') {
    const prev = e.prevKv as KeyValue
    return withOld({ type: 'DELETED', object: decodeStored(prev, revision), revision }, prev)
  }
  const object = decodeStored(e.kv)
  if (!e.prevKv) return { type: 'ADDED', object, revision }
  return withOld({ type: 'MODIFIED', object, revision }, e.prevKv)
}

/**
 * `old`, decoded on first read: only watches with a selector look at it (to turn a change into
 * ADDED or DELETED for them), and most events are never asked.
 */
function withOld(event: ObjectEvent, prevKv: KeyValue): ObjectEvent {
  let old: KubeObject | undefined
  Object.defineProperty(event, 'old', {
    enumerable: true,
    get: () => (old ??= decodeObject(prevKv))
  })
  return event
}
