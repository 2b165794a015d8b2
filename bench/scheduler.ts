/**
 * The scheduler benchmark: `npm run bench -- scheduler [--quick] [--profile] [--only=<parts>]
 * [--concurrency=N] [--keep-data]`.
 *
 * The SchedulingBasic shape of Kubernetes' scheduler_perf on the real API server (sqlite store in
 * a fresh temporary data directory) and the real scheduler, in this process: 5,000 and 1,000
 * Nodes (API objects only, no kubelets), 1,000 pods placed first, then 10,000 measured pods —
 * pods per second from the first create to the last binding seen. Beside it, in the same run,
 * the API server's bare create rate for the same pods. Then end to end: `kubedesk up --nodes 100
 * --provider simulated` as a child process, 1,000 pods through Deployments until all Running.
 */
import { mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Session } from 'node:inspector/promises'
import { writeFileSync } from 'node:fs'
import { round } from './cluster/docker-phase'
import { runDeployPhase, type DeployConfig } from './scheduler/deploy-phase'
import {
  runCreateBaseline,
  runSchedulingShape,
  type SchedulingShape
} from './scheduler/scheduling-phase'
import { finishRun, log, printMetricTable } from './results-file'

type Metrics = Record<string, number>

interface Config {
  big: SchedulingShape
  small: SchedulingShape
  baselinePods: number
  deploy: DeployConfig
}

const FULL: Config = {
  big: { nodes: 5000, initPods: 1000, measurePods: 10_000, concurrency: 16 },
  small: { nodes: 1000, initPods: 1000, measurePods: 10_000, concurrency: 16 },
  baselinePods: 10_000,
  deploy: { nodes: 100, deployments: 10, replicas: 100 }
}
const QUICK: Config = {
  big: { nodes: 5000, initPods: 200, measurePods: 3000, concurrency: 16 },
  small: { nodes: 1000, initPods: 200, measurePods: 3000, concurrency: 16 },
  baselinePods: 3000,
  deploy: { nodes: 100, deployments: 10, replicas: 100 }
}

/** Targets of issue 5: metric, comparison, bound, why. */
const TARGETS: [string, '>=' | '<', number, string][] = [
  [
    'sched_5000n_10000p_pods_per_s',
    '>=',
    1000,
    "kube-scheduler's CI floor for SchedulingBasic/5000Nodes_10000Pods is 680"
  ],
  ['deploy_1000_pods_running_s', '<', 15, '1,000 pods through Deployments on 100 simulated nodes']
]

/** Runs the benchmark; answers the exit code (non-zero only when a part failed). */
export async function run(args: string[]): Promise<number> {
  const quick = args.includes('--quick')
  const base = quick ? QUICK : FULL
  const flag = args.find((a) => a.startsWith('--concurrency='))
  const concurrency = flag ? Number(flag.slice('--concurrency='.length)) : base.big.concurrency
  const config: Config = {
    ...base,
    big: { ...base.big, concurrency },
    small: { ...base.small, concurrency }
  }
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
  const want = (part: string): boolean => !only || only.includes(part)
  const profileDir = args.includes('--profile') ? join(__dirname, 'results', 'profiles') : undefined
  const started = performance.now()
  const metrics: Metrics = {
    loadavg_1m_at_start: round(loadavg()[0]),
    quick: quick ? 1 : 0,
    create_concurrency: concurrency
  }
  const failures: string[] = []
  const part = async (name: string, body: () => Promise<Metrics>): Promise<void> => {
    if (!want(name)) return
    log(`== ${name}`)
    const session = profileDir ? new Session() : undefined
    if (session) {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.start')
    }
    try {
      Object.assign(metrics, await body())
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`)
      log(`${name} FAILED: ${(err as Error).stack ?? String(err)}`)
    } finally {
      if (session && profileDir) {
        const { profile } = await session.post('Profiler.stop')
        mkdirSync(profileDir, { recursive: true })
        const file = join(profileDir, `scheduler-${name}-${Date.now()}.cpuprofile`)
        writeFileSync(file, JSON.stringify(profile))
        log(`CPU profile: ${file}`)
        session.disconnect()
      }
    }
  }

  await part('baseline', () => runCreateBaseline(config.baselinePods, config.big.concurrency, log))
  await part('sched5000', async () => {
    const m = await runSchedulingShape(config.big, 'sched_5000n_10000p', log)
    m.sched_5000n_nodes = config.big.nodes
    m.sched_5000n_init_pods = config.big.initPods
    m.sched_5000n_measured_pods = config.big.measurePods
    return m
  })
  await part('sched1000', async () => {
    const m = await runSchedulingShape(config.small, 'sched_1000n_10000p', log)
    m.sched_1000n_nodes = config.small.nodes
    m.sched_1000n_init_pods = config.small.initPods
    m.sched_1000n_measured_pods = config.small.measurePods
    return m
  })
  if (metrics.api_create_pods_per_s && metrics.sched_5000n_10000p_pods_per_s) {
    metrics.sched_5000n_vs_api_create_ratio = round(
      metrics.sched_5000n_10000p_pods_per_s / metrics.api_create_pods_per_s
    )
  }
  const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const keepData = args.includes('--keep-data')
  await part('deploy', () => runDeployPhase({ ...config.deploy, nodeFlags, keepData }, log))

  metrics.bench_duration_s = round((performance.now() - started) / 1000)
  printMetricTable(ROWS, metrics)
  const verdicts = printTargets(metrics)
  Object.assign(metrics, verdicts)
  return finishRun('scheduler', metrics, failures)
}

const ROWS: [string, string][] = [
  ['api_create_pods_per_s', 'baseline: API server alone, pod creates/s (same pods, same clients)'],
  ['api_create_cpu_pct', 'baseline: this process CPU (% of one core)'],
  ['sched_5000n_10000p_pods_per_s', '5,000 nodes: pods/s, first create → last binding seen'],
  ['sched_5000n_10000p_p50_ms', '5,000 nodes: create sent → bound (watch), p50'],
  ['sched_5000n_10000p_p99_ms', '5,000 nodes: create sent → bound (watch), p99'],
  [
    'sched_5000n_10000p_scored_nodes_pct',
    '5,000 nodes: feasible nodes scored per pod (% of nodes)'
  ],
  ['sched_5000n_10000p_filtered_nodes_pct', '5,000 nodes: nodes filtered per pod (% of nodes)'],
  ['sched_5000n_10000p_cpu_pct', '5,000 nodes: process CPU, API server + scheduler + load'],
  ['sched_5000n_vs_api_create_ratio', '5,000 nodes pods/s ÷ bare API create rate'],
  ['sched_1000n_10000p_pods_per_s', '1,000 nodes: pods/s, first create → last binding seen'],
  ['sched_1000n_10000p_p50_ms', '1,000 nodes: create sent → bound, p50'],
  ['sched_1000n_10000p_p99_ms', '1,000 nodes: create sent → bound, p99'],
  [
    'sched_1000n_10000p_scored_nodes_pct',
    '1,000 nodes: feasible nodes scored per pod (% of nodes)'
  ],
  ['deploy_1000_pods_running_s', 'deployments: first create → all pods Running (simulated nodes)'],
  ['deploy_pods_created_s', 'deployments: first create → all pods exist (controllers)'],
  ['deploy_pods_bound_s', 'deployments: first create → all pods bound'],
  ['deploy_up_nodes_ready_s', 'kubedesk up --provider simulated: spawn → nodes Ready'],
  ['deploy_cpu_pct', 'deployments: kubedesk up process tree CPU (% of one core)'],
  ['loadavg_1m_at_start', 'machine load when the run began (2 cores here)'],
  ['bench_duration_s', 'benchmark wall time']
]

/** Prints PASS/FAIL lines; answers `<metric>_pass` (1/0) for the JSON. */
function printTargets(m: Metrics): Metrics {
  const out: Metrics = {}
  console.log('')
  console.log(
    `Targets (issue 5)${m.quick ? ' — quick run: smaller pod counts, see *_measured_pods' : ''}:`
  )
  for (const [name, op, bound, why] of TARGETS) {
    const v = m[name]
    const ok = op === '>=' ? v >= bound : v < bound
    const verdict = v === undefined || Number.isNaN(v) ? 'SKIP' : ok ? 'PASS' : 'FAIL'
    if (verdict !== 'SKIP') out[`${name}_pass`] = ok ? 1 : 0
    console.log(`  ${verdict.padEnd(4)} ${name} ${op} ${bound} (got ${v ?? '-'}; ${why})`)
  }
  return out
}
