/**
 * What a log pane shows of its buffer: the level filter (all / warning and up / errors), the
 * search (case-insensitive substring), and the search's highlighted pieces of a line.
 */
import type { LogLine, LogLineLevel } from '../../../../shared/desktop-api'

/** The Level select's choices. */
export type LevelFilter = 'all' | 'warning' | 'error'

export const LEVEL_FILTERS: { value: LevelFilter; label: string }[] = [
  { value: 'all', label: 'All levels' },
  { value: 'warning', label: 'Warnings and errors' },
  { value: 'error', label: 'Errors' }
]

const RANK: Record<LogLineLevel, number> = { info: 0, warning: 1, error: 2 }

/** Whether a line passes the level filter; a line that says no level passes only "all". */
export function passesLevel(line: LogLine, filter: LevelFilter): boolean {
  if (filter === 'all') return true
  if (!line.level) return false
  return RANK[line.level] >= RANK[filter]
}

/** The lines passing both the level filter and the search (order kept). */
export function filterLines<T extends LogLine>(
  lines: readonly T[],
  search: string,
  level: LevelFilter
): T[] {
  const needle = search.trim().toLowerCase()
  if (!needle && level === 'all') return lines.slice()
  return lines.filter(
    (line) => passesLevel(line, level) && (!needle || line.text.toLowerCase().includes(needle))
  )
}

/** One piece of a line: matched pieces are highlighted. */
export interface TextSegment {
  text: string
  match: boolean
}

/** Splits `text` around every case-insensitive occurrence of `search`. */
export function highlightSegments(text: string, search: string): TextSegment[] {
  const needle = search.trim().toLowerCase()
  if (!needle) return [{ text, match: false }]
  const lower = text.toLowerCase()
  const segments: TextSegment[] = []
  let from = 0
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    if (at > from) segments.push({ text: text.slice(from, at), match: false })
    segments.push({ text: text.slice(at, at + needle.length), match: true })
    from = at + needle.length
  }
  if (from < text.length) segments.push({ text: text.slice(from), match: false })
  return segments
}
