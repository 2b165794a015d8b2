import { describe, expect, it } from 'vitest'
import { formatInZone, parseCronSchedule } from '../../src/main/controllers/cronjob/cron-schedule'

const at = (s: string): number => Date.parse(s)
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z')

describe('cron schedule next run', () => {
  // [schedule, time zone, after, expected next (UTC)]
  const cases: [string, string, string, string][] = [
    ['* * * * *', 'UTC', '2026-03-01T10:15:30Z', '2026-03-01T10:16:00Z'],
    ['* * * * *', 'UTC', '2026-03-01T10:15:00Z', '2026-03-01T10:16:00Z'],
    ['*/15 * * * *', 'UTC', '2026-03-01T10:15:00Z', '2026-03-01T10:30:00Z'],
    ['5/20 * * * *', 'UTC', '2026-03-01T10:30:00Z', '2026-03-01T10:45:00Z'],
    ['0 9-17/4 * * *', 'UTC', '2026-03-01T13:00:00Z', '2026-03-01T17:00:00Z'],
    ['0 0 1,15 * *', 'UTC', '2026-03-02T00:00:00Z', '2026-03-15T00:00:00Z'],
    ['30 8 * * mon-fri', 'UTC', '2026-03-06T09:00:00Z', '2026-03-09T08:30:00Z'], // Fri → Mon
    ['0 0 * JAN,jul *', 'UTC', '2026-03-01T00:00:00Z', '2026-07-01T00:00:00Z'],
    ['0 0 29 2 *', 'UTC', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00Z'],
    // Both day fields restricted: either matches (the 13th, or a Friday).
    ['0 0 13 * 5', 'UTC', '2026-03-01T00:00:00Z', '2026-03-06T00:00:00Z'],
    // A starred day field makes them combine with AND.
    ['0 0 * * 5', 'UTC', '2026-03-01T00:00:00Z', '2026-03-06T00:00:00Z'],
    ['0 0 */2 * 5', 'UTC', '2026-03-01T00:00:00Z', '2026-03-03T00:00:00Z'],
    ['@hourly', 'UTC', '2026-03-01T10:15:00Z', '2026-03-01T11:00:00Z'],
    ['@daily', 'UTC', '2026-03-01T10:15:00Z', '2026-03-02T00:00:00Z'],
    ['@midnight', 'UTC', '2026-03-01T10:15:00Z', '2026-03-02T00:00:00Z'],
    ['@weekly', 'UTC', '2026-03-01T10:15:00Z', '2026-03-08T00:00:00Z'],
    ['@monthly', 'UTC', '2026-03-01T10:15:00Z', '2026-04-01T00:00:00Z'],
    ['@yearly', 'UTC', '2026-03-01T10:15:00Z', '2027-01-01T00:00:00Z'],
    ['@annually', 'UTC', '2026-03-01T10:15:00Z', '2027-01-01T00:00:00Z'],
    ['@every 90s', 'UTC', '2026-03-01T10:15:00Z', '2026-03-01T10:16:30Z'],
    ['@every 1h30m', 'UTC', '2026-03-01T10:15:00Z', '2026-03-01T11:45:00Z'],
    // Time zones: 09:00 on the wall clock of the zone.
    ['0 9 * * *', 'Europe/Berlin', '2026-01-10T12:00:00Z', '2026-01-11T08:00:00Z'],
    ['0 9 * * *', 'Europe/Berlin', '2026-07-10T12:00:00Z', '2026-07-11T07:00:00Z'],
    ['0 9 * * *', 'Asia/Kolkata', '2026-07-10T12:00:00Z', '2026-07-11T03:30:00Z'],
    ['TZ=America/New_York 0 9 * * *', 'UTC', '2026-07-10T00:00:00Z', '2026-07-10T13:00:00Z'],
    ['CRON_TZ=Asia/Tokyo 0 0 * * *', 'UTC', '2026-07-10T00:00:00Z', '2026-07-10T15:00:00Z'],
    // Spring forward in Berlin (29 Mar 2026, 02:00 → 03:00): 02:30 does not exist that day.
    ['30 2 * * *', 'Europe/Berlin', '2026-03-28T02:00:00Z', '2026-03-30T00:30:00Z'],
    // Fall back (25 Oct 2026, 03:00 → 02:00): 02:30 happens twice; the first one runs.
    ['30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-25T00:30:00Z']
  ]
  it.each(cases)('%s in %s after %s → %s', (schedule, zone, after, want) => {
    expect(iso(parseCronSchedule(schedule, zone).next(at(after)))).toBe(want)
  })

  it('finds nothing for a date that never comes', () => {
    expect(parseCronSchedule('0 0 30 2 *').next(at('2026-01-01T00:00:00Z'))).toBeUndefined()
  })

  it.each([
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['0 0 * * 1', 'provided bad location Mars/Base: unknown time zone Mars/Base', 'Mars/Base']
  ])('rejects %s with %s', (schedule, message, zone = 'UTC') => {
    expect(() => parseCronSchedule(schedule, zone)).toThrow(message)
  })

  it.each([
    ['2026-07-10T07:00:00Z', 'UTC', '2026-07-10T07:00:00Z'],
    ['2026-07-10T07:00:00Z', 'Europe/Berlin', '2026-07-10T09:00:00+02:00'],
    ['2026-07-10T07:00:00Z', 'America/New_York', '2026-07-10T03:00:00-04:00'],
    ['2026-07-10T07:00:00Z', 'Asia/Kolkata', '2026-07-10T12:30:00+05:30']
  ])('formats %s in %s as %s', (time, zone, want) => {
    expect(formatInZone(at(time), zone)).toBe(want)
  })
})
