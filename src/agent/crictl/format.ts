/**
 * crictl's output conventions: tab-aligned tables (Go's tabwriter with minwidth 20, padding 3, as
 * crictl sets it up), 13-character IDs, "2 minutes ago" ages and "1.24MB" sizes (go-units).
 */

/** Characters of an ID crictl shows without --no-trunc. */
export const TRUNCATED_ID_LENGTH = 13

/** `sha256:abc…` or `abc…` → its first 13 characters (after the algorithm). */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, TRUNCATED_ID_LENGTH)
}

/** Aligns rows into columns: each cell padded to max(20, widest + 3); the last is not padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(20, ...all.map((r) => (r[i] ?? '').length + 3)))
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('')
        .trimEnd()
    )
    .map((line) => line + '\n')
    .join('')
}

/** go-units HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  const minutes = Math.floor(ms / 60_000)
  const hours = Math.round(ms / 3_600_000)
  if (seconds < 1) return 'Less than a second'
  if (seconds === 1) return '1 second'
  if (seconds < 60) return `${seconds} seconds`
  if (minutes === 1) return 'About a minute'
  if (minutes < 60) return `${minutes} minutes`
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`
  return `${Math.floor(hours / 24 / 365)} years`
}

/** "N units ago" from a date (or its JSON string). */
export function ago(when: Date | string, now: Date = new Date()): string {
  return `${humanDuration(now.getTime() - new Date(when).getTime())} ago`
}

/** go-units HumanSize: decimal units, four significant digits ("1.237MB", "512B"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']
  let size = bytes
  let i = 0
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000
    i++
  }
  return `${Number(size.toPrecision(4))}${units[i]}`
}

/** CRI state words as crictl prints them. */
export function containerStateWord(state: string): string {
  return { created: 'Created', running: 'Running', exited: 'Exited' }[state] ?? 'Unknown'
}

/** Sandbox state words as crictl prints them. */
export function sandboxStateWord(state: string): string {
  return state === 'ready' ? 'Ready' : 'NotReady'
}
