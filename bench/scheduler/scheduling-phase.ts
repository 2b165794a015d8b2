/**
 * The SchedulingBasic shape of Kubernetes' scheduler_perf
 * (test/integration/scheduler_perf/misc/performance-config.yaml): `nodes` Nodes, `initPods` pods
 * scheduled first, then `measurePods` pods created by the load generator while the scheduler
 * places them. Throughput is measured pods ÷ (last binding seen − first create sent); the
 * latency of one pod is its create sent → the watch event where it has `spec.nodeName`.
 *
 * Also the baseline of the same run: the same pods created on an API server without a
 * scheduler, so the scheduler's rate can be read against what the API server alone allows.
 */
import { performance } from 'node:perf_hooks'
import type { Pod } from 'kubernetes-types/core/v1'
import { percentile, round } from '../cluster/docker-phase'
import { InProcessCluster, inParallel, perfNode, perfPod } from './in-process-cluster'

/** How many of what. */
export interface SchedulingShape {
  nodes: number
  initPods: number
  measurePods: number
  /** Creates in flight at once (scheduler_perf creates from many goroutines). */
  concurrency: number
}

const NAMESPACE = 'default'
const POD = { apiVersion: 'v1', kind: 'Pod' }
const BIND_TIMEOUT_MS = 300_000

/** Answers `sched_<N>n_<P>p_*` metrics for one shape. */
export async function runSchedulingShape(
  shape: SchedulingShape,
  prefix: string,
  log: (line: string) => void
): Promise<Record<string, number>> {
  const cluster = await InProcessCluster.start()
  try {
    const client = cluster.client
    const t0 = performance.now()
    await inParallel(shape.nodes, 32, (i) => client.create(perfNode(`scheduler-perf-${i}`)))
    log(`${prefix}: ${shape.nodes} nodes created in ${round((performance.now() - t0) / 1000)} s`)
    await cluster.startScheduler()

    const boundAt = new Map<string, number>()
    let waiting: { names: Set<string>; done: () => void } | undefined
    const list = await client.list(POD, { namespace: NAMESPACE })
    const watch = await client.watch(
      POD,
      { namespace: NAMESPACE, resourceVersion: list.metadata.resourceVersion },
      (event) => {
        const pod = event.object as Pod
        const name = pod.metadata?.name ?? ''
        if (!pod.spec?.nodeName || boundAt.has(name)) return
        boundAt.set(name, performance.now())
        if (waiting?.names.delete(name) && waiting.names.size === 0) waiting.done()
      }
    )
    const createAll = async (names: string[], sentAt?: Map<string, number>): Promise<void> => {
      const pending = new Set(names)
      const allBound = new Promise<void>((resolve) => (waiting = { names: pending, done: resolve }))
      await inParallel(names.length, shape.concurrency, async (i) => {
        sentAt?.set(names[i], performance.now())
        await client.create(perfPod(NAMESPACE, names[i]))
      })
      for (const n of names) if (boundAt.has(n)) pending.delete(n)
      if (pending.size > 0) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          allBound,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`${pending.size} pods not bound after ${BIND_TIMEOUT_MS} ms`)),
              BIND_TIMEOUT_MS
            )
          })
        ]).finally(() => clearTimeout(timer))
      }
      waiting = undefined
    }
    try {
      const init = Array.from({ length: shape.initPods }, (_, i) => `init-pod-${i}`)
      await createAll(init)
      log(`${prefix}: ${shape.initPods} initial pods bound`)
      const placementsBefore = cluster.placements.evaluated.length
      const measured = Array.from({ length: shape.measurePods }, (_, i) => `pod-${i}`)
      const sentAt = new Map<string, number>()
      const cpu0 = process.cpuUsage()
      const start = performance.now()
      await createAll(measured, sentAt)
      const last = Math.max(...measured.map((n) => boundAt.get(n) ?? 0))
      const cpu = process.cpuUsage(cpu0)
      const elapsed = last - start
      const latencies = measured.map((n) => (boundAt.get(n) ?? last) - (sentAt.get(n) ?? start))
      const evaluated = cluster.placements.evaluated.slice(placementsBefore)
      const feasible = cluster.placements.feasible.slice(placementsBefore)
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1)
      const m: Record<string, number> = {
        [`${prefix}_pods_per_s`]: round((shape.measurePods * 1000) / elapsed),
        [`${prefix}_p50_ms`]: round(percentile(latencies, 50)),
        [`${prefix}_p99_ms`]: round(percentile(latencies, 99)),
        [`${prefix}_scored_nodes_pct`]: round((100 * mean(feasible)) / shape.nodes),
        [`${prefix}_filtered_nodes_pct`]: round((100 * mean(evaluated)) / shape.nodes),
        [`${prefix}_cpu_pct`]: round(((cpu.user + cpu.system) / 1000 / elapsed) * 100),
        [`${prefix}_window_s`]: round(elapsed / 1000)
      }
      log(`${prefix}: ${m[`${prefix}_pods_per_s`]} pods/s`)
      return m
    } finally {
      watch.stop()
    }
  } finally {
    await cluster.close()
  }
}

/** The API server alone: the same pods created with the same concurrency, no scheduler. */
export async function runCreateBaseline(
  pods: number,
  concurrency: number,
  log: (line: string) => void
): Promise<Record<string, number>> {
  const cluster = await InProcessCluster.start()
  try {
    const client = cluster.client
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    await inParallel(pods, concurrency, (i) => client.create(perfPod(NAMESPACE, `pod-${i}`)))
    const elapsed = performance.now() - start
    const cpu = process.cpuUsage(cpu0)
    log(`baseline: ${pods} pods created without a scheduler in ${round(elapsed / 1000)} s`)
    return {
      api_create_pods_per_s: round((pods * 1000) / elapsed),
      api_create_cpu_pct: round(((cpu.user + cpu.system) / 1000 / elapsed) * 100)
    }
  } finally {
    await cluster.close()
  }
}
