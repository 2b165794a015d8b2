/**
 * The `events` topic: core/v1 Events as EventRows, filtered on the host by namespace, type and
 * involved object, oldest first (the timeline's order). Also the row mapping the detail panel
 * uses, and the "events per minute" count of the cluster overview.
 */
import type { Event } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'
import type { EventQuery, EventRow, ObjectRef } from '../../../shared/desktop-api'
import type { ListTopic } from './list-subscription'
import { uidOf } from './list-watch'

/** The row of one Event. */
export function toEventRow(obj: KubeObject): EventRow {
  const e = obj as unknown as Event
  const involved: ObjectRef = {
    kind: e.involvedObject?.kind ?? '',
    name: e.involvedObject?.name ?? ''
  }
  if (e.involvedObject?.namespace) involved.namespace = e.involvedObject.namespace
  const firstTime =
    e.firstTimestamp ?? (e.eventTime as string | undefined) ?? obj.metadata.creationTimestamp ?? ''
  const row: EventRow = {
    key: uidOf(obj),
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    involved,
    source: e.source?.component || e.reportingComponent || '',
    count: e.series?.count ?? e.count ?? 1,
    firstTime,
    lastTime: lastTimeOf(e) ?? firstTime
  }
  if (obj.metadata.namespace) row.namespace = obj.metadata.namespace
  return row
}

/** When the event last happened (series, lastTimestamp, eventTime), as the server words it. */
function lastTimeOf(e: Event): string | undefined {
  return (
    (e.series?.lastObservedTime as string | undefined) ??
    e.lastTimestamp ??
    (e.eventTime as string | undefined) ??
    e.firstTimestamp
  )
}

/** Whether an event is about `ref` (namespace only compared when the ref has one). */
export function isAbout(row: EventRow, ref: ObjectRef): boolean {
  return (
    row.involved.kind === ref.kind &&
    row.involved.name === ref.name &&
    (!ref.namespace || row.involved.namespace === ref.namespace)
  )
}

const cache = new WeakMap<KubeObject, EventRow>()

/** The row of one event, computed once per object version. */
export function eventRowOf(obj: KubeObject): EventRow {
  let row = cache.get(obj)
  if (!row) cache.set(obj, (row = toEventRow(obj)))
  return row
}

/** Oldest first, by when they last happened. */
export const byLastTime = (a: EventRow, b: EventRow): number =>
  a.lastTime < b.lastTime ? -1 : a.lastTime > b.lastTime ? 1 : 0

/** The `events` topic for `query`. */
export function eventsTopic(query: EventQuery = {}): ListTopic<EventRow> {
  const { namespace, type, involved } = query ?? {}
  if (type !== undefined && type !== 'Normal' && type !== 'Warning') {
    throw new Error(`unknown event type "${String(type)}" (Normal or Warning)`)
  }
  const filtered = Boolean(namespace || type || involved)
  return {
    map: eventRowOf,
    compare: byLastTime,
    ...(filtered
      ? {
          filter: (obj: KubeObject) => {
            if (namespace && obj.metadata.namespace !== namespace) return false
            const row = eventRowOf(obj)
            return (!type || row.type === type) && (!involved || isAbout(row, involved))
          }
        }
      : {})
  }
}

/** How many events happened in the minute before `now` (by their last time). */
export function eventsInLastMinute(events: Iterable<KubeObject>, now = Date.now()): number {
  const since = now - 60_000
  let count = 0
  for (const obj of events) {
    const t = Date.parse(eventRowOf(obj).lastTime)
    if (t >= since) count++
  }
  return count
}
