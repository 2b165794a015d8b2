// @vitest-environment happy-dom
/** The Metrics view: snapshot → series (pure), one chart per id, updated in place. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import type { Chart } from 'chart.js'
import {
  byteTicks,
  chartAxes,
  METRICS_WINDOW_MS,
  timeTicks
} from '../../src/renderer/src/components/metrics/chart-axes'
import {
  applyAxes,
  createLineChart,
  lineChartFactoryKey,
  syncDatasets,
  type LineChartFactory,
  type LineChartHandle,
  type LineDataset
} from '../../src/renderer/src/components/metrics/line-chart'
import {
  CHARTS,
  chartSeries,
  formatMinute,
  formatValue,
  PHASE_COLORS
} from '../../src/renderer/src/components/metrics/metric-series'
import MetricsView from '../../src/renderer/src/views/MetricsView.vue'
import type { MetricsSnapshot, SeriesPoint } from '../../src/shared/desktop-api'
import { createFakeDesktopApi } from './fake-desktop-api'

const T0 = Date.parse('2026-12-04T10:00:00Z')
const pts = (...values: number[]): SeriesPoint[] =>
  values.map((value, i) => ({ time: T0 + i * 5000, value }))

function snapshot(values: number[] = [1, 2]): MetricsSnapshot {
  return {
    nodes: [
      { name: 'kubedesk-worker2', cpuCores: pts(...values), memoryBytes: pts(2 ** 30) },
      { name: 'kubedesk-worker', cpuCores: pts(0.5), memoryBytes: pts(2 ** 29) }
    ],
    podsByPhase: [
      { phase: 'Running', points: pts(3, 4) },
      { phase: 'Pending', points: pts(1, 0) }
    ],
    apiserver: {
      requestRate: pts(20),
      errorRate: pts(0.1),
      latencyP50Ms: pts(2),
      latencyP99Ms: pts(40)
    },
    scheduler: {
      throughput: pts(5),
      attemptRate: pts(6),
      latencyP50Ms: pts(1),
      latencyP99Ms: pts(9)
    }
  }
}

/** A chart factory recording what the view does to its charts. */
function recordingFactory() {
  const charts: (LineChartHandle & {
    canvas: HTMLCanvasElement
    updates: number
    destroyed: boolean
  })[] = []
  const factory: LineChartFactory = (canvas) => {
    const chart = {
      canvas,
      data: { datasets: [] as LineDataset[] },
      options: { scales: { x: {}, y: {} } } as LineChartHandle['options'],
      updates: 0,
      destroyed: false,
      update(mode: 'none') {
        expect(mode).toBe('none')
        chart.updates++
      },
      destroy() {
        chart.destroyed = true
      }
    }
    charts.push(chart)
    return chart
  }
  return { charts, factory }
}

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  vi.useRealTimers()
})

function mountMetrics(factory: LineChartFactory) {
  const fake = createFakeDesktopApi()
  wrapper = mount(MetricsView, {
    global: {
      provide: { [desktopApiKey as symbol]: fake.api, [lineChartFactoryKey as symbol]: factory }
    }
  })
  return { fake, wrapper }
}

describe('metric series', () => {
  it('makes one line per node, sorted by name, in cores and bytes', () => {
    const series = chartSeries(snapshot())
    expect(series['node-cpu'].map((s) => s.label)).toEqual(['kubedesk-worker', 'kubedesk-worker2'])
    expect(series['node-cpu'][1].points).toEqual([
      { x: T0, y: 1 },
      { x: T0 + 5000, y: 2 }
    ])
    expect(series['node-memory'][0].points).toEqual([{ x: T0, y: 2 ** 29 }])
  })

  it('makes one line per phase in the phase colour, and the API, scheduler lines', () => {
    const series = chartSeries(snapshot())
    expect(series['pods-by-phase'].map((s) => [s.label, s.color])).toEqual([
      ['Running', PHASE_COLORS.Running],
      ['Pending', PHASE_COLORS.Pending]
    ])
    expect(series['api-requests'].map((s) => s.label)).toEqual(['requests/s', 'errors/s (5xx)'])
    expect(series['api-latency'].map((s) => [s.label, s.points[0].y])).toEqual([
      ['p50', 2],
      ['p99', 40]
    ])
    expect(series['scheduler-throughput'].map((s) => s.points[0].y)).toEqual([5, 6])
    expect(series['scheduler-latency'].map((s) => s.points[0].y)).toEqual([1, 9])
    expect(Object.keys(series).sort()).toEqual(CHARTS.map((c) => c.id).sort())
  })

  it('formats values per unit, bytes with one decimal in binary units', () => {
    expect(formatValue(1.5 * 2 ** 30, 'bytes')).toBe('1.5 GiB')
    expect(formatValue(300 * 2 ** 20, 'bytes')).toBe('300.0 MiB')
    expect(formatValue(2 ** 28, 'bytes')).toBe('256.0 MiB')
    expect(formatValue(1536, 'bytes')).toBe('1.5 KiB')
    expect(formatValue(0, 'bytes')).toBe('0 B')
    expect(formatValue(0.25, 'cores')).toBe('0.25')
    expect(formatValue(3.25, 'rate')).toBe('3.25/s')
    expect(formatValue(40, 'ms')).toBe('40.0 ms')
  })

  it('shows the last 15 minutes up to now, whatever the points, in whole minutes', () => {
    const now = T0 + 20_000
    const one = [{ label: 'a', points: [{ x: T0, y: 1 }] }]
    expect(chartAxes(one, 'cores', now)).toEqual({
      x: { min: now - METRICS_WINDOW_MS, max: now },
      y: { suggestedMax: undefined }
    })
    expect(chartAxes([], 'cores', now).x).toEqual({ min: now - METRICS_WINDOW_MS, max: now })
    expect(chartAxes([{ label: 'a', points: [] }], 'bytes', now).y).toEqual({
      suggestedMax: 2 ** 30
    })
    // T0 is 10:00 UTC: ticks every 3 minutes from 09:48 to 10:00.
    const ticks = timeTicks(now - METRICS_WINDOW_MS, now)
    expect(ticks.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '09:48',
      '09:51',
      '09:54',
      '09:57',
      '10:00'
    ])
    expect(formatMinute(ticks[0])).toMatch(/^\d\d:\d\d$/)
  })

  it('steps a byte axis in binary units, ending on a labelled tick', () => {
    const labels = (max: number) => byteTicks(max).map((v) => formatValue(v, 'bytes'))
    expect(labels(2 ** 30)).toEqual(['0 B', '256.0 MiB', '512.0 MiB', '768.0 MiB', '1.0 GiB'])
    expect(labels(3.2 * 2 ** 30)).toEqual(['0 B', '1.0 GiB', '2.0 GiB', '3.0 GiB', '4.0 GiB'])
    expect(labels(0)).toEqual(['0 B', '1 B'])
  })

  it('draws the points of a line with fewer than three', () => {
    const datasets: LineDataset[] = []
    syncDatasets(datasets, [{ label: 'a', points: [{ x: 1, y: 1 }] }])
    expect(datasets[0].pointRadius).toBeGreaterThan(0)
    const many = [1, 2, 3, 4].map((x) => ({ x, y: x }))
    syncDatasets(datasets, [{ label: 'a', points: many }])
    expect(datasets[0].pointRadius).toBe(0)
  })

  it('updates datasets in place, keeping the objects of lines still there', () => {
    const datasets: LineDataset[] = []
    syncDatasets(datasets, [
      { label: 'a', points: [{ x: 1, y: 1 }] },
      { label: 'b', points: [] }
    ])
    const a = datasets[0]
    syncDatasets(datasets, [{ label: 'a', points: [{ x: 2, y: 2 }] }])
    expect(datasets).toHaveLength(1)
    expect(datasets[0]).toBe(a)
    expect(a.data).toEqual([{ x: 2, y: 2 }])
  })
})

describe('Metrics view', () => {
  it('creates one chart per id on mount and says there is no data yet', async () => {
    const { charts, factory } = recordingFactory()
    const { wrapper } = mountMetrics(factory)
    await flushPromises()

    expect(charts).toHaveLength(CHARTS.length)
    for (const { id } of CHARTS) {
      const box = wrapper.get(`[data-testid="chart-${id}"]`)
      expect(box.find('canvas').exists()).toBe(true)
      expect(box.text()).toBe('No data yet')
    }
    expect(wrapper.text()).toContain('Waiting for the first metrics sample')
  })

  it('updates the same charts on every snapshot instead of re-creating them', async () => {
    const { charts, factory } = recordingFactory()
    const { fake, wrapper } = mountMetrics(factory)
    await flushPromises()
    const updatesBefore = charts.map((c) => c.updates)

    fake.emit('metrics', snapshot([1, 2]))
    await flushPromises()
    fake.emit('metrics', snapshot([1, 2, 3]))
    await flushPromises()

    expect(charts).toHaveLength(CHARTS.length)
    expect(charts.map((c, i) => c.updates - updatesBefore[i])).toEqual(CHARTS.map(() => 2))
    const cpu = charts.find((c) => c.canvas.closest('[data-testid="chart-node-cpu"]'))!
    expect(cpu.data.datasets.map((d) => d.label)).toEqual(['kubedesk-worker', 'kubedesk-worker2'])
    expect(cpu.data.datasets[1].data.map((p) => p.y)).toEqual([1, 2, 3])
    expect(wrapper.get('[data-testid="chart-node-cpu"]').text()).toBe('')
  })

  it('draws a node as soon as it has one point, on the window ending now', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(T0 + 20_000)
    const { charts, factory } = recordingFactory()
    const { fake, wrapper } = mountMetrics(factory)
    await flushPromises()
    const chartOf = (id: string) =>
      charts.find((c) => c.canvas.closest(`[data-testid="chart-${id}"]`))!

    // Before the first point: the window all the same, and a range in the chart's unit.
    const memory = chartOf('node-memory')
    expect(memory.options.scales.x).toEqual({
      min: T0 + 20_000 - METRICS_WINDOW_MS,
      max: T0 + 20_000
    })
    expect(memory.options.scales.y.suggestedMax).toBe(2 ** 30)

    const empty = snapshot()
    empty.nodes = [{ name: 'kubedesk-worker', cpuCores: [], memoryBytes: [] }]
    fake.emit('metrics', empty)
    await flushPromises()
    expect(wrapper.get('[data-testid="chart-node-cpu"]').text()).toBe('No data yet')

    const first = snapshot()
    first.nodes = [{ name: 'kubedesk-worker', cpuCores: pts(0.3), memoryBytes: pts(2 ** 28) }]
    fake.emit('metrics', first)
    await flushPromises()
    for (const id of ['node-cpu', 'node-memory']) {
      expect(wrapper.get(`[data-testid="chart-${id}"]`).text()).toBe('')
      const [line] = chartOf(id).data.datasets
      expect(line.data).toHaveLength(1)
      expect(line.pointRadius).toBeGreaterThan(0)
      const { min, max } = chartOf(id).options.scales.x
      expect(line.data[0].x).toBeGreaterThanOrEqual(min!)
      expect(line.data[0].x).toBeLessThanOrEqual(max!)
    }
    expect(memory.options.scales.y.suggestedMax).toBeUndefined()
  })

  it('destroys its charts on unmount', async () => {
    const { charts, factory } = recordingFactory()
    const { wrapper: w } = mountMetrics(factory)
    await flushPromises()
    w.unmount()
    wrapper = undefined
    expect(charts.every((c) => c.destroyed)).toBe(true)
  })

  it('shows a subscription error readably', async () => {
    const { factory } = recordingFactory()
    const { fake, wrapper } = mountMetrics(factory)
    fake.fail('metrics', 'metrics are not available yet')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toBe('metrics are not available yet')
  })
})

describe('the chart.js line chart', () => {
  it('draws on a linear time axis with only the registered pieces', () => {
    // happy-dom has no canvas: a 2D context whose every method does nothing.
    const canvas = document.createElement('canvas')
    const context = new Proxy({} as Record<string | symbol, unknown>, {
      get: (target, key) =>
        key in target
          ? target[key]
          : key === 'canvas'
            ? canvas
            : key === 'measureText'
              ? () => ({ width: 10 })
              : () => undefined,
      set: (target, key, value) => {
        target[key] = value
        return true
      }
    })
    const getContext = vi
      .spyOn(HTMLCanvasElement.prototype, 'getContext')
      .mockImplementation(() => context as never)
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      document.body.appendChild(canvas)
      const chart = createLineChart(canvas, 'bytes')
      syncDatasets(chart.data.datasets, [{ label: 'a', points: [] }])
      applyAxes(chart, chartAxes([], 'bytes', T0 + 20_000))
      chart.update('none')
      const { x, y } = (chart as unknown as Chart).scales
      // The window, not chart.js' ±5% of the epoch; binary steps, not "1 B, 1 B, 0 B".
      expect([x.min, x.max]).toEqual([T0 + 20_000 - METRICS_WINDOW_MS, T0 + 20_000])
      expect(x.ticks.map((t) => t.value)).toEqual(timeTicks(x.min, x.max))
      expect(x.ticks.map((t) => t.label)).toEqual(x.ticks.map((t) => formatMinute(t.value)))
      expect(y.ticks.map((t) => t.label)).toEqual([
        '0 B',
        '256.0 MiB',
        '512.0 MiB',
        '768.0 MiB',
        '1.0 GiB'
      ])
      syncDatasets(chart.data.datasets, [{ label: 'a', points: [{ x: T0, y: 1 }] }])
      chart.update('none')
      chart.destroy()
      // chart.js reports an unregistered controller, element or scale through console.error.
      expect(errors).not.toHaveBeenCalled()
    } finally {
      canvas.remove()
      getContext.mockRestore()
      errors.mockRestore()
    }
  })
})
