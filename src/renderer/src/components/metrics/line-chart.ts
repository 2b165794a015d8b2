/**
 * The line charts behind the Metrics view, on chart.js with only the pieces they use
 * registered. A chart is created once and then updated in place: `syncDatasets` swaps each
 * line's points, keeping the dataset objects (and so what the user toggled in the legend),
 * and `update('none')` redraws without animation; `applyAxes` sets the time window (and an empty
 * chart's value range) before each update. The factory is injectable, because the component
 * tests run where there is no canvas.
 */
import {
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip
} from 'chart.js'
import type { InjectionKey } from 'vue'
import { byteTicks, pointRadius, timeTicks, type ChartAxes } from './chart-axes'
import {
  PALETTE,
  formatClock,
  formatMinute,
  formatValue,
  type ChartPoint,
  type ChartSeries,
  type ValueFormat
} from './metric-series'

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip)

/** One line as the chart holds it. */
export interface LineDataset {
  label: string
  data: ChartPoint[]
  borderColor: string
  backgroundColor: string
  /** Points are drawn while a line has too few of them to be seen (one point is no line). */
  pointRadius: number
}

/** What the view needs of a chart (a chart.js Chart has all of it). */
export interface LineChartHandle {
  data: { datasets: LineDataset[] }
  options: {
    scales: {
      x: { min?: number; max?: number }
      y: { suggestedMax?: number }
    }
  }
  update(mode: 'none'): void
  destroy(): void
}

/** Creates a chart on a canvas. */
export type LineChartFactory = (canvas: HTMLCanvasElement, format: ValueFormat) => LineChartHandle

/** Where tests provide a factory of their own. */
export const lineChartFactoryKey: InjectionKey<LineChartFactory> = Symbol('LineChartFactory')

/** Makes `datasets` hold `series`, reusing the dataset of each label already there. */
export function syncDatasets(datasets: LineDataset[], series: readonly ChartSeries[]): void {
  const byLabel = new Map(datasets.map((d) => [d.label, d]))
  const next = series.map((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]
    const dataset = byLabel.get(s.label) ?? {
      label: s.label,
      data: [],
      borderColor: color,
      backgroundColor: color,
      pointRadius: 0
    }
    dataset.data = s.points
    dataset.pointRadius = pointRadius(s.points.length)
    return dataset
  })
  datasets.splice(0, datasets.length, ...next)
}

/** Sets the axes a chart shows at its next update. */
export function applyAxes(chart: LineChartHandle, axes: ChartAxes): void {
  const { x, y } = chart.options.scales
  x.min = axes.x.min
  x.max = axes.x.max
  y.suggestedMax = axes.y.suggestedMax
}

/** Ticks as a chart.js scale holds them. */
const asTicks = (values: number[]): { value: number }[] => values.map((value) => ({ value }))

/** The real thing: a chart.js line chart on a linear time axis (no date adapter needed). */
export const createLineChart: LineChartFactory = (canvas, format) => {
  let dataMax = 0
  const chart = new Chart<'line', ChartPoint[], string>(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2, tension: 0.2 } },
      scales: {
        x: {
          type: 'linear',
          // Whole minutes, not chart.js' decimal steps of milliseconds.
          afterBuildTicks: (scale) => {
            scale.ticks = asTicks(timeTicks(scale.min, scale.max))
          },
          ticks: { autoSkip: false, callback: (v) => formatMinute(Number(v)) }
        },
        y: {
          beginAtZero: true,
          // Bytes step in binary units up from the data's (or the suggested) maximum, which
          // chart.js would round to a decimal step first.
          afterDataLimits: (scale) => {
            dataMax = scale.max
          },
          afterBuildTicks: (scale) => {
            if (format !== 'bytes') return
            const ticks = byteTicks(dataMax)
            scale.ticks = asTicks(ticks)
            scale.max = ticks[ticks.length - 1]
          },
          ticks: {
            maxTicksLimit: 6,
            autoSkip: format !== 'bytes',
            // Pods come whole: no "0.2" ticks when every count is 0.
            precision: format === 'count' ? 0 : undefined,
            callback: (v) => formatValue(Number(v), format)
          }
        }
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? formatClock(items[0].parsed.x ?? 0) : ''),
            label: (item) => `${item.dataset.label}: ${formatValue(item.parsed.y ?? 0, format)}`
          }
        }
      }
    }
  })
  return chart as unknown as LineChartHandle
}
