/**
 * The usage store: CPU rates from two samples of the cumulative counter (metrics-server's
 * rules for restarts, fresh containers and recreated pods), and the quantities metrics.k8s.io
 * prints them with.
 */
import { describe, expect, it } from 'vitest'
import {
  formatGoDuration,
  formatMemoryBytes,
  formatNanoCores
} from '../../src/main/apiserver/metrics/quantities'
import {
  UsageStore,
  usageBetween,
  type UsageBatch,
  type UsageSample
} from '../../src/main/observe/usage-store'

const T0 = Date.parse('2026-01-01T10:00:00Z')
const RESOLUTION = 15_000

/** A sample `s` seconds after T0 of a counter started `started` seconds after T0. */
function sample(s: number, cpuSeconds: number, started = -3600, memory = 1024): UsageSample {
  return {
    startTime: new Date(T0 + started * 1000),
    timestamp: new Date(T0 + s * 1000),
    cpuNanoSeconds: cpuSeconds * 1e9,
    memoryBytes: memory
  }
}

function batch(
  node: UsageSample,
  containers: [string, UsageSample][] = [],
  uid = 'u1'
): UsageBatch {
  return {
    nodes: new Map([['n1', node]]),
    pods: [{ namespace: 'default', name: 'web', uid, containers: new Map(containers) }]
  }
}

describe('usageBetween', () => {
  const cases: [string, UsageSample, UsageSample, number | undefined][] = [
    ['one core busy for 15 s', sample(15, 115), sample(0, 100), 1e9],
    ['a quarter core', sample(20, 105), sample(0, 100), 0.25e9],
    ['idle', sample(15, 100), sample(0, 100), 0],
    ['a counter that went down (restarted)', sample(15, 1), sample(0, 100), undefined],
    ['no time between the samples', sample(0, 101), sample(0, 100), undefined]
  ]
  it.each(cases)('%s', (_, last, prev, nanoCores) => {
    const point = usageBetween(last, prev)
    if (nanoCores === undefined) {
      expect(point).toBeUndefined()
      return
    }
    expect(point?.cpuNanoCores).toBeCloseTo(nanoCores, 0)
    expect(point?.timestamp).toEqual(last.timestamp)
    expect(point?.windowMs).toBe(last.timestamp.getTime() - prev.timestamp.getTime())
    expect(point?.memoryBytes).toBe(last.memoryBytes)
  })
})

describe('UsageStore', () => {
  it('has no usage after one scrape and the rate over the last two after that', () => {
    const store = new UsageStore(RESOLUTION)
    store.store(batch(sample(0, 100), [['app', sample(0, 10)]]))
    expect(store.node('n1')).toBeUndefined()
    expect(store.pod('default', 'web')).toBeUndefined()
    store.store(batch(sample(15, 107.5), [['app', sample(15, 25)]]))
    expect(store.node('n1')?.cpuNanoCores).toBeCloseTo(0.5e9, 0)
    expect(store.pod('default', 'web')).toMatchObject({
      uid: 'u1',
      windowMs: 15_000,
      containers: [{ name: 'app', cpuNanoCores: 1e9 }]
    })
    store.store(batch(sample(30, 110), [['app', sample(30, 26.5)]]))
    expect(store.node('n1')?.cpuNanoCores).toBeCloseTo((2.5 / 15) * 1e9, 0)
    expect(store.pod('default', 'web')?.containers[0].cpuNanoCores).toBeCloseTo(0.1e9, 0)
  })

  it('starts over when a container restarted between two scrapes', () => {
    const store = new UsageStore(RESOLUTION)
    store.store(batch(sample(0, 100), [['app', sample(0, 50)]]))
    store.store(batch(sample(15, 101), [['app', sample(15, 51)]]))
    // Restarted 5 s before the scrape: its counter restarted from 0 and is too young for a rate.
    store.store(batch(sample(30, 102), [['app', sample(30, 1, 25)]]))
    expect(store.pod('default', 'web')).toBeUndefined()
    store.store(batch(sample(45, 103), [['app', sample(45, 4, 25)]]))
    expect(store.pod('default', 'web')?.containers[0].cpuNanoCores).toBeCloseTo(0.2e9, 0)
  })

  it('counts a container seen 10 s to one resolution after its start from zero at once', () => {
    const store = new UsageStore(RESOLUTION)
    store.store(batch(sample(0, 100), [['app', sample(0, 6, -12)]]))
    const point = store.pod('default', 'web')
    expect(point?.windowMs).toBe(12_000)
    expect(point?.containers[0].cpuNanoCores).toBeCloseTo(0.5e9, 0)
  })

  it('forgets the usage of a pod recreated under the same name, and of what a scrape missed', () => {
    const store = new UsageStore(RESOLUTION)
    store.store(batch(sample(0, 100), [['app', sample(0, 10)]]))
    store.store(batch(sample(15, 101), [['app', sample(15, 11)]], 'u2'))
    expect(store.pod('default', 'web')).toBeUndefined()
    store.store(batch(sample(30, 102), [['app', sample(30, 12)]], 'u2'))
    expect(store.pod('default', 'web')?.uid).toBe('u2')
    store.store({ nodes: new Map(), pods: [] })
    expect(store.pod('default', 'web')).toBeUndefined()
    expect(store.node('n1')).toBeUndefined()
    expect(store.nodeNames()).toEqual([])
  })
})

describe('quantities as metrics-server prints them', () => {
  const cpu: [number, string][] = [
    [0, '0'],
    [123456789, '123456789n'],
    [12e6, '12m'],
    [1.5e6, '1500u'],
    [2.5e9, '2500m'],
    [1e9, '1'],
    [3e9, '3'],
    [0.4, '0']
  ]
  it.each(cpu)('%d nanocores → %s', (n, text) => expect(formatNanoCores(n)).toBe(text))

  const memory: [number, string][] = [
    [0, '0'],
    [1000, '1k'],
    [512, '512'],
    [1264 * 1024, '1264Ki'],
    [64 * 2 ** 20, '64Mi'],
    [2 ** 30, '1Gi'],
    [1_000_001, '1000001']
  ]
  it.each(memory)('%d bytes → %s', (n, text) => expect(formatMemoryBytes(n)).toBe(text))

  const durations: [number, string][] = [
    [0, '0s'],
    [250, '250ms'],
    [15_000, '15s'],
    [15_012, '15.012s'],
    [10_500, '10.5s'],
    [60_500, '1m0.5s'],
    [3_725_000, '1h2m5s']
  ]
  it.each(durations)('%d ms → %s', (ms, text) => expect(formatGoDuration(ms)).toBe(text))
})
