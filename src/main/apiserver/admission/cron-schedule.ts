/**
 * The standard cron syntax CronJobs use (the robfig/cron v3 ParseStandard parser that
 * kube-apiserver validates with): five fields or a descriptor such as `@hourly`. Answers the
 * parser's own error text, which kube-apiserver puts in the cause.
 */

interface FieldRange {
  min: number
  max: number
  names?: Record<string, number>
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

const FIELDS: FieldRange[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) }
]

const DESCRIPTORS = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly'
]

class CronError extends Error {}

function mustParseInt(expr: string): number {
  // Go's strconv.Atoi: optional sign, then decimal digits only.
  if (!/^[+-]?\d+$/.test(expr)) {
    throw new CronError(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`
    )
  }
  const n = Number(expr)
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`)
  return n
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()]
  return named !== undefined ? named : mustParseInt(expr)
}

function checkRange(expr: string, r: FieldRange): void {
  const rangeAndStep = expr.split('/')
  const lowAndHigh = rangeAndStep[0].split('-')
  let start: number
  let end: number
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min
    end = r.max
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names)
    if (lowAndHigh.length === 1) end = start
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names)
    else throw new CronError(`too many hyphens: ${expr}`)
  }
  let step = 1
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1])
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = r.max
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`)
  }
  if (start < r.min)
    throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`)
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`)
  if (start > end)
    throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`)
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`)
}

function checkDescriptor(spec: string): void {
  if (DESCRIPTORS.includes(spec)) return
  if (spec.startsWith('@every ')) {
    const d = spec.slice('@every '.length)
    if (!/^([0-9]*\.?[0-9]+(ns|us|µs|ms|s|m|h))+$/.test(d)) {
      throw new CronError(
        `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`
      )
    }
    return
  }
  throw new CronError(`unrecognized descriptor: ${spec}`)
}

/** The parser's error for `schedule`, or undefined when it is a valid standard cron spec. */
export function cronScheduleError(schedule: string): string | undefined {
  try {
    let spec = schedule.trim()
    if (spec.length === 0) throw new CronError('empty spec string')
    // A leading TZ=/CRON_TZ= names a time zone; the rest is the schedule.
    if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
      const space = spec.indexOf(' ')
      spec = space < 0 ? '' : spec.slice(space).trim()
    }
    if (spec.startsWith('@')) {
      checkDescriptor(spec)
      return undefined
    }
    const fields = spec.split(/\s+/).filter(Boolean)
    if (fields.length !== 5) {
      throw new CronError(
        `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`
      )
    }
    fields.forEach((f, i) => f.split(',').forEach((part) => checkRange(part, FIELDS[i])))
    return undefined
  } catch (err) {
    if (err instanceof CronError) return err.message
    throw err
  }
}
