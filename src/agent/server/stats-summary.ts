/**
 * `GET /stats/summary`: the kubelet's Summary API (stats/v1alpha1), what metrics-server and
 * the UI read. Built from the runtime's per-container stats; `usageNanoCores` is a rate, so the
 * collector keeps the previous sample of every container and reports it from the second call on
 * (as cAdvisor needs two housekeeping samples before it knows a rate).
 */
import { LABELS, type ContainerRuntime, type ContainerStats } from '../runtime/types'

/** CPU use: a rate (absent until two samples exist) and the cumulative time. */
export interface CpuStats {
  time: string
  usageNanoCores?: number
  usageCoreNanoSeconds: number
}

/** Memory use. */
export interface MemoryStats {
  time: string
  workingSetBytes: number
}

/** One container's stats. */
export interface ContainerSummary {
  name: string
  startTime: string
  cpu: CpuStats
  memory: MemoryStats
}

/** One pod's stats. */
export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string }
  startTime: string
  containers: ContainerSummary[]
  cpu: CpuStats
  memory: MemoryStats
}

/** The Summary API answer. */
export interface Summary {
  node: { nodeName: string; startTime: string; cpu: CpuStats; memory: MemoryStats }
  pods: PodSummary[]
}

/** Computes summaries; one per kubelet, so rates span the interval between two requests. */
export interface StatsCollector {
  summary(): Promise<Summary>
}

interface Sample {
  cpu: number
  at: number
}

/** The kubelet process itself counts toward the node (the node has no other workload). */
function selfStats(): ContainerStats {
  const { user, system } = process.cpuUsage()
  return {
    cpuUsageNanoSeconds: (user + system) * 1000,
    memoryWorkingSetBytes: process.memoryUsage().rss,
    timestamp: new Date()
  }
}

/** Options of createStatsCollector. */
export interface StatsCollectorOptions {
  startTime?: Date
  /**
   * What the node spends besides its pods (default: this process, the kubelet). Simulated nodes
   * share the control plane's process, so they count nothing here.
   */
  self?: (() => ContainerStats) | null
}

/**
 * A collector for `nodeName` over `runtime`. Node figures are best effort: the kubelet's own
 * process plus every running container, since pod containers of the docker runtime live outside
 * the node container's cgroup. The node's cumulative CPU keeps what exited containers used, so
 * it never goes down (as the root cgroup's counter), and a rate can be taken from any two.
 */
export function createStatsCollector(
  nodeName: string,
  runtime: ContainerRuntime,
  opts: StatsCollectorOptions = {}
): StatsCollector {
  const startTime = opts.startTime ?? new Date()
  const self = opts.self === undefined ? selfStats : opts.self
  const previous = new Map<string, Sample>()
  /** CPU of containers no longer running, still part of the node's cumulative figure. */
  let retiredCpu = 0

  const rate = (key: string, stats: ContainerStats, seen: Set<string>): CpuStats => {
    const at = stats.timestamp.getTime()
    const before = previous.get(key)
    seen.add(key)
    previous.set(key, { cpu: stats.cpuUsageNanoSeconds, at })
    const cpu: CpuStats = {
      time: stats.timestamp.toISOString(),
      usageCoreNanoSeconds: stats.cpuUsageNanoSeconds
    }
    if (before && at > before.at && stats.cpuUsageNanoSeconds >= before.cpu) {
      cpu.usageNanoCores = Math.round(
        ((stats.cpuUsageNanoSeconds - before.cpu) / ((at - before.at) * 1e6)) * 1e9
      )
    }
    return cpu
  }

  return {
    async summary() {
      const seen = new Set<string>()
      const sandboxes = await runtime.listPodSandboxes()
      const containers = await runtime.listContainers({ state: 'running' })
      // All at once: an engine may take a second per container (docker's stats call), and the
      // metrics scraper gives a kubelet 5 s for the whole summary.
      const sampled = new Map(
        await Promise.all(
          containers.map(async (c) => {
            // undefined: exited between the list and the stats call
            const stats = await runtime.containerStats(c.id).catch(() => undefined)
            return [c.id, stats] as const
          })
        )
      )
      const pods: PodSummary[] = []
      let nodeCpu = 0
      let nodeMemory = 0
      const nodeRate = { cores: 0, known: true }
      for (const sandbox of sandboxes) {
        const own = containers.filter((c) => c.podSandboxId === sandbox.id)
        if (sandbox.state !== 'ready' && own.length === 0) continue
        const summaries: ContainerSummary[] = []
        let podCpu = 0
        let podCores = 0
        let podRateKnown = true
        let podMemory = 0
        for (const c of own) {
          const stats = sampled.get(c.id)
          if (!stats) continue
          const cpu = rate(c.id, stats, seen)
          summaries.push({
            name: c.labels[LABELS.containerName] ?? c.name,
            startTime: (c.startedAt ?? c.createdAt).toISOString(),
            cpu,
            memory: {
              time: stats.timestamp.toISOString(),
              workingSetBytes: stats.memoryWorkingSetBytes
            }
          })
          podCpu += stats.cpuUsageNanoSeconds
          podMemory += stats.memoryWorkingSetBytes
          if (cpu.usageNanoCores === undefined) podRateKnown = false
          else podCores += cpu.usageNanoCores
        }
        const time = new Date().toISOString()
        pods.push({
          podRef: {
            name: sandbox.metadata.name,
            namespace: sandbox.metadata.namespace,
            uid: sandbox.metadata.uid
          },
          startTime: sandbox.createdAt.toISOString(),
          containers: summaries,
          cpu: {
            time,
            usageCoreNanoSeconds: podCpu,
            ...(podRateKnown ? { usageNanoCores: podCores } : {})
          },
          memory: { time, workingSetBytes: podMemory }
        })
        nodeCpu += podCpu
        nodeMemory += podMemory
        if (podRateKnown) nodeRate.cores += podCores
        else nodeRate.known = false
      }
      const own = self?.() ?? {
        cpuUsageNanoSeconds: 0,
        memoryWorkingSetBytes: 0,
        timestamp: new Date()
      }
      const selfCpu = rate('\0kubelet', own, seen)
      if (selfCpu.usageNanoCores === undefined) nodeRate.known = false
      else nodeRate.cores += selfCpu.usageNanoCores
      for (const [key, sample] of previous) {
        if (seen.has(key)) continue
        retiredCpu += sample.cpu
        previous.delete(key)
      }
      const time = own.timestamp.toISOString()
      return {
        node: {
          nodeName,
          startTime: startTime.toISOString(),
          cpu: {
            time,
            usageCoreNanoSeconds: retiredCpu + nodeCpu + own.cpuUsageNanoSeconds,
            ...(nodeRate.known ? { usageNanoCores: nodeRate.cores } : {})
          },
          memory: { time, workingSetBytes: nodeMemory + own.memoryWorkingSetBytes }
        },
        pods
      }
    }
  }
}
