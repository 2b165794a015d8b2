/**
 * The latest node and pod usage, computed as metrics-server's storage does: CPU is a rate taken
 * from two samples of the cumulative CPU counter (`usageCoreNanoSeconds`), memory the working
 * set of the newer one. Each scrape stores a whole batch; per node and container the store keeps
 * the last two samples of the same start (a restart starts over), so the rate never spans a
 * restart and never goes negative. A container first seen less than one resolution after it
 * started counts from its start with zero CPU, so a new pod shows after one scrape, not two.
 */
import type {
  ContainerUsage,
  MetricsSource,
  PodUsage,
  UsagePoint
} from '../apiserver/metrics/metrics-source'

/** One sample of a cumulative CPU counter and the memory working set. */
export interface UsageSample {
  /** When the node or container started: its CPU counter was 0 then. */
  startTime: Date
  /** When the sample was taken. */
  timestamp: Date
  /** Cumulative CPU time since `startTime`, in nanoseconds. */
  cpuNanoSeconds: number
  memoryBytes: number
}

/** A pod's container samples from one scrape. */
export interface PodSamples {
  namespace: string
  name: string
  uid: string
  containers: Map<string, UsageSample>
}

/** Everything one scrape collected. */
export interface UsageBatch {
  nodes: Map<string, UsageSample>
  pods: PodSamples[]
}

/** metrics-server's freshContainerMinMetricsResolution: a younger container gives no rate yet. */
const FRESH_MIN_AGE_MS = 10_000

/** The usage between two samples; undefined when the counter went down or no time passed. */
export function usageBetween(last: UsageSample, prev: UsageSample): UsagePoint | undefined {
  const windowMs = last.timestamp.getTime() - prev.timestamp.getTime()
  if (windowMs <= 0 || last.cpuNanoSeconds < prev.cpuNanoSeconds) return undefined
  return {
    timestamp: last.timestamp,
    windowMs,
    // ns of CPU per ms of wall time, × 1000: ns per s, i.e. nanocores.
    cpuNanoCores: ((last.cpuNanoSeconds - prev.cpuNanoSeconds) / windowMs) * 1e3,
    memoryBytes: last.memoryBytes
  }
}

interface Pair {
  last: UsageSample
  prev?: UsageSample
}

/** Where the stored pair goes when `next` arrives (metrics-server's Store rules). */
export function advance(stored: Pair | undefined, next: UsageSample, resolutionMs: number): Pair {
  const age = next.timestamp.getTime() - next.startTime.getTime()
  if (age > 0 && age < resolutionMs && age >= FRESH_MIN_AGE_MS) {
    // Fresh: the counter was 0 at start, which is as good a sample as a scrape.
    return { last: next, prev: { ...next, timestamp: next.startTime, cpuNanoSeconds: 0 } }
  }
  // Same start as the stored sample (no restart in between): keep the older one as prev.
  if (stored && next.startTime.getTime() < stored.last.timestamp.getTime()) {
    if (next.timestamp > stored.last.timestamp) return { last: next, prev: stored.last }
    if (stored.prev && stored.prev.timestamp < next.timestamp) {
      return { last: next, prev: stored.prev }
    }
  }
  return { last: next }
}

/** The latest usage of every node and pod the scrapes saw; what `metrics.k8s.io` serves. */
export class UsageStore implements MetricsSource {
  private nodes = new Map<string, Pair>()
  private pods = new Map<string, { uid: string; containers: Map<string, Pair> }>()

  /** @param resolutionMs how often scrapes come (the fresh-container rule needs it). */
  constructor(private readonly resolutionMs: number) {}

  /** Replaces the stored batch: what the scrape did not see is forgotten. */
  store(batch: UsageBatch): void {
    const nodes = new Map<string, Pair>()
    for (const [name, sample] of batch.nodes) {
      nodes.set(name, advance(this.nodes.get(name), sample, this.resolutionMs))
    }
    const pods = new Map<string, { uid: string; containers: Map<string, Pair> }>()
    for (const pod of batch.pods) {
      const key = `${pod.namespace}/${pod.name}`
      const before = this.pods.get(key)
      const same = before?.uid === pod.uid ? before : undefined
      const containers = new Map<string, Pair>()
      for (const [name, sample] of pod.containers) {
        containers.set(name, advance(same?.containers.get(name), sample, this.resolutionMs))
      }
      pods.set(key, { uid: pod.uid, containers })
    }
    this.nodes = nodes
    this.pods = pods
  }

  node(name: string): UsagePoint | undefined {
    const pair = this.nodes.get(name)
    return pair?.prev && usageBetween(pair.last, pair.prev)
  }

  pod(namespace: string, name: string): PodUsage | undefined {
    const stored = this.pods.get(`${namespace}/${name}`)
    if (!stored) return undefined
    const containers: ContainerUsage[] = []
    let earliest: UsagePoint | undefined
    for (const [container, pair] of stored.containers) {
      const point = pair.prev && usageBetween(pair.last, pair.prev)
      if (!point) continue
      containers.push({
        name: container,
        cpuNanoCores: point.cpuNanoCores,
        memoryBytes: point.memoryBytes
      })
      if (!earliest || point.timestamp < earliest.timestamp) earliest = point
    }
    if (!earliest) return undefined
    return {
      uid: stored.uid,
      timestamp: earliest.timestamp,
      windowMs: earliest.windowMs,
      containers
    }
  }

  /** Names of the nodes with a usage. */
  nodeNames(): string[] {
    return [...this.nodes.keys()].filter((n) => this.node(n) !== undefined)
  }

  /** `namespace/name` of the pods with a usage. */
  podKeys(): string[] {
    return [...this.pods.keys()].filter((k) => {
      const [ns, name] = k.split('/')
      return this.pod(ns, name) !== undefined
    })
  }
}
