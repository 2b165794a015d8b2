/**
 * Writes correlated events to the API server, as client-go's broadcaster does with its
 * EventSink (tools/record/event.go `recordToSink`): the correlator decides; a repeat PATCHes the
 * existing Event (merge patch of count, lastTimestamp, message), and when that Event is gone
 * (expired after --event-ttl, deleted) it is created afresh under the same name with the count
 * so far. Writes about one Event run in order; different Events are written concurrently.
 *
 * Shared by the control plane's recorder and the kubelet's, so it depends on nothing
 * Node-main-only: a client with `create` and `patch`, and a log with `warn`.
 */
import type { Event } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import { EventCorrelator, type CorrelateResult } from './event-correlator'

/** client-go's maxQueuedEvents: events beyond this many unwritten ones are dropped. */
export const MAX_QUEUED_EVENTS = 1000

const EVENT_TYPE = { apiVersion: 'v1', kind: 'Event' } as const

/** A new core/v1 Event as a recorder makes it: count 1, both timestamps now, a fresh name. */
export type NewEvent = Event & { metadata: { name: string; namespace: string } }

/** Where recorders hand their events. */
export interface EventSink {
  /** Correlates `event` and writes (creates or patches) the result; never throws. */
  record(event: NewEvent): void
  /** Resolves once every write started so far has finished (tests, shutdown). */
  flush(): Promise<void>
}

/** What the sink needs. */
export interface EventSinkOptions {
  client: Pick<ApiClient, 'create' | 'patch'>
  log?: { warn(message: string, values?: Record<string, unknown>): void }
  /** Default: a correlator with client-go's defaults. */
  correlator?: EventCorrelator
}

const codeOf = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number'
    ? (err as { code: number }).code
    : undefined

/** A sink writing through `client`. */
export function createEventSink(o: EventSinkOptions): EventSink {
  const correlator = o.correlator ?? new EventCorrelator()
  /** The latest write per Event name: the next write about that Event waits for it. */
  const tails = new Map<string, Promise<void>>()
  const pending = new Set<Promise<void>>()

  const write = async (result: Extract<CorrelateResult, { skip: false }>): Promise<void> => {
    const { event, patch } = result
    const { name, namespace } = event.metadata
    let written: KubeObject | undefined
    if (patch) {
      try {
        written = await o.client.patch(EVENT_TYPE, namespace, name, 'merge', patch)
      } catch (err) {
        if (codeOf(err) !== 404) throw err
      }
    }
    // A first occurrence, or a repeat whose Event has gone (TTL): create it with the count so far.
    written ??= await o.client.create({ apiVersion: 'v1', kind: 'Event', ...event } as KubeObject)
    correlator.updateState(written as unknown as Event)
  }

  return {
    record(event) {
      if (pending.size >= MAX_QUEUED_EVENTS) {
        o.log?.warn('dropping event: too many unwritten', { reason: event.reason })
        return
      }
      const result = correlator.correlate(event)
      if (result.skip) return
      const key = `${result.event.metadata.namespace}/${result.event.metadata.name}`
      const before = tails.get(key) ?? Promise.resolve()
      const p = before
        .then(() => write(result))
        .catch((err: unknown) =>
          o.log?.warn('could not record event', {
            reason: event.reason,
            object: `${namespace(event)}/${event.involvedObject?.name ?? ''}`,
            err: String(err)
          })
        )
      tails.set(key, p)
      pending.add(p)
      void p.finally(() => {
        pending.delete(p)
        if (tails.get(key) === p) tails.delete(key)
      })
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending])
    }
  }
}

const namespace = (e: Event): string => e.involvedObject?.namespace ?? e.metadata?.namespace ?? ''
