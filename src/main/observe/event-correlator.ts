/**
 * What an event recorder does with an event before it reaches the API server, as client-go's
 * EventCorrelator (tools/record/events_cache.go) does for every Kubernetes component:
 *
 * - aggregation: events that differ only in their message (same source, object, type, reason,
 *   reporting controller and instance) are "similar"; from the 10th distinct message within
 *   10 minutes on, they are recorded as one event whose message reads
 *   `(combined from similar events): <latest message>`;
 * - counting: an event identical to one recorded before becomes a PATCH of that Event's
 *   `count` (+1), `lastTimestamp` and `message` instead of a new object;
 * - spam filter: a token bucket per source + object (burst 25, one token back every 5 minutes);
 *   an event finding no token is dropped, so a pod that is always unhealthy cannot flood etcd.
 *
 * Pure and synchronous with an injectable clock: the control plane (src/main/observe/
 * event-recorder.ts) and the kubelet (src/agent/kubelet/events.ts) share it through
 * event-sink.ts, and tests drive it with a fake clock.
 */
import type { Event } from 'kubernetes-types/core/v1'

/** client-go's maxLruCacheEntries: each cache forgets its least recently used keys beyond this. */
export const MAX_LRU_CACHE_ENTRIES = 4096
/** Distinct messages of similar events, within the interval, that switch to one aggregate. */
export const DEFAULT_AGGREGATE_MAX_EVENTS = 10
/** How long a group of similar events is remembered after its latest one. */
export const DEFAULT_AGGREGATE_INTERVAL_SECONDS = 600
/** Events a source may send about one object at once. */
export const DEFAULT_SPAM_BURST = 25
/** Refill of that budget: one event every 5 minutes. */
export const DEFAULT_SPAM_QPS = 1 / 300
/** The aggregate event's message prefix (EventAggregatorByReasonMessageFunc). */
export const AGGREGATE_MESSAGE_PREFIX = '(combined from similar events): '

/** Tuning of a correlator; every field has client-go's default. */
export interface CorrelatorOptions {
  now?: () => Date
  lruCacheSize?: number
  burst?: number
  qps?: number
  maxEvents?: number
  maxIntervalSeconds?: number
}

/** The fields a PATCH of an existing Event changes (a JSON merge patch). */
export interface EventPatch {
  count: number
  lastTimestamp: string
  message: string
}

/** What to do with an event: drop it (`skip`), create `event`, or apply `patch` to it. */
export type CorrelateResult =
  | { skip: true }
  | {
      skip: false
      event: Event & { metadata: { name: string; namespace: string } }
      patch?: EventPatch
    }

/** A least-recently-used map (groupcache's lru.Cache). */
class LruCache<V> {
  private readonly entries = new Map<string, V>()
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key)
    if (value !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  add(key: string, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!)
  }
}

/** A token bucket (flowcontrol.NewTokenBucketRateLimiter): starts full. */
interface TokenBucket {
  tokens: number
  at: number
}

interface AggregateRecord {
  /** Distinct messages seen in the group (insertion-ordered, so "drop any" drops the oldest). */
  localKeys: Set<string>
  lastTimestamp: number
}

interface EventLog {
  count: number
  firstTimestamp: string
  name: string
}

/** Kubernetes timestamps are RFC 3339 with whole seconds. */
export function eventTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, 'Z')
}

let sequence = 0

/**
 * A new event's name, `<object>.<UnixNano in hex>` as client-go names them; a counter in the
 * nanoseconds keeps names made within the same millisecond apart.
 */
export function eventName(objectName: string, at: Date): string {
  const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(sequence++ % 1_000_000)
  return `${objectName}.${nanos.toString(16)}`
}

const join = (parts: (string | undefined)[]): string => parts.map((p) => p ?? '').join('\u0000')

/** getEventKey: identical events share it (source, object incl. fieldPath, type, reason, message). */
export function eventKey(e: Event): string {
  const o = e.involvedObject ?? {}
  return join([
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.fieldPath,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.message
  ])
}

/** getSpamKey: the source and the object (without fieldPath). */
export function spamKey(e: Event): string {
  const o = e.involvedObject ?? {}
  return join([
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion
  ])
}

/** EventAggregatorByReasonFunc: similar events share the first key; the message tells them apart. */
export function aggregateKey(e: Event): string {
  const o = e.involvedObject ?? {}
  return join([
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.reportingComponent,
    e.reportingInstance
  ])
}

/** Filters, aggregates and counts events (one per recorder, as one per EventBroadcaster). */
export class EventCorrelator {
  private readonly now: () => Date
  private readonly burst: number
  private readonly qps: number
  private readonly maxEvents: number
  private readonly maxIntervalMs: number
  private readonly spam: LruCache<TokenBucket>
  private readonly aggregates: LruCache<AggregateRecord>
  private readonly logs: LruCache<EventLog>

  constructor(o: CorrelatorOptions = {}) {
    const size = o.lruCacheSize ?? MAX_LRU_CACHE_ENTRIES
    this.now = o.now ?? (() => new Date())
    this.burst = o.burst ?? DEFAULT_SPAM_BURST
    this.qps = o.qps ?? DEFAULT_SPAM_QPS
    this.maxEvents = o.maxEvents ?? DEFAULT_AGGREGATE_MAX_EVENTS
    this.maxIntervalMs = (o.maxIntervalSeconds ?? DEFAULT_AGGREGATE_INTERVAL_SECONDS) * 1000
    this.spam = new LruCache(size)
    this.aggregates = new LruCache(size)
    this.logs = new LruCache(size)
  }

  /** EventCorrelate: what to write for `event` (a new Event with count 1 and a fresh name). */
  correlate(event: Event & { metadata: { name: string; namespace: string } }): CorrelateResult {
    const now = this.now()
    const { event: aggregated, key } = this.aggregate(event, now)
    const observed = this.observe(aggregated, key, now)
    // The spam filter runs last and counts PATCHes too: a repeating event is capped like any other.
    if (!this.takeToken(spamKey(observed.event), now.getTime())) return { skip: true }
    return { skip: false, ...observed }
  }

  /** UpdateState: remembers what the server answered, so the next repeat patches that Event. */
  updateState(event: Event): void {
    const key = eventKey(event)
    const known = this.logs.get(key)
    const count = event.count ?? 1
    // Writes of different events run concurrently: an older answer must not lower the count.
    if (known && known.name === event.metadata?.name && known.count > count) return
    this.logs.add(key, {
      count,
      firstTimestamp: event.firstTimestamp ?? '',
      name: event.metadata?.name ?? ''
    })
  }

  /** EventAggregate: the event itself, or (past the limit) the group's aggregate event. */
  private aggregate<E extends Event & { metadata: { name: string; namespace: string } }>(
    event: E,
    now: Date
  ): { event: E; key: string } {
    const groupKey = aggregateKey(event)
    let record = this.aggregates.get(groupKey)
    if (!record || now.getTime() - record.lastTimestamp > this.maxIntervalMs) {
      record = { localKeys: new Set(), lastTimestamp: 0 }
    }
    record.localKeys.add(event.message ?? '')
    record.lastTimestamp = now.getTime()
    this.aggregates.add(groupKey, record)
    if (record.localKeys.size < this.maxEvents) return { event, key: eventKey(event) }

    // Keep the set at the limit, so every further distinct message lands on the aggregate.
    record.localKeys.delete(record.localKeys.values().next().value!)
    const stamp = eventTimestamp(now)
    const combined: E = {
      ...event,
      metadata: {
        name: eventName(event.involvedObject?.name ?? '', now),
        namespace: event.metadata.namespace
      },
      message: AGGREGATE_MESSAGE_PREFIX + (event.message ?? ''),
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp
    }
    return { event: combined, key: groupKey }
  }

  /** eventObserve: a repeat takes the earlier Event's name and first timestamp, with count + 1. */
  private observe<E extends Event & { metadata: { name: string; namespace: string } }>(
    event: E,
    key: string,
    now: Date
  ): { event: E; patch?: EventPatch } {
    const last = this.logs.get(key)
    let observed = event
    let patch: EventPatch | undefined
    if (last && last.count > 0) {
      observed = {
        ...event,
        metadata: { ...event.metadata, name: last.name },
        firstTimestamp: last.firstTimestamp,
        count: last.count + 1
      }
      patch = {
        count: last.count + 1,
        lastTimestamp: observed.lastTimestamp ?? eventTimestamp(now),
        message: observed.message ?? ''
      }
    }
    this.logs.add(key, {
      count: observed.count ?? 1,
      firstTimestamp: observed.firstTimestamp ?? '',
      name: observed.metadata.name
    })
    return patch ? { event: observed, patch } : { event: observed }
  }

  /** TryAccept on the source + object's bucket. */
  private takeToken(key: string, nowMs: number): boolean {
    const bucket = this.spam.get(key) ?? { tokens: this.burst, at: nowMs }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.qps)
    bucket.at = nowMs
    const accepted = bucket.tokens >= 1
    if (accepted) bucket.tokens -= 1
    this.spam.add(key, bucket)
    return accepted
  }
}
