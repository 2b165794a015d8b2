/**
 * The Metrics charts' axes, pure: the time axis always shows the metrics window (the last
 * 15 minutes up to now) with a tick every few whole minutes, however few points there are; the
 * byte axis steps in binary units (256 MiB, 512 MiB …); an empty chart gets a sensible value
 * range for its unit instead of 0 to 1.
 */
import type { ChartSeries, ValueFormat } from './metric-series'

/** How far back the charts look, as the host's metrics history does. */
export const METRICS_WINDOW_MS = 15 * 60_000

/** The time axis' tick spacing: 3 minutes, six ticks over the window. */
export const TIME_TICK_MS = 3 * 60_000

/** What the charts' axes show: the time window, and a value range while there is no point. */
export interface ChartAxes {
  x: { min: number; max: number }
  y: { suggestedMax?: number }
}

/** The y range of an empty chart, by unit: 1 core, 1 GiB, 10 pods, 1/s, 10 ms. */
export const EMPTY_MAX: Record<ValueFormat, number> = {
  cores: 1,
  bytes: 2 ** 30,
  count: 10,
  rate: 1,
  ms: 10
}

/** The window ending now (or at the newest point, should a clock run ahead of this one). */
export function timeWindow(series: readonly ChartSeries[], now: number): ChartAxes['x'] {
  let max = now
  for (const s of series) {
    const last = s.points.at(-1)
    if (last && last.x > max) max = last.x
  }
  return { min: max - METRICS_WINDOW_MS, max }
}

/** A chart's axes now. */
export function chartAxes(
  series: readonly ChartSeries[],
  format: ValueFormat,
  now: number
): ChartAxes {
  const empty = !series.some((s) => s.points.length > 0)
  return { x: timeWindow(series, now), y: { suggestedMax: empty ? EMPTY_MAX[format] : undefined } }
}

/** Whole multiples of `stepMs` from `min` to `max`: the time axis' ticks. */
export function timeTicks(min: number, max: number, stepMs = TIME_TICK_MS): number[] {
  const ticks: number[] = []
  for (let t = Math.ceil(min / stepMs) * stepMs; t <= max; t += stepMs) ticks.push(t)
  return ticks
}

/** Binary byte steps: 1 B, 2 B, 4 B … 512 B, 1 KiB, 2 KiB … up to 512 TiB. */
const BYTE_STEPS = Array.from({ length: 50 }, (_, i) => 2 ** i)

/**
 * Ticks from 0 for a byte axis reaching `max`: at most `maxTicks` of them, a binary step apart,
 * the last one at or above `max` (so the axis ends on a labelled value).
 */
export function byteTicks(max: number, maxTicks = 6): number[] {
  const top = Math.max(max, 1)
  const step = BYTE_STEPS.find((s) => Math.ceil(top / s) <= maxTicks - 1) ?? BYTE_STEPS.at(-1)!
  return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step)
}

/** Points are drawn on a line of so few points that it would otherwise be (nearly) invisible. */
export function pointRadius(points: number): number {
  return points < 3 ? 3 : 0
}
