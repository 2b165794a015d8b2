/**
 * The docker part of the cluster benchmark: `up --nodes 3 --provider docker` to three Ready
 * workers, 30 busybox pods to Running (seen by a watch), then the idle cost of the control plane
 * and the three node containers. Everything it made is removed in `cleanup()`.
 */
import type Dockerode from 'dockerode'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { containerLog } from '../../src/main/nodes/docker/container-log'
import { workerName } from '../../src/main/nodes/types'
import type { ApiClient, KubeObject } from './api-client'
import {
  containersCpuNs,
  networkExists,
  nodeContainers,
  removeCluster,
  waitNamesFree
} from './docker-nodes'
import { engineBaseline } from './engine-baseline'
import { podStages, readPodMarks } from './pod-stages'
import { pidsCpuSeconds, pidsNamed, treeCpuSeconds } from './proc-stats'
import { UpProcess } from './up-process'
import { isWorker, listAndWatch, nodeReady, watchUntil } from './watch-until'

/** How long and how much. */
export interface DockerPhaseConfig {
  nodes: number
  pods: number
  createConcurrency: number
  idleSeconds: number
  /** How long to wait for another cluster's node containers to go. */
  namesFreeTimeoutMs: number
  busyboxImage: string
  /** Flags for the `up` process's node (e.g. --cpu-prof). */
  nodeFlags?: string[]
  /** Where to copy the control plane's and the kubelets' logs before cleanup (--keep-logs). */
  keepLogsDir?: string
}

type Metrics = Record<string, number>

const NODES_READY_TIMEOUT_MS = 120_000
const PODS_RUNNING_TIMEOUT_MS = 120_000
/** Pods started one at a time after the burst (pod_startup_single_*). */
const SINGLE_PODS = 5
/** Quiet time before the idle window: the last status updates and watch closes settle. */
const SETTLE_MS = 3_000

/** One run of the docker part; `cleanup()` must be called however it ended. */
export class DockerPhase {
  private up?: UpProcess
  private dataDir?: string
  private ownNetwork = false
  private readonly podUids = new Set<string>()
  /** Where the time went when a target is missed (read from the run). */
  readonly notes: string[] = []

  constructor(
    private readonly docker: Dockerode,
    private readonly config: DockerPhaseConfig,
    private readonly log: (line: string) => void
  ) {}

  /** Runs the three measurements; answers their metrics. */
  async run(): Promise<Metrics> {
    const { nodes } = this.config
    const names = Array.from({ length: nodes }, (_, i) => workerName(i))
    await waitNamesFree(this.docker, names, this.config.namesFreeTimeoutMs, this.log)
    this.ownNetwork = !(await networkExists(this.docker))
    this.dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-cluster-'))
    const userKubeconfig = `${this.dataDir}.user-kc`
    writeFileSync(userKubeconfig, '')

    const metrics: Metrics = {}
    this.log(`== docker: kubedesk up --nodes ${nodes} --provider docker (${this.dataDir})`)
    const up = UpProcess.start(
      this.dataDir,
      ['--nodes', String(nodes), '--provider', 'docker'],
      userKubeconfig,
      this.config.nodeFlags
    )
    this.up = up
    try {
      const { api, readyAt } = await up.waitApiReady(NODES_READY_TIMEOUT_MS)
      metrics.up_api_ready_s = seconds(readyAt - up.startedAt)
      this.log(`API ready after ${metrics.up_api_ready_s} s`)
      try {
        const ready = new Set<string>()
        const readyAt3 = await watchUntil(
          api,
          '/api/v1/nodes',
          (node) => {
            if (!isWorker(node)) return
            if (nodeReady(node)) ready.add(node.metadata.name)
            else ready.delete(node.metadata.name)
          },
          () => ready.size >= nodes,
          NODES_READY_TIMEOUT_MS,
          () => `${ready.size} of ${nodes} worker nodes Ready`,
          () => up.nodeProblem()
        )
        metrics[`up_${nodes}_nodes_ready_s`] = seconds(readyAt3 - up.startedAt)
        this.log(`${nodes} nodes Ready after ${metrics[`up_${nodes}_nodes_ready_s`]} s`)

        Object.assign(metrics, await this.podStartup(api, names))
        Object.assign(metrics, await this.idle(up.pid, names))
        Object.assign(metrics, await this.singlePodStartup(api, names))
        Object.assign(metrics, await this.baseline(metrics))
      } finally {
        api.close()
      }
      rmSync(userKubeconfig, { force: true })
      return metrics
    } catch (err) {
      this.log(`kubedesk up stderr (last lines):\n${up.stderr().split('\n').slice(-30).join('\n')}`)
      throw err
    }
  }

  /** Creates the pods `createConcurrency` at a time with a watch open; p50/p99 create → Running. */
  private async podStartup(api: ApiClient, nodes: string[]): Promise<Metrics> {
    const { pods, createConcurrency } = this.config
    this.log(`== docker: ${pods} pods, ${createConcurrency} creates at a time`)
    const { sentAt, runningAt, run } = await this.startPods(api, nodes, pods, createConcurrency)
    this.log(`${pods} pods Running; slowest ${round(Math.max(...run))} s`)
    const metrics: Metrics = {
      pod_startup_p50_s: round(percentile(run, 50)),
      pod_startup_p99_s: round(percentile(run, 99)),
      pod_startup_max_s: round(Math.max(...run))
    }
    try {
      Object.assign(metrics, await this.stages(sentAt, runningAt))
    } catch (err) {
      this.log(`cannot read the kubelet logs for the stage breakdown: ${String(err)}`)
    }
    return metrics
  }

  /**
   * A user deploying one pod: SINGLE_PODS pods, each created once the one before is Running, so
   * the engine starts one sandbox and one container at a time (the burst above measures 30 at
   * once, where the engine's own pace sets the time).
   */
  private async singlePodStartup(api: ApiClient, nodes: string[]): Promise<Metrics> {
    this.log(`== docker: ${SINGLE_PODS} pods one at a time`)
    const { run } = await this.startPods(api, nodes, SINGLE_PODS, 1, true)
    return {
      pod_startup_single_p50_s: round(percentile(run, 50)),
      pod_startup_single_max_s: round(Math.max(...run))
    }
  }

  /**
   * Creates `count` busybox pods over `nodes`, `concurrency` creates at a time (with `oneByOne`,
   * each creator waits for its pod to be Running before the next), and answers when each was
   * sent and seen Running (and ready) by a watch, and the seconds between.
   */
  private async startPods(
    api: ApiClient,
    nodes: string[],
    count: number,
    concurrency: number,
    oneByOne = false
  ): Promise<{ sentAt: Map<string, number>; runningAt: Map<string, number>; run: number[] }> {
    const { busyboxImage } = this.config
    const runId = Math.random().toString(36).slice(2, 8)
    const sentAt = new Map<string, number>()
    const runningAt = new Map<string, number>()
    const waiters = new Map<string, () => void>()
    let allRunning: () => void = () => undefined
    const done = new Promise<void>((resolve) => (allRunning = resolve))
    const watch = await listAndWatch(
      api,
      `/api/v1/namespaces/default/pods?labelSelector=bench%3Dcluster-${runId}`,
      (pod: KubeObject, event) => {
        const name = pod.metadata.name
        if (pod.metadata.uid) this.podUids.add(pod.metadata.uid)
        const status = (pod.status ?? {}) as {
          phase?: string
          containerStatuses?: { ready?: boolean }[]
        }
        const statuses = status.containerStatuses ?? []
        if (
          status.phase === 'Running' &&
          statuses.length > 0 &&
          statuses.every((c) => c.ready === true) &&
          !runningAt.has(name)
        ) {
          runningAt.set(name, event.at)
          waiters.get(name)?.()
          if (runningAt.size === count) allRunning()
        }
      }
    )
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${runningAt.size} of ${count} pods Running after ` +
                `${PODS_RUNNING_TIMEOUT_MS / 1000} s`
            )
          ),
        PODS_RUNNING_TIMEOUT_MS
      )
    })
    const ended = watch.ended.then(() => Promise.reject(new Error('the pod watch ended')))
    // Raced below; once the pods are Running, closing the watch must not reject unobserved.
    for (const p of [timeout, ended]) p.catch(() => undefined)
    try {
      let next = 0
      const creator = async (): Promise<void> => {
        while (next < count) {
          const i = next++
          const name = `bench-${runId}-${i}`
          const pod = {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name, labels: { bench: `cluster-${runId}` } },
            spec: {
              nodeName: nodes[i % nodes.length],
              terminationGracePeriodSeconds: 0,
              containers: [{ name: 'sleep', image: busyboxImage, command: ['sleep', '3600'] }]
            }
          }
          const running = new Promise<void>((resolve) => waiters.set(name, resolve))
          sentAt.set(name, performance.now())
          const created = await api.json<KubeObject>('POST', '/api/v1/namespaces/default/pods', pod)
          if (created.metadata.uid) this.podUids.add(created.metadata.uid)
          if (oneByOne) await Promise.race([running, ended, timeout])
        }
      }
      await Promise.race([
        Promise.all(Array.from({ length: concurrency }, creator)),
        ended,
        timeout
      ])
      await Promise.race([done, ended, timeout])
    } finally {
      clearTimeout(timer)
      watch.close()
    }
    const run = [...sentAt]
      .filter(([n]) => runningAt.has(n))
      .map(([n, t]) => (runningAt.get(n)! - t) / 1000)
    return { sentAt, runningAt, run }
  }

  /**
   * The same number of bare sandbox + container pairs straight through the engine, for the
   * ratio: how much of pod startup is KubeDesk's and how much the engine's.
   */
  private async baseline(metrics: Metrics): Promise<Metrics> {
    const { pods, busyboxImage } = this.config
    this.log(`== docker: engine baseline, ${pods} sandbox + container pairs straight to dockerd`)
    const times = await engineBaseline(this.docker, busyboxImage, pods)
    const p99 = percentile(times, 99)
    return {
      docker_baseline_pod_p50_s: round(percentile(times, 50)),
      docker_baseline_pod_p99_s: round(p99),
      pod_startup_p99_vs_docker_x: round(metrics.pod_startup_p99_s / p99)
    }
  }

  /** p50/p99 of each startup stage, from the kubelets' logs (see pod-stages.ts). */
  private async stages(
    sentAt: Map<string, number>,
    runningAt: Map<string, number>
  ): Promise<Metrics> {
    const epoch = (m: Map<string, number>): Map<string, number> =>
      new Map([...m].map(([k, v]) => [k, performance.timeOrigin + v]))
    const ids = [...(await nodeContainers(this.docker, this.dataDir!)).values()]
    const stages = podStages(await readPodMarks(this.docker, ids), epoch(sentAt), epoch(runningAt))
    const metrics: Metrics = {}
    for (const [stage, values] of Object.entries(stages)) {
      if (values.length === 0) continue
      metrics[`pod_stage_${stage}_p50_s`] = round(percentile(values, 50))
      metrics[`pod_stage_${stage}_p99_s`] = round(percentile(values, 99))
    }
    return metrics
  }

  /** CPU of the control plane process tree and the node containers over the idle window. */
  private async idle(pid: number, names: string[]): Promise<Metrics> {
    const { idleSeconds } = this.config
    const containers = await nodeContainers(this.docker, this.dataDir!)
    const ids = names.map((n) => containers.get(n)).filter((id): id is string => !!id)
    if (ids.length !== names.length) throw new Error(`found ${ids.length} node containers`)
    await sleep(SETTLE_MS)
    this.log(`== docker: idle for ${idleSeconds} s (control plane pid ${pid}, ${ids.length} nodes)`)
    // The engine's stats call takes about a second: each sample's time is the call's midpoint,
    // and the control plane's CPU is read at the same two points.
    // The engine's own CPU (answering the kubelets' stats calls and relists) is shown beside, not in the sum:
    // on a shared engine it also serves everyone else.
    const engine = [...pidsNamed('dockerd'), ...pidsNamed('containerd')]
    const sample = async (): Promise<{ at: number; ns: number; cp: number; engine: number }> => {
      const before = performance.now()
      const cp0 = treeCpuSeconds(pid)
      const e0 = pidsCpuSeconds(engine)
      const ns = await containersCpuNs(this.docker, ids)
      const cp = (cp0 + treeCpuSeconds(pid)) / 2
      const e = (e0 + pidsCpuSeconds(engine)) / 2
      return { at: (before + performance.now()) / 2, ns, cp, engine: e }
    }
    const s0 = await sample()
    await sleep(idleSeconds * 1000)
    const s1 = await sample()
    const window = (s1.at - s0.at) / 1000
    const nodesPct = ((s1.ns - s0.ns) / 1e9 / window) * 100
    const planePct = ((s1.cp - s0.cp) / window) * 100
    return {
      idle_3_nodes_cpu_pct: round(planePct + nodesPct),
      idle_control_plane_cpu_pct: round(planePct),
      idle_nodes_cpu_pct: round(nodesPct),
      ...(engine.length > 0
        ? { idle_docker_engine_cpu_pct: round(((s1.engine - s0.engine) / window) * 100) }
        : {}),
      idle_window_s: round(window)
    }
  }

  private async keepLogs(dataDir: string, dir: string): Promise<void> {
    try {
      await copyLogs(this.docker, dataDir, dir)
      this.log(`logs kept in ${dir}`)
    } catch (err) {
      this.log(`cannot keep the logs: ${String(err)}`)
    }
  }

  /** Stops `up`, removes the node and pod containers, the network if ours, the data dir. */
  async cleanup(): Promise<void> {
    const up = this.up
    this.up = undefined
    if (up) {
      const code = await up.stop()
      this.log(`kubedesk up stopped (exit ${code})`)
    }
    const dataDir = this.dataDir
    this.dataDir = undefined
    if (!dataDir) return
    if (this.config.keepLogsDir) await this.keepLogs(dataDir, this.config.keepLogsDir)
    try {
      const removed = await removeCluster(
        this.docker,
        dataDir,
        this.podUids,
        this.ownNetwork,
        this.log
      )
      this.log(`removed ${removed} containers`)
    } catch (err) {
      this.log(`cleanup of docker containers failed: ${String(err)}`)
    }
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(`${dataDir}.user-kc`, { force: true })
  }
}

/** Copies `<dataDir>/logs` and each node container's output (the kubelet's log) to `dir`. */
async function copyLogs(docker: Dockerode, dataDir: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  cpSync(join(dataDir, 'logs'), dir, { recursive: true })
  for (const [name, id] of await nodeContainers(docker, dataDir)) {
    let text = ''
    for await (const chunk of await containerLog(docker, id)) text += String(chunk)
    writeFileSync(join(dir, `${name}.log`), text)
  }
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/** Milliseconds to seconds, 3 decimals. */
export function seconds(ms: number): number {
  return round(ms / 1000)
}

/** Three decimals. */
export function round(n: number): number {
  return Math.round(n * 1000) / 1000
}
