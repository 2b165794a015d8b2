/**
 * The 15-minute history: node and pod points from the usage store, request and scheduling
 * buckets with rates and latency quantiles, and the window that forgets older points.
 */
import { describe, expect, it } from 'vitest'
import { MetricsHistory, histogramQuantile } from '../../src/main/observe/metrics-history'
import { UsageStore, type UsageSample } from '../../src/main/observe/usage-store'

const T0 = Date.parse('2026-01-01T10:00:00Z')

function clock(start = T0) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

function sample(at: number, cpuSeconds: number, memory: number): UsageSample {
  return {
    startTime: new Date(T0 - 3_600_000),
    timestamp: new Date(at),
    cpuNanoSeconds: cpuSeconds * 1e9,
    memoryBytes: memory
  }
}

/** Scrapes every 15 s with the node busy at `cores` and the pod at half of it. */
function scrape(store: UsageStore, at: number, cpuSeconds: number): void {
  store.store({
    nodes: new Map([['n1', sample(at, cpuSeconds, 1000)]]),
    pods: [
      {
        namespace: 'default',
        name: 'web',
        uid: 'u1',
        containers: new Map([['app', sample(at, cpuSeconds / 2, 500)]])
      }
    ]
  })
}

describe('MetricsHistory', () => {
  it('keeps node and pod CPU (cores) and memory (bytes) for 15 minutes', () => {
    const c = clock()
    const history = new MetricsHistory({ now: c.now })
    const store = new UsageStore(15_000)
    // 20 minutes of scrapes at one core.
    for (let i = 0; i <= 80; i++) {
      scrape(store, c.now(), i * 15)
      history.recordUsage(store)
      c.advance(15_000)
    }
    const cpu = history.series({ kind: 'node', name: 'n1', metric: 'cpu' })
    expect(cpu.length).toBeGreaterThanOrEqual(59)
    expect(cpu.length).toBeLessThanOrEqual(61)
    expect(cpu[0].time).toBeGreaterThanOrEqual(c.now() - 15 * 60_000)
    for (const p of cpu) expect(p.value).toBeCloseTo(1, 6)
    const pod = history.series({ kind: 'pod', namespace: 'default', name: 'web', metric: 'cpu' })
    expect(pod.at(-1)?.value).toBeCloseTo(0.5, 6)
    expect(history.series({ kind: 'node', name: 'n1', metric: 'memory' }).at(-1)?.value).toBe(1000)
    expect(history.nodes()).toEqual(['n1'])
    expect(history.pods()).toEqual([{ namespace: 'default', name: 'web' }])

    const since = c.now() - 60_000
    const recent = history.series({ kind: 'node', name: 'n1', metric: 'cpu' }, since)
    expect(recent.every((p) => p.time >= since)).toBe(true)
    expect(recent.length).toBe(4)

    // No scrape for 15 minutes: the node and pod are forgotten.
    c.advance(15 * 60_000)
    expect(history.nodes()).toEqual([])
    expect(history.series({ kind: 'node', name: 'n1', metric: 'cpu' })).toEqual([])
  })

  it('turns requests into rates per bucket, with 0 for quiet buckets and no watch latency', () => {
    const c = clock(T0 + 1)
    const history = new MetricsHistory({ now: c.now, bucketMs: 10_000 })
    for (let i = 0; i < 50; i++) history.observeRequest({ verb: 'get', code: 200, latencyMs: 3 })
    for (let i = 0; i < 10; i++) history.observeRequest({ verb: 'list', code: 500, latencyMs: 40 })
    history.observeRequest({ verb: 'watch', code: 200, latencyMs: 60_000 })
    c.advance(20_000)
    history.observeRequest({ verb: 'get', code: 200, latencyMs: 3 })
    c.advance(10_000)

    const rate = history.series({ kind: 'apiserver', metric: 'requestRate' })
    expect(rate.map((p) => p.value)).toEqual([6.1, 0, 0.1])
    expect(rate.map((p) => p.time - T0)).toEqual([10_000, 20_000, 30_000])
    const errors = history.series({ kind: 'apiserver', metric: 'errorRate' })
    expect(errors.map((p) => p.value)).toEqual([1, 0, 0])
    const p50 = history.series({ kind: 'apiserver', metric: 'latencyP50' })
    // Quiet buckets have no latency; the watch's minute is not a latency.
    expect(p50.map((p) => p.time - T0)).toEqual([10_000, 30_000])
    expect(p50[0].value).toBeGreaterThan(2.5)
    expect(p50[0].value).toBeLessThanOrEqual(5)
    const p99 = history.series({ kind: 'apiserver', metric: 'latencyP99' })
    expect(p99[0].value).toBeGreaterThan(25)
    expect(p99[0].value).toBeLessThanOrEqual(50)
  })

  it('counts scheduled pods as throughput and every attempt in the attempt rate', () => {
    const c = clock(T0)
    const history = new MetricsHistory({ now: c.now, bucketMs: 10_000 })
    for (let i = 0; i < 30; i++) history.observeScheduling({ result: 'scheduled', latencyMs: 8 })
    for (let i = 0; i < 10; i++)
      history.observeScheduling({ result: 'unschedulable', latencyMs: 1 })
    c.advance(10_000)
    expect(history.series({ kind: 'scheduler', metric: 'throughput' })).toEqual([
      { time: T0 + 10_000, value: 3 }
    ])
    expect(history.series({ kind: 'scheduler', metric: 'attemptRate' })[0].value).toBe(4)
    const p99 = history.series({ kind: 'scheduler', metric: 'latencyP99' })[0].value
    expect(p99).toBeGreaterThan(5)
    expect(p99).toBeLessThanOrEqual(10)
  })

  it('forgets buckets older than the window', () => {
    const c = clock(T0)
    const history = new MetricsHistory({ now: c.now, bucketMs: 10_000, windowMs: 60_000 })
    history.observeRequest({ verb: 'get', code: 200, latencyMs: 1 })
    c.advance(10_000)
    expect(history.series({ kind: 'apiserver', metric: 'requestRate' })[0].value).toBe(0.1)
    c.advance(60_000)
    const rate = history.series({ kind: 'apiserver', metric: 'requestRate' })
    expect(rate.length).toBe(6)
    expect(rate.every((p) => p.value === 0)).toBe(true)
  })
})

describe('histogramQuantile', () => {
  const cases: [string, number, number[], number | undefined][] = [
    ['no observations', 0.5, [0, 0, 0], undefined],
    ['all in the first bucket', 0.5, [4], 0.5],
    ['interpolated in the second bucket', 0.5, [0, 2], 1.75],
    ['beyond the last bound', 0.99, [...new Array(13).fill(0), 5], 10000]
  ]
  it.each(cases)('%s', (_, q, counts, expected) => {
    const v = histogramQuantile(q, counts)
    if (expected === undefined) expect(v).toBeUndefined()
    else expect(v).toBeCloseTo(expected, 6)
  })
})
