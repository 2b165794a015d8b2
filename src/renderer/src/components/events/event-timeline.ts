/**
 * The Events view's pure parts: the filters as an EventQuery (the host filters by namespace and
 * type), the text filter the renderer applies, newest-first order, and each row's age.
 */
import type { EventQuery, EventRow } from '../../../../shared/desktop-api'
import { formatDuration } from '../../utils/format'

/** What the filter bar holds; '' means "all". */
export interface EventFilters {
  namespace: string
  type: '' | 'Normal' | 'Warning'
  text: string
}

/** The subscription's parameters for the filters (empty ones left out). */
export function eventQuery(filters: Pick<EventFilters, 'namespace' | 'type'>): EventQuery {
  const query: EventQuery = {}
  if (filters.namespace) query.namespace = filters.namespace
  if (filters.type) query.type = filters.type
  return query
}

/** Whether the row mentions `text` (case-insensitive) in its reason, object, message or source. */
export function matchesText(row: EventRow, text: string): boolean {
  const needle = text.trim().toLowerCase()
  if (!needle) return true
  const { involved } = row
  return [
    row.reason,
    row.message,
    row.source,
    involved.kind,
    involved.name,
    involved.namespace ?? ''
  ].some((field) => field.toLowerCase().includes(needle))
}

function timeOf(row: EventRow): number {
  const t = Date.parse(row.lastTime || row.firstTime)
  return Number.isNaN(t) ? 0 : t
}

/** The rows passing the text filter, newest (by last occurrence) first. */
export function timeline(rows: readonly EventRow[], text: string): EventRow[] {
  return rows.filter((row) => matchesText(row, text)).sort((a, b) => timeOf(b) - timeOf(a))
}

/** How long ago the event last happened: "12s", "5m 3s", "2h 10m"; "" without a time. */
export function eventAge(row: EventRow, now: number): string {
  const t = timeOf(row)
  return t ? formatDuration(Math.max(0, now - t)) : ''
}

/** The namespaces to offer: the listed ones plus any seen in events, sorted. */
export function namespaceChoices(listed: readonly string[], rows: readonly EventRow[]): string[] {
  const all = new Set(listed)
  for (const row of rows) if (row.namespace) all.add(row.namespace)
  return [...all].sort()
}
