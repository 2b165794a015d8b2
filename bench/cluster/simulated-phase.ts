/**
 * The simulated part of the cluster benchmark: `up --nodes 1000 --provider simulated` (in-process
 * kubelets with the fake runtime) until every worker Node is Ready, then the control plane's CPU
 * share and RSS over a window with heartbeats running and no client attached.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { round, seconds } from './docker-phase'
import { cpuMeter, treeCpuSeconds, treeRssMb, treeSysSeconds } from './proc-stats'
import type { ApiClient } from './api-client'
import { UpProcess } from './up-process'
import { isWorker, nodeReady, watchUntil } from './watch-until'

/** How many and how long. */
export interface SimulatedPhaseConfig {
  nodes: number
  windowSeconds: number
  /** Flags for the `up` process's node (e.g. --cpu-prof). */
  nodeFlags?: string[]
}

const READY_TIMEOUT_MS = 300_000

/** One run of the simulated part; `cleanup()` must be called however it ended. */
export class SimulatedPhase {
  private up?: UpProcess
  private dataDir?: string

  constructor(
    private readonly config: SimulatedPhaseConfig,
    private readonly log: (line: string) => void
  ) {}

  /** Answers `sim_<N>_nodes_ready_s`, `_cpu_pct`, `_rss_mb` (and the API's ready time). */
  async run(): Promise<Record<string, number>> {
    const { nodes, windowSeconds } = this.config
    const prefix = `sim_${nodes}_nodes`
    this.dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-cluster-sim-'))
    const userKubeconfig = `${this.dataDir}.user-kc`
    writeFileSync(userKubeconfig, '')
    this.log(`== simulated: kubedesk up --nodes ${nodes} --provider simulated (${this.dataDir})`)
    const up = UpProcess.start(
      this.dataDir,
      ['--nodes', String(nodes), '--provider', 'simulated'],
      userKubeconfig,
      this.config.nodeFlags
    )
    this.up = up
    const metrics: Record<string, number> = {}
    try {
      const { api, readyAt } = await up.waitApiReady(READY_TIMEOUT_MS)
      metrics[`${prefix}_api_ready_s`] = seconds(readyAt - up.startedAt)
      try {
        const ready = new Set<string>()
        const allReady = await watchUntil(
          api,
          '/api/v1/nodes',
          (node) => {
            if (!isWorker(node)) return
            if (nodeReady(node)) ready.add(node.metadata.name)
            else ready.delete(node.metadata.name)
          },
          () => ready.size >= nodes,
          READY_TIMEOUT_MS,
          () => `${ready.size} of ${nodes} worker nodes Ready`,
          () => up.nodeProblem()
        )
        metrics[`${prefix}_ready_s`] = seconds(allReady - up.startedAt)
        this.log(`${nodes} simulated nodes Ready after ${metrics[`${prefix}_ready_s`]} s`)
        this.log(`== simulated: heartbeating, measuring for ${windowSeconds} s (pid ${up.pid})`)
        // The store's revision before and after: writes per second the heartbeats cost.
        const rv0 = await storeRevision(api)
        const meter = cpuMeter(() => treeCpuSeconds(up.pid))
        const sysMeter = cpuMeter(() => treeSysSeconds(up.pid))
        await sleep(windowSeconds * 1000)
        const cpu = meter.stop()
        metrics[`${prefix}_cpu_pct`] = round(cpu.pct)
        metrics[`${prefix}_sys_cpu_pct`] = round(sysMeter.stop().pct)
        metrics[`${prefix}_rss_mb`] = round(treeRssMb(up.pid))
        metrics[`${prefix}_window_s`] = round(cpu.seconds)
        metrics[`${prefix}_writes_per_s`] = round(((await storeRevision(api)) - rv0) / cpu.seconds)
      } finally {
        api.close()
      }
      return metrics
    } catch (err) {
      this.log(`kubedesk up stderr (last lines):\n${up.stderr().split('\n').slice(-30).join('\n')}`)
      throw err
    }
  }

  /** Stops `up` and removes its data directory. */
  async cleanup(): Promise<void> {
    const up = this.up
    this.up = undefined
    if (up) this.log(`kubedesk up (simulated) stopped (exit ${await up.stop()})`)
    if (this.dataDir) {
      rmSync(this.dataDir, { recursive: true, force: true })
      rmSync(`${this.dataDir}.user-kc`, { force: true })
    }
    this.dataDir = undefined
  }
}

/** The store's current revision, as a one-item list of leases reports it. */
async function storeRevision(api: ApiClient): Promise<number> {
  const list = await api.json<{ metadata: { resourceVersion: string } }>(
    'GET',
    '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?limit=1'
  )
  return Number(list.metadata.resourceVersion)
}
