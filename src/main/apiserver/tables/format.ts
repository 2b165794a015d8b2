/**
 * Cell formatting shared by the table printers: ages as `kubectl get` shows them
 * (apimachinery `duration.HumanDuration`), label maps, container lists, and small readers for
 * the loosely typed JSON of stored objects.
 */

/**
 * A duration in milliseconds as Kubernetes prints ages: `45s`, `3m2s`, `10m`, `5h3m`, `20h`,
 * `3d4h`, `30d`, `2y40d`, `9y`. About two significant figures; up to 2 s in the future reads as
 * `0s` (clock skew), further is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 60 * 2) return `${seconds}s`
  const minutes = Math.trunc(seconds / 60)
  if (minutes < 10) {
    const s = seconds % 60
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`
  }
  if (minutes < 60 * 3) return `${minutes}m`
  const hours = Math.trunc(minutes / 60)
  if (hours < 8) {
    const m = minutes % 60
    return m === 0 ? `${hours}h` : `${hours}h${m}m`
  }
  if (hours < 48) return `${hours}h`
  const days = Math.trunc(hours / 24)
  if (hours < 24 * 8) {
    const h = hours % 24
    return h === 0 ? `${days}d` : `${days}d${h}h`
  }
  if (hours < 24 * 365 * 2) return `${days}d`
  const years = Math.trunc(days / 365)
  if (hours < 24 * 365 * 8) {
    const d = days % 365
    return d === 0 ? `${years}y` : `${years}y${d}d`
  }
  return `${years}y`
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; undefined when absent or unreadable. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/** Time since `timestamp` (`translateTimestampSince`): `<unknown>` when there is none. */
export function since(timestamp: unknown, now: Date): string {
  const ms = parseTime(timestamp)
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms)
}

/** `labels.FormatLabels`: `a=1,b=2` sorted by key, `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  const entries = Object.entries(record(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (entries.length === 0) return '<none>'
  return entries.map(([k, v]) => `${k}=${str(v)}`).join(',')
}

/** Container names and images, each comma-joined (`layoutContainerCells`). */
export function containerCells(containers: unknown): [names: string, images: string] {
  const list = array(containers).map(record)
  return [list.map((c) => str(c.name)).join(','), list.map((c) => str(c.image)).join(',')]
}

/** `first,second,third + 2 more...` past `max` items; `<unset>` for none (`listWithMoreString`). */
export function listWithMore(items: string[], max = 3): string {
  if (items.length === 0) return '<unset>'
  const shown = items.slice(0, max).join(',')
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown
}

/** A JSON object, or an empty one for anything else. */
export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

/** A JSON array, or an empty one for anything else. */
export function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

/** A string field, `''` when absent. */
export function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value)
}

/** An integer field, `fallback` when absent. */
export function int(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : fallback
}
