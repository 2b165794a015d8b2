/**
 * The event table, for core/v1 and events.k8s.io/v1 Events alike: LAST SEEN TYPE REASON OBJECT
 * MESSAGE, and with `-o wide` SUBOBJECT SOURCE FIRST SEEN COUNT NAME. events.k8s.io objects are
 * read through their core/v1 equivalents (`regarding` is `involvedObject`, `note` is `message` …),
 * as kube-apiserver converts them before printing.
 */
import { parseTime, record, since, str, int } from './format'
import { column, nameDescription, type TablePrinter } from './table'
import type { KubeObject } from '../types'

type Json = Record<string, unknown>

/** The core/v1 view of an event, whichever API group stored it. */
interface EventView {
  involvedObject: Json
  source: Json
  message: string
  firstTimestamp: unknown
  lastTimestamp: unknown
  eventTime: unknown
  count: number
  series?: Json
  reportingController: string
  reportingInstance: string
  type: string
  reason: string
}

function coreView(event: Json): EventView {
  return {
    involvedObject: record(event.involvedObject),
    source: record(event.source),
    message: str(event.message),
    firstTimestamp: event.firstTimestamp,
    lastTimestamp: event.lastTimestamp,
    eventTime: event.eventTime,
    count: int(event.count),
    series: event.series === undefined ? undefined : record(event.series),
    reportingController: str(event.reportingComponent),
    reportingInstance: str(event.reportingInstance),
    type: str(event.type),
    reason: str(event.reason)
  }
}

function eventsV1View(event: Json): EventView {
  return {
    involvedObject: record(event.regarding),
    source: record(event.deprecatedSource),
    message: str(event.note),
    firstTimestamp: event.deprecatedFirstTimestamp,
    lastTimestamp: event.deprecatedLastTimestamp,
    eventTime: event.eventTime,
    count: int(event.deprecatedCount),
    series: event.series === undefined ? undefined : record(event.series),
    reportingController: str(event.reportingController),
    reportingInstance: str(event.reportingInstance),
    type: str(event.type),
    reason: str(event.reason)
  }
}

/** `component, host`, falling back to the reporting controller and instance (`formatEventSource`). */
function formatSource(view: EventView): string {
  const component = str(view.source.component) || view.reportingController
  const instance = str(view.source.host) || view.reportingInstance
  return instance === '' ? component : `${component}, ${instance}`
}

function eventRow(view: EventView, obj: KubeObject, now: Date): unknown[] {
  const firstSeen =
    parseTime(view.firstTimestamp) !== undefined
      ? since(view.firstTimestamp, now)
      : since(view.eventTime, now)
  let lastSeen =
    parseTime(view.lastTimestamp) !== undefined ? since(view.lastTimestamp, now) : firstSeen
  let count = view.count
  if (view.series) {
    lastSeen = since(view.series.lastObservedTime, now)
    count = int(view.series.count)
  } else if (count === 0) {
    // Singleton events of the new API carry no count.
    count = 1
  }
  const kind = str(view.involvedObject.kind).toLowerCase()
  const name = str(view.involvedObject.name)
  return [
    lastSeen,
    view.type,
    view.reason,
    name.length > 0 ? `${kind}/${name}` : kind,
    str(view.involvedObject.fieldPath),
    formatSource(view),
    view.message.trim(),
    firstSeen,
    count,
    str(obj.metadata?.name)
  ]
}

const eventColumns = [
  column(
    'Last Seen',
    'string',
    'The time at which the most recent occurrence of this event was recorded.'
  ),
  column(
    'Type',
    'string',
    'Type of this event (Normal, Warning), new types could be added in the future'
  ),
  column(
    'Reason',
    'string',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."
  ),
  column('Object', 'string', 'The object that this event is about.'),
  column(
    'Subobject',
    'string',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
    { wide: true }
  ),
  column(
    'Source',
    'string',
    'The component reporting this event. Should be a short machine understandable string.',
    { wide: true }
  ),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column(
    'First Seen',
    'string',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    { wide: true }
  ),
  column('Count', 'string', 'The number of times this event has occurred.', { wide: true }),
  column('Name', 'string', nameDescription, { wide: true, format: 'name' })
]

/** core/v1 Events. */
export const eventPrinter: TablePrinter = {
  columns: eventColumns,
  row: (obj, now) => ({ cells: eventRow(coreView(obj as unknown as Json), obj, now) })
}

/** events.k8s.io/v1 Events: same table, read through the core/v1 field names. */
export const eventsV1Printer: TablePrinter = {
  columns: eventColumns,
  row: (obj, now) => ({ cells: eventRow(eventsV1View(obj as unknown as Json), obj, now) })
}
