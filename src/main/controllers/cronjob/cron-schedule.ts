/**
 * CronJob schedules as kube-controller-manager evaluates them (robfig/cron v3 `ParseStandard`
 * and `SpecSchedule.Next`): five fields (minute hour day-of-month month day-of-week) with lists,
 * ranges, steps and names (`jan`, `mon`), the descriptors `@yearly` … `@hourly`, `@every <d>`,
 * and a leading `TZ=`/`CRON_TZ=`. Times are matched on the wall clock of an IANA time zone
 * (read through Intl). When both day fields are restricted a day matches either, as in Vixie
 * cron; a field written `*` or `?` (without a step) makes the two combine with AND.
 *
 * Written here rather than taken from npm: `cron-parser` has no `@every`, treats `*\/n` day
 * fields differently from robfig, and brings luxon along; the syntax is already validated by the
 * API server's admission (apiserver/admission/cron-schedule.ts), whose error text we reuse.
 */
import { cronScheduleError } from '../../apiserver/admission/cron-schedule'

/** A parsed schedule. */
export interface CronSchedule {
  /** The first activation strictly after `after` (ms since the epoch); undefined if none in 5 years. */
  next(after: number): number | undefined
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const BOUNDS: [number, number, string[]?, number?][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12, MONTHS, 1],
  [0, 6, DAYS, 0]
]
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *'
}
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

interface Field {
  values: Set<number>
  /** Written `*` or `?` without a step (robfig's star bit). */
  star: boolean
}

function parseField(expr: string, index: number): Field {
  const [min, max, names, base] = BOUNDS[index]
  const value = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1
    return i >= 0 ? i + (base ?? 0) : Number(s)
  }
  const values = new Set<number>()
  let star = false
  for (const part of expr.split(',')) {
    const [range, stepText] = part.split('/')
    const [low, high] = range.split('-')
    const all = low === '*' || low === '?'
    const start = all ? min : value(low)
    const step = stepText === undefined ? 1 : Number(stepText)
    let end = all ? max : high !== undefined ? value(high) : start
    if (!all && high === undefined && stepText !== undefined) end = max // "N/step" is "N-max/step"
    if (all && step === 1) star = true
    for (let v = start; v <= end; v += step) values.add(v)
  }
  return { values, star }
}

/** Wall-clock fields of an instant in a time zone. */
interface Wall {
  year: number
  month: number
  day: number
  hour: number
  minute: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric'
    })
    formatters.set(timeZone, f)
  }
  return f
}

function wallOf(ms: number, timeZone: string): Wall {
  const parts: Record<string, number> = {}
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute
  }
}

/** A wall time as if it were UTC: the arithmetic below walks the wall clock this way. */
const wallMs = (w: Wall): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute)

/** The instant showing `wall` in `timeZone`; undefined when a DST gap skips it. */
function instantOf(wall: number, timeZone: string): number | undefined {
  const offsetAt = (ms: number): number =>
    wallMs(wallOf(ms, timeZone)) - Math.floor(ms / 60_000) * 60_000
  let guess = wall - offsetAt(wall)
  guess = wall - offsetAt(guess)
  // Of two instants showing the same wall time (DST ending), the earlier one.
  const earlier = guess - 3_600_000
  if (wallMs(wallOf(earlier, timeZone)) === wall) return earlier
  return wallMs(wallOf(guess, timeZone)) === wall ? guess : undefined
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}

/** The time zone kube-controller-manager uses when a CronJob names none: its own. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

/**
 * Parses `spec` (a CronJob's schedule), evaluated in `timeZone` unless the spec starts with
 * `TZ=`/`CRON_TZ=`. Throws an Error with robfig's message when the spec is invalid.
 */
export function parseCronSchedule(spec: string, timeZone = 'UTC'): CronSchedule {
  const problem = cronScheduleError(spec)
  if (problem) throw new Error(problem)
  let text = spec.trim()
  let zone = timeZone
  const tz = /^(?:CRON_)?TZ=(\S+)\s*/.exec(text)
  if (tz) {
    zone = tz[1]
    text = text.slice(tz[0].length)
  }
  if (!isValidTimeZone(zone))
    throw new Error(`provided bad location ${zone}: unknown time zone ${zone}`)
  if (text.startsWith('@every ')) return everySchedule(text.slice('@every '.length))
  const fields = (DESCRIPTORS[text] ?? text).split(/\s+/).map(parseField)
  return { next: (after) => nextMatch(fields, after, zone) }
}

function everySchedule(duration: string): CronSchedule {
  let ms = 0
  for (const m of duration.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) {
    ms += Number(m[1]) * UNIT_MS[m[2]]
  }
  // robfig rounds the delay to whole seconds, at least one.
  const delay = Math.max(1000, Math.floor(ms / 1000) * 1000)
  return { next: (after) => Math.floor(after / 1000) * 1000 + delay }
}

function nextMatch(fields: Field[], after: number, zone: string): number | undefined {
  const [minute, hour, dom, month, dow] = fields
  const dayMatches = (d: Date): boolean => {
    const a = dom.values.has(d.getUTCDate())
    const b = dow.values.has(d.getUTCDay())
    return dom.star || dow.star ? a && b : a || b
  }
  // Walk the wall clock (a Date read in UTC), starting at the minute after `after`.
  const t = new Date(wallMs(wallOf(after, zone)) + 60_000)
  const limit = t.getTime() + 5 * 366 * 86_400_000
  while (t.getTime() < limit) {
    if (!month.values.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1)
      t.setUTCHours(0, 0, 0, 0)
    } else if (!dayMatches(t)) {
      t.setUTCDate(t.getUTCDate() + 1)
      t.setUTCHours(0, 0, 0, 0)
    } else if (!hour.values.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0)
    } else if (!minute.values.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0)
    } else {
      const at = instantOf(t.getTime(), zone)
      if (at !== undefined && at > after) return at
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0)
    }
  }
  return undefined
}

/** `ms` in RFC 3339 on the wall clock of `timeZone` (`Z` for UTC, else `±hh:mm`), as Go prints it. */
export function formatInZone(ms: number, timeZone: string): string {
  const seconds = Math.floor(ms / 1000) * 1000
  const wall = wallMs(wallOf(seconds, timeZone)) + (seconds % 60_000)
  const offsetMin = Math.round((wall - seconds) / 60_000)
  const text = new Date(wall).toISOString().replace(/\.\d+Z$/, '')
  if (offsetMin === 0) return `${text}Z`
  const sign = offsetMin < 0 ? '-' : '+'
  const abs = Math.abs(offsetMin)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${text}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}
