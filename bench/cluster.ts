/**
 * The cluster benchmark: `npm run bench -- cluster [--quick] [--no-docker] [--no-simulated]
 * [--profile] [--keep-logs]`.
 *
 * Runs `kubedesk up` as a child process, as a user would (the built CLI when present, else the
 * source through tsx with a warm compile cache), and measures: `up --nodes 3 --provider docker`
 * until all three worker Nodes are Ready; the startup latency of 30 busybox pods (create request
 * sent → Running and ready seen by a watch); the idle CPU of the control plane and the three node
 * containers; then `up --nodes 1000 --provider simulated` until 1,000 Nodes are Ready, and its
 * CPU and RSS while they heartbeat. Node and pod containers, the `kubedesk` network (when this
 * run created it) and the data directories are removed at the end, also on errors and Ctrl-C.
 * Without a Docker engine only the simulated part runs.
 */
import { mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { localDocker, dockerAvailable } from '../tests/helpers/docker-images'
import { DockerPhase, round } from './cluster/docker-phase'
import { ensureAgentBundle, ensureImages, warmCli } from './cluster/prepare'
import { SimulatedPhase } from './cluster/simulated-phase'
import { cliCommand } from './cluster/up-process'
import { finishRun, log, printMetricTable } from './results-file'

type Metrics = Record<string, number>

/** Tries of the docker part when another cluster takes a node name during `up`. */
const NAME_RACE_ATTEMPTS = 5

const QUICK = { idleSeconds: 10, simNodes: 1_000, simWindowSeconds: 15 }
const FULL = { idleSeconds: 30, simNodes: 1_000, simWindowSeconds: 30 }

/** Targets from issue 4: metric, comparison, bound. */
const TARGETS: [string, '<', number, string][] = [
  ['up_3_nodes_ready_s', '<', 5, 'k3d ~20 s, kind ~33 s'],
  ['pod_startup_p99_s', '<', 2, "Kubernetes' SLO is 5 s"],
  ['sim_1000_nodes_cpu_pct', '<', 25, '% of one core'],
  ['sim_1000_nodes_rss_mb', '<', 1024, 'MB'],
  ['idle_3_nodes_cpu_pct', '<', 2, '% of one core']
]

/** Runs the benchmark; answers the exit code (non-zero only when something failed). */
export async function run(args: string[]): Promise<number> {
  const quick = args.includes('--quick')
  const config = quick ? QUICK : FULL
  const profileDir = args.includes('--profile') ? join(__dirname, 'results', 'profiles') : undefined
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const started = performance.now()
  const metrics: Metrics = { loadavg_1m_at_start: round(loadavg()[0]) }
  const failures: string[] = []
  const notes: string[] = []
  let docker: DockerPhase | undefined
  let simulated: SimulatedPhase | undefined
  const release = async (): Promise<void> => {
    const d = docker
    const s = simulated
    docker = undefined
    simulated = undefined
    await d?.cleanup().catch((err: Error) => log(`docker cleanup: ${err.message}`))
    await s?.cleanup().catch((err: Error) => log(`simulated cleanup: ${err.message}`))
  }
  let aborted = false
  const onSignal = (signal: NodeJS.Signals): void => {
    aborted = true
    log(`${signal}: stopping and cleaning up`)
    void release().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const cli = cliCommand().label
  notes.push(`kubedesk up ran from: ${cli}`)
  try {
    const bundle = await ensureAgentBundle(log)
    await warmCli(log)
    const skipDocker = args.includes('--no-docker')
    const hasDocker = !skipDocker && (await dockerAvailable())
    if (hasDocker && !aborted) {
      const engine = localDocker()
      const busybox = await ensureImages(engine, bundle, log)
      const dockerConfig = {
        nodes: 3,
        pods: 30,
        createConcurrency: 10,
        idleSeconds: config.idleSeconds,
        namesFreeTimeoutMs: 300_000,
        busyboxImage: busybox,
        nodeFlags,
        keepLogsDir: args.includes('--keep-logs')
          ? join(__dirname, 'results', `cluster-logs-${Date.now()}`)
          : undefined
      }
      // Node names are global on the engine: another cluster (a test run) may take them between
      // our check and `up` creating the containers. Then start over on a fresh data directory.
      for (let attempt = 1; ; attempt++) {
        if (aborted) throw new Error('interrupted')
        docker = new DockerPhase(engine, dockerConfig, log)
        try {
          Object.assign(metrics, await docker.run())
          break
        } catch (err) {
          const message = (err as Error).message
          if (attempt < NAME_RACE_ATTEMPTS && /not a node of this cluster/.test(message)) {
            log(`another cluster took a node name first (${message}); starting over`)
            continue
          }
          failures.push(`docker part: ${message}`)
          log(`docker part FAILED: ${(err as Error).stack ?? String(err)}`)
          break
        } finally {
          await release()
        }
      }
    } else if (!aborted) {
      notes.push(
        skipDocker
          ? '--no-docker: only the simulated part ran'
          : 'Docker did not answer at /var/run/docker.sock: only the simulated part ran'
      )
      log(notes[notes.length - 1])
    }

    if (aborted) throw new Error('interrupted')
    if (args.includes('--no-simulated')) {
      notes.push('--no-simulated: the simulated part did not run')
    } else {
      simulated = new SimulatedPhase(
        { nodes: config.simNodes, windowSeconds: config.simWindowSeconds, nodeFlags },
        log
      )
      try {
        Object.assign(metrics, await simulated.run())
      } catch (err) {
        failures.push(`simulated part: ${(err as Error).message}`)
        log(`simulated part FAILED: ${(err as Error).stack ?? String(err)}`)
      }
    }
  } catch (err) {
    failures.push((err as Error).message)
    log(`FAILED: ${(err as Error).stack ?? String(err)}`)
  } finally {
    await release()
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }

  metrics.bench_duration_s = round((performance.now() - started) / 1000)
  metrics.quick = quick ? 1 : 0
  printMetricTable(ROWS, metrics)
  printTargets(metrics)
  if (profileDir) notes.push(`CPU profiles of each kubedesk up: ${profileDir}`)
  for (const note of notes) console.log(`NOTE ${note}`)
  return finishRun('cluster', metrics, failures)
}

const ROWS: [string, string][] = [
  ['up_api_ready_s', 'up (docker, 3 nodes): spawn → /readyz 200'],
  ['up_3_nodes_ready_s', 'up (docker, 3 nodes): spawn → 3 workers Ready'],
  ['pod_startup_p50_s', '30 pods: create sent → Running+ready, p50'],
  ['pod_startup_p99_s', '30 pods: create sent → Running+ready, p99'],
  ['pod_startup_max_s', '30 pods: slowest'],
  ['pod_stage_seen_p50_s', '  stage: create sent → kubelet syncs the pod, p50'],
  ['pod_stage_seen_p99_s', '  stage: create sent → kubelet syncs the pod, p99'],
  ['pod_stage_queued_p50_s', '  stage: kubelet syncs → creates the sandbox, p50'],
  ['pod_stage_queued_p99_s', '  stage: kubelet syncs → creates the sandbox, p99'],
  ['pod_stage_started_p50_s', '  stage: sandbox → container started (runtime), p50'],
  ['pod_stage_started_p99_s', '  stage: sandbox → container started (runtime), p99'],
  ['pod_stage_reported_p50_s', '  stage: container started → watch sees Running, p50'],
  ['pod_stage_reported_p99_s', '  stage: container started → watch sees Running, p99'],
  ['pod_stage_written_p50_s', '    of which kubelet: started → Running status written, p50'],
  ['pod_stage_written_p99_s', '    of which kubelet: started → Running status written, p99'],
  ['pod_stage_watched_p50_s', '    of which API: status written → watch sees it, p50'],
  ['pod_stage_watched_p99_s', '    of which API: status written → watch sees it, p99'],
  ['pod_startup_single_p50_s', '5 pods one at a time: create sent → Running+ready, p50'],
  ['pod_startup_single_max_s', '5 pods one at a time: slowest'],
  ['docker_baseline_pod_p50_s', 'engine baseline: 30 bare sandbox+container pairs, p50'],
  ['docker_baseline_pod_p99_s', 'engine baseline: 30 bare sandbox+container pairs, p99'],
  ['pod_startup_p99_vs_docker_x', 'pod startup p99 / engine baseline p99 (same run)'],
  ['idle_3_nodes_cpu_pct', 'idle: control plane + 3 node containers (% of a core)'],
  ['idle_control_plane_cpu_pct', 'idle: control plane process tree'],
  ['idle_nodes_cpu_pct', 'idle: 3 node containers (kubelets)'],
  ['idle_docker_engine_cpu_pct', 'idle: dockerd + containerd (shared; not in the sum)'],
  ['idle_window_s', 'idle: window'],
  ['sim_1000_nodes_api_ready_s', 'up (simulated, 1000 nodes): spawn → /readyz 200'],
  ['sim_1000_nodes_ready_s', 'up (simulated, 1000 nodes): spawn → 1000 workers Ready'],
  ['sim_1000_nodes_cpu_pct', '1000 simulated nodes heartbeating: control plane CPU'],
  ['sim_1000_nodes_sys_cpu_pct', '  of which in the kernel (stime: syscalls, fsync)'],
  ['sim_1000_nodes_writes_per_s', '  store writes/s meanwhile (leases, node status)'],
  ['sim_1000_nodes_rss_mb', '1000 simulated nodes: control plane VmRSS (MB)'],
  ['sim_1000_nodes_window_s', '1000 simulated nodes: window'],
  ['loadavg_1m_at_start', 'machine load when the run began (2 cores here)'],
  ['bench_duration_s', 'benchmark wall time']
]

function printTargets(m: Metrics): void {
  console.log('')
  console.log('Targets (issue 4):')
  for (const [name, op, bound, why] of TARGETS) {
    const v = m[name]
    const verdict = v === undefined || Number.isNaN(v) ? 'SKIP' : v < bound ? 'PASS' : 'FAIL'
    console.log(`  ${verdict.padEnd(4)} ${name} ${op} ${bound} (got ${v ?? '-'}; ${why})`)
  }
}
