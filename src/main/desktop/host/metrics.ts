/**
 * The `metrics` topic: a MetricsSnapshot every ~5 s for the Metrics view's charts — node CPU and
 * memory, API server and scheduler series from the control plane's 15-minute metrics history,
 * and pods by phase, which the host samples from its pod cache on each push.
 */
import type { KubeObject } from '../../apiserver/types'
import type { MetricsHistory } from '../../observe/metrics-history'
import type { MetricsSnapshot, PodSummary, SeriesPoint } from '../../../shared/desktop-api'
import { POD_PHASES, podPhase } from './pod-summaries'

/** How often the metrics topic pushes. */
export const METRICS_PUSH_INTERVAL_MS = 5000

/** Pods-by-phase points the host samples (kept 15 minutes, as the metrics history). */
export class PodPhaseSampler {
  private readonly points = new Map<PodSummary['phase'], SeriesPoint[]>(
    POD_PHASES.map((p) => [p, []])
  )

  constructor(
    private readonly windowMs = 15 * 60_000,
    /** Samples closer together than this are one sample (several subscribers push). */
    private readonly minGapMs = 1000
  ) {}

  /** Counts the pods by phase now (unless a sample was taken just before). */
  sample(pods: Iterable<KubeObject>, now = Date.now()): void {
    const last = this.points.get('Pending')!.at(-1)
    if (last && now - last.time < this.minGapMs) return
    const counts = new Map<PodSummary['phase'], number>(POD_PHASES.map((p) => [p, 0]))
    for (const pod of pods) {
      const phase = podPhase(pod)
      counts.set(phase, counts.get(phase)! + 1)
    }
    for (const phase of POD_PHASES) {
      const series = this.points.get(phase)!
      series.push({ time: now, value: counts.get(phase)! })
      while (series.length > 0 && series[0].time < now - this.windowMs) series.shift()
    }
  }

  series(): MetricsSnapshot['podsByPhase'] {
    return POD_PHASES.map((phase) => ({ phase, points: [...this.points.get(phase)!] }))
  }
}

/** The snapshot now: one entry per node (Node objects and nodes with points). */
export function metricsSnapshot(
  history: MetricsHistory,
  nodeNames: Iterable<string>,
  sampler: PodPhaseSampler
): MetricsSnapshot {
  const series = new Map(history.allNodeSeries().map((s) => [s.name, s]))
  const names = [...new Set([...nodeNames, ...series.keys()])].sort()
  return {
    nodes: names.map((name) => ({
      name,
      cpuCores: series.get(name)?.cpu ?? [],
      memoryBytes: series.get(name)?.memory ?? []
    })),
    podsByPhase: sampler.series(),
    apiserver: {
      requestRate: history.series({ kind: 'apiserver', metric: 'requestRate' }),
      errorRate: history.series({ kind: 'apiserver', metric: 'errorRate' }),
      latencyP50Ms: history.series({ kind: 'apiserver', metric: 'latencyP50' }),
      latencyP99Ms: history.series({ kind: 'apiserver', metric: 'latencyP99' })
    },
    scheduler: {
      throughput: history.series({ kind: 'scheduler', metric: 'throughput' }),
      attemptRate: history.series({ kind: 'scheduler', metric: 'attemptRate' }),
      latencyP50Ms: history.series({ kind: 'scheduler', metric: 'latencyP50' }),
      latencyP99Ms: history.series({ kind: 'scheduler', metric: 'latencyP99' })
    }
  }
}
