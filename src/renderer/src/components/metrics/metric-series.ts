/**
 * The Metrics view's data side, pure: which charts there are, and how a MetricsSnapshot becomes
 * each chart's series (one line per node, per phase, per rate or percentile).
 */
import type { MetricsSnapshot, PodSummary, SeriesPoint } from '../../../../shared/desktop-api'

/** A point as chart.js takes it with `parsing: false`: x is ms since the epoch. */
export interface ChartPoint {
  x: number
  y: number
}

/** One line of a chart. */
export interface ChartSeries {
  label: string
  points: ChartPoint[]
  /** A fixed colour (e.g. a pod phase's); otherwise the palette's by position. */
  color?: string
}

/** How a chart's values read on its axis and in its tooltip. */
export type ValueFormat = 'cores' | 'bytes' | 'count' | 'rate' | 'ms'

export type ChartId =
  | 'node-cpu'
  | 'node-memory'
  | 'pods-by-phase'
  | 'api-requests'
  | 'api-latency'
  | 'scheduler-throughput'
  | 'scheduler-latency'

export interface ChartSpec {
  id: ChartId
  title: string
  format: ValueFormat
}

/** The charts, in the view's order. */
export const CHARTS: ChartSpec[] = [
  { id: 'node-cpu', title: 'Node CPU (cores)', format: 'cores' },
  { id: 'node-memory', title: 'Node memory', format: 'bytes' },
  { id: 'pods-by-phase', title: 'Pods by phase', format: 'count' },
  { id: 'api-requests', title: 'API requests and errors (per second)', format: 'rate' },
  { id: 'api-latency', title: 'API latency (ms)', format: 'ms' },
  { id: 'scheduler-throughput', title: 'Scheduling throughput (per second)', format: 'rate' },
  { id: 'scheduler-latency', title: 'Scheduling latency (ms)', format: 'ms' }
]

/** The pod phases' colours, as the Nodes view paints pods. */
export const PHASE_COLORS: Record<PodSummary['phase'], string> = {
  Running: '#16a34a',
  Pending: '#d97706',
  Succeeded: '#0891b2',
  Failed: '#dc2626',
  Unknown: '#94a3b8'
}

/** Colours for lines without a fixed one, by position. */
export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563'
]

function points(series: readonly SeriesPoint[]): ChartPoint[] {
  return series.map((p) => ({ x: p.time, y: p.value }))
}

const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name)

/** Every chart's series for a snapshot. */
export function chartSeries(snapshot: MetricsSnapshot): Record<ChartId, ChartSeries[]> {
  const nodes = [...snapshot.nodes].sort(byName)
  const { apiserver, scheduler } = snapshot
  return {
    'node-cpu': nodes.map((n) => ({ label: n.name, points: points(n.cpuCores) })),
    'node-memory': nodes.map((n) => ({ label: n.name, points: points(n.memoryBytes) })),
    'pods-by-phase': snapshot.podsByPhase.map((p) => ({
      label: p.phase,
      points: points(p.points),
      color: PHASE_COLORS[p.phase]
    })),
    'api-requests': [
      { label: 'requests/s', points: points(apiserver.requestRate) },
      { label: 'errors/s (5xx)', points: points(apiserver.errorRate), color: PHASE_COLORS.Failed }
    ],
    'api-latency': [
      { label: 'p50', points: points(apiserver.latencyP50Ms) },
      { label: 'p99', points: points(apiserver.latencyP99Ms) }
    ],
    'scheduler-throughput': [
      { label: 'pods scheduled/s', points: points(scheduler.throughput) },
      { label: 'attempts/s', points: points(scheduler.attemptRate) }
    ],
    'scheduler-latency': [
      { label: 'p50', points: points(scheduler.latencyP50Ms) },
      { label: 'p99', points: points(scheduler.latencyP99Ms) }
    ]
  }
}

/** Whether any series of a chart has a point. */
export function hasPoints(series: readonly ChartSeries[]): boolean {
  return series.some((s) => s.points.length > 0)
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** A value as the chart's format reads it: "0.25", "1.5 GiB", "12", "3.2/s", "40.0 ms". */
export function formatValue(value: number, format: ValueFormat): string {
  switch (format) {
    case 'cores':
      return value >= 10 ? value.toFixed(0) : value.toFixed(2).replace(/\.?0+$/, '') || '0'
    case 'bytes': {
      let v = value
      let unit = 0
      while (Math.abs(v) >= 1024 && unit < UNITS.length - 1) {
        v /= 1024
        unit++
      }
      return `${v.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`
    }
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(1)
    case 'rate':
      return `${value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)}/s`
    case 'ms':
      return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`
  }
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** A tooltip's time: "14:05:30" in local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** A time axis tick: "14:05" in local time. */
export function formatMinute(ms: number): string {
  const d = new Date(ms)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}
