/**
 * A short in-memory history (15 minutes) for the UI's charts: node and pod CPU and memory from
 * every scrape, the API server's request rate, error rate and latency, and the scheduler's
 * throughput and attempt latency. Requests and scheduling attempts are counted into fixed time
 * buckets (10 s) with a latency histogram each, as Prometheus histograms are, so the memory
 * used stays bounded however busy the cluster is. Query with `series`.
 */
import type { UsageStore } from './usage-store'

/** One point of a series: when (ms since the epoch) and the value. */
export interface SeriesPoint {
  time: number
  value: number
}

/** What `series` can answer; the units are in each metric's comment. */
export type SeriesQuery =
  /** cpu: cores; memory: bytes (working set). */
  | { kind: 'node'; name: string; metric: 'cpu' | 'memory' }
  | { kind: 'pod'; namespace: string; name: string; metric: 'cpu' | 'memory' }
  /** requestRate, errorRate (5xx): per second; latency: ms (watches excluded). */
  | { kind: 'apiserver'; metric: 'requestRate' | 'errorRate' | 'latencyP50' | 'latencyP99' }
  /** throughput: pods scheduled per second; attemptRate: attempts per second; latency: ms. */
  | { kind: 'scheduler'; metric: 'throughput' | 'attemptRate' | 'latencyP50' | 'latencyP99' }

/** A finished API request, as the API server's access log sees it. */
export interface RequestObservation {
  verb: string
  code: number
  latencyMs: number
}

/** How one scheduling attempt ended and how long it took (algorithm and binding). */
export interface SchedulingObservation {
  result: 'scheduled' | 'unschedulable' | 'error'
  latencyMs: number
}

/** Options of MetricsHistory. */
export interface MetricsHistoryOptions {
  /** How far back the history goes (default 15 minutes). */
  windowMs?: number
  /** The width of a request or scheduling bucket (default 10 s). */
  bucketMs?: number
  now?: () => number
}

/** Upper bounds (ms) of the latency histogram buckets; the last one catches the rest. */
export const LATENCY_BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

interface Bucket {
  start: number
  count: number
  matched: number
  latencies: number[]
}

function newBucket(start: number): Bucket {
  return { start, count: 0, matched: 0, latencies: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0) }
}

/** The q-quantile of a latency histogram, interpolated within its bucket (histogram_quantile). */
export function histogramQuantile(q: number, counts: readonly number[]): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return undefined
  const rank = q * total
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= rank && counts[i] > 0) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]
      // The overflow bucket has no upper bound: answer its lower one, as Prometheus does.
      if (i >= LATENCY_BOUNDS_MS.length) return lower
      return lower + (LATENCY_BOUNDS_MS[i] - lower) * ((rank - seen) / counts[i])
    }
    seen += counts[i]
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]
}

/** Counts per time bucket, oldest first, trimmed to the window. */
class BucketSeries {
  private readonly buckets: Bucket[] = []

  constructor(
    private readonly bucketMs: number,
    private readonly windowMs: number
  ) {}

  add(now: number, matched: boolean, latencyMs: number | undefined): void {
    const start = now - (now % this.bucketMs)
    let last = this.buckets[this.buckets.length - 1]
    if (!last || last.start !== start) {
      last = newBucket(start)
      this.buckets.push(last)
      this.trim(now)
    }
    last.count++
    if (matched) last.matched++
    if (latencyMs !== undefined) {
      const i = LATENCY_BOUNDS_MS.findIndex((b) => latencyMs <= b)
      last.latencies[i === -1 ? LATENCY_BOUNDS_MS.length : i]++
    }
  }

  trim(now: number): void {
    while (
      this.buckets.length > 0 &&
      this.buckets[0].start + this.bucketMs <= now - this.windowMs
    ) {
      this.buckets.shift()
    }
  }

  /**
   * One point per closed bucket from the one holding `from` (within the window), stamped with
   * the bucket's end; a bucket nothing happened in counts as 0.
   */
  points(
    now: number,
    from: number,
    value: (b: Bucket, seconds: number) => number | undefined
  ): SeriesPoint[] {
    this.trim(now)
    const byStart = new Map(this.buckets.map((b) => [b.start, b]))
    const out: SeriesPoint[] = []
    for (let t = from - (from % this.bucketMs); t + this.bucketMs <= now; t += this.bucketMs) {
      const v = value(byStart.get(t) ?? newBucket(t), this.bucketMs / 1000)
      if (v !== undefined) out.push({ time: t + this.bucketMs, value: v })
    }
    return out
  }
}

/** Points of one node or pod, oldest first, trimmed to the window. */
class PointSeries {
  readonly cpu: SeriesPoint[] = []
  readonly memory: SeriesPoint[] = []

  trim(oldest: number): void {
    while (this.cpu.length > 0 && this.cpu[0].time < oldest) this.cpu.shift()
    while (this.memory.length > 0 && this.memory[0].time < oldest) this.memory.shift()
  }
}

/** The history; one per control plane. */
export class MetricsHistory {
  private readonly windowMs: number
  private readonly now: () => number
  private readonly started: number
  private readonly nodeSeries = new Map<string, PointSeries>()
  private readonly podSeries = new Map<string, PointSeries>()
  private readonly requests: BucketSeries
  private readonly scheduling: BucketSeries

  constructor(opts: MetricsHistoryOptions = {}) {
    this.windowMs = opts.windowMs ?? 15 * 60_000
    this.now = opts.now ?? Date.now
    this.started = this.now()
    const bucketMs = opts.bucketMs ?? 10_000
    this.requests = new BucketSeries(bucketMs, this.windowMs)
    this.scheduling = new BucketSeries(bucketMs, this.windowMs)
  }

  /** Records the usage store's current figures (after each scrape). */
  recordUsage(usage: UsageStore): void {
    for (const name of usage.nodeNames()) {
      const point = usage.node(name)!
      this.push(
        this.nodeSeries,
        name,
        point.timestamp.getTime(),
        point.cpuNanoCores,
        point.memoryBytes
      )
    }
    for (const key of usage.podKeys()) {
      const [namespace, name] = key.split('/')
      const point = usage.pod(namespace, name)!
      const cpu = point.containers.reduce((sum, c) => sum + c.cpuNanoCores, 0)
      const memory = point.containers.reduce((sum, c) => sum + c.memoryBytes, 0)
      this.push(this.podSeries, key, point.timestamp.getTime(), cpu, memory)
    }
    this.trimPoints()
  }

  /** Counts a finished API request (watches count toward the rate, not the latency). */
  observeRequest(e: RequestObservation): void {
    const longRunning = e.verb === 'watch'
    this.requests.add(this.now(), e.code >= 500, longRunning ? undefined : e.latencyMs)
  }

  /** Counts a scheduling attempt. */
  observeScheduling(e: SchedulingObservation): void {
    this.scheduling.add(this.now(), e.result === 'scheduled', e.latencyMs)
  }

  /** Names of the nodes with points. */
  nodes(): string[] {
    this.trimPoints()
    return [...this.nodeSeries.keys()].sort()
  }

  /** The pods with points. */
  pods(): { namespace: string; name: string }[] {
    this.trimPoints()
    return [...this.podSeries.keys()].sort().map((k) => {
      const [namespace, name] = k.split('/')
      return { namespace, name }
    })
  }

  /** The points of one series since `sinceMs` (default: the whole window), oldest first. */
  series(q: SeriesQuery, sinceMs?: number): SeriesPoint[] {
    const now = this.now()
    const from = Math.max(sinceMs ?? 0, now - this.windowMs, this.started)
    switch (q.kind) {
      case 'node':
      case 'pod': {
        this.trimPoints()
        const key = q.kind === 'node' ? q.name : `${q.namespace}/${q.name}`
        const s = (q.kind === 'node' ? this.nodeSeries : this.podSeries).get(key)
        return (s?.[q.metric] ?? []).filter((p) => p.time >= from)
      }
      case 'apiserver':
        return this.requests.points(now, from, (b, seconds) => {
          if (q.metric === 'requestRate') return b.count / seconds
          if (q.metric === 'errorRate') return b.matched / seconds
          return histogramQuantile(q.metric === 'latencyP50' ? 0.5 : 0.99, b.latencies)
        })
      case 'scheduler':
        return this.scheduling.points(now, from, (b, seconds) => {
          if (q.metric === 'throughput') return b.matched / seconds
          if (q.metric === 'attemptRate') return b.count / seconds
          return histogramQuantile(q.metric === 'latencyP50' ? 0.5 : 0.99, b.latencies)
        })
    }
  }

  /**
   * Every node's CPU and memory series, by name: `series` for each node, trimming once (a
   * thousand nodes would otherwise trim every series two thousand times).
   */
  allNodeSeries(): { name: string; cpu: SeriesPoint[]; memory: SeriesPoint[] }[] {
    this.trimPoints()
    const from = Math.max(this.now() - this.windowMs, this.started)
    return [...this.nodeSeries.keys()].sort().map((name) => {
      const s = this.nodeSeries.get(name)!
      return {
        name,
        cpu: s.cpu.filter((p) => p.time >= from),
        memory: s.memory.filter((p) => p.time >= from)
      }
    })
  }

  /**
   * The newest CPU and memory points of one node or pod within the window, or undefined: O(1),
   * for "usage now" displays that ask about every node often (`series` copies and trims).
   */
  latest(
    q: { kind: 'node'; name: string } | { kind: 'pod'; namespace: string; name: string }
  ): { cpu: SeriesPoint; memory: SeriesPoint } | undefined {
    const key = q.kind === 'node' ? q.name : `${q.namespace}/${q.name}`
    const s = (q.kind === 'node' ? this.nodeSeries : this.podSeries).get(key)
    const cpu = s?.cpu[s.cpu.length - 1]
    const memory = s?.memory[s.memory.length - 1]
    if (!cpu || !memory || cpu.time < this.now() - this.windowMs) return undefined
    return { cpu, memory }
  }

  private push(
    into: Map<string, PointSeries>,
    key: string,
    time: number,
    cpuNanoCores: number,
    memoryBytes: number
  ): void {
    let s = into.get(key)
    if (!s) into.set(key, (s = new PointSeries()))
    // The same sample seen again (no newer scrape of it) adds no point.
    if (s.cpu.length > 0 && s.cpu[s.cpu.length - 1].time >= time) return
    s.cpu.push({ time, value: cpuNanoCores / 1e9 })
    s.memory.push({ time, value: memoryBytes })
  }

  private trimPoints(): void {
    const oldest = this.now() - this.windowMs
    for (const series of [this.nodeSeries, this.podSeries]) {
      for (const [key, s] of series) {
        s.trim(oldest)
        if (s.cpu.length === 0) series.delete(key)
      }
    }
  }
}
