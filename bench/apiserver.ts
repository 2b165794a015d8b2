/**
 * The API server benchmark: `npm run bench -- apiserver [--quick] [--watch-procs=N] [--profile]`.
 *
 * The API server runs in a child process of its own (bench/apiserver/server-child.ts: a sqlite
 * store in a temporary data directory, the PKI and admin token of that directory, HTTPS on
 * 127.0.0.1, port 0), so the load generator never shares its event loop and its RSS and CPU are
 * read alone from /proc. This process drives create, get and list of Pods from 1, 16 and 64
 * keep-alive HTTPS clients, lists 10,000 pods, and writes at 500/s while watcher processes
 * (bench/apiserver/watch-child.ts) hold 1 to 500 watch streams. Then the same operations run on
 * the store directly, and the table shows the API's overhead as a ratio.
 *
 * `--profile` starts the server with `--cpu-prof`; the profile lands in bench/results/profiles/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { runApiWorkloads, type ApiConfig } from './apiserver/api-workloads'
import { runFanoutFloor } from './apiserver/fanout-floor'
import { round } from './apiserver/load'
import { startServerProcess, type ServerProcess } from './apiserver/server-process'
import { runStoreBaseline } from './apiserver/store-baseline'
import { WatcherPool } from './apiserver/watch-delay'
import { log, saveResults } from './results-file'

/** Writes per second during every watch phase (the issue's load). */
const WATCH_RATE = 500

const QUICK: ApiConfig = {
  concurrencies: [1, 16, 64],
  create: { warmupMs: 300, durationMs: 1_500 },
  read: { warmupMs: 200, durationMs: 1_000 },
  listPods: 10_000,
  smallListPods: 100,
  listTries: 3,
  watch: [
    { watchers: 1, rate: WATCH_RATE, durationMs: 1_000 },
    { watchers: 16, rate: WATCH_RATE, durationMs: 1_000 },
    { watchers: 64, rate: WATCH_RATE, durationMs: 1_000 },
    { watchers: 500, rate: WATCH_RATE, durationMs: 3_000 }
  ],
  warmupRequests: 200,
  rssSettleMs: 500,
  fillApiBudgetMs: 6_000
}

const FULL: ApiConfig = {
  ...QUICK,
  create: { warmupMs: 1_000, durationMs: 5_000 },
  read: { warmupMs: 500, durationMs: 3_000 },
  listTries: 5,
  watch: [
    { watchers: 1, rate: WATCH_RATE, durationMs: 3_000 },
    { watchers: 16, rate: WATCH_RATE, durationMs: 3_000 },
    { watchers: 64, rate: WATCH_RATE, durationMs: 3_000 },
    { watchers: 500, rate: WATCH_RATE, durationMs: 10_000 }
  ],
  warmupRequests: 1_000,
  rssSettleMs: 1_000,
  fillApiBudgetMs: undefined
}

/** Watcher processes by default: one per core, as the server itself needs most of one. */
const DEFAULT_WATCH_PROCS = 2

type Metrics = Record<string, number>

/** Runs the benchmark; answers the process exit code (non-zero only when something failed). */
export async function run(args: string[]): Promise<number> {
  const quick = args.includes('--quick')
  const config = quick ? QUICK : FULL
  const watchProcs = intFlag(args, '--watch-procs', DEFAULT_WATCH_PROCS)
  const profileDir = args.includes('--profile') ? join(__dirname, 'results', 'profiles') : undefined
  const resources = new Resources()
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping`)
    void resources.release().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const started = performance.now()
  const metrics: Metrics = { loadavg_1m_at_start: round(loadavg()[0]) }
  const failures: string[] = []
  try {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-apiserver-'))
    resources.dirs.push(dataDir)
    if (profileDir) mkdirSync(profileDir, { recursive: true })
    log(`starting the API server (child process, sqlite in ${dataDir})`)
    const [server, pool] = await Promise.all([
      startServerProcess({
        dataDir,
        nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
      }),
      WatcherPool.start(watchProcs)
    ])
    resources.server = server
    resources.pool = pool
    log(`API server pid ${server.pid} at ${server.url}; ${pool.size} watcher processes`)
    const api = await runApiWorkloads(server, pool, config, log)
    Object.assign(metrics, api.metrics)
    resources.server = undefined
    await server.stop()
    if (profileDir) log(`server CPU profile written to ${profileDir}`)

    const biggest = config.watch[config.watch.length - 1]
    log(`== the watch fan-out floor: ${biggest.watchers} watchers of a bare HTTPS server`)
    const template = { storedPod: api.storedPod, templateName: api.templateName }
    Object.assign(metrics, await runFanoutFloor(pool, biggest, template, log))
    await resources.release()

    log('== the same operations on the store directly')
    const storeConfig = quick ? shortened(config) : config
    Object.assign(
      metrics,
      await runStoreBaseline(storeConfig, api.storedPod, api.templateName, log)
    )
    Object.assign(metrics, overheadRatios(metrics, config))
  } catch (err) {
    failures.push((err as Error).message)
    log(`FAILED: ${(err as Error).stack ?? (err as Error).message}`)
    const stderr = resources.server?.stderr()
    if (stderr) log(`API server stderr:\n${stderr}`)
  } finally {
    await resources.release()
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }

  metrics.watch_procs = watchProcs
  metrics.bench_duration_s = round((performance.now() - started) / 1000)
  metrics.quick = quick ? 1 : 0
  printTable(metrics, config)
  printTargets(metrics)
  for (const failure of failures) console.log(`ERROR ${failure}`)
  const file = saveResults('apiserver', metrics)
  log(`saved ${file}`)
  console.log(JSON.stringify(metrics))
  return failures.length > 0 ? 1 : 0
}

/** The store baseline of a quick run: the store is fast, shorter windows measure it well enough. */
function shortened(config: ApiConfig): ApiConfig {
  return {
    ...config,
    create: { warmupMs: 200, durationMs: 700 },
    read: { warmupMs: 100, durationMs: 500 },
    watch: config.watch.map((w) => ({ ...w, durationMs: Math.min(w.durationMs, 1_000) }))
  }
}

function intFlag(args: string[], name: string, fallback: number): number {
  const flag = args.find((a) => a.startsWith(`${name}=`))
  if (!flag) return fallback
  const n = Number(flag.slice(name.length + 1))
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} wants a positive integer`)
  return n
}

/** What the run must give back however it ends: the server, the watchers, temporary dirs. */
class Resources {
  server?: ServerProcess
  pool?: WatcherPool
  readonly dirs: string[] = []

  async release(): Promise<void> {
    this.pool?.close()
    this.pool = undefined
    const server = this.server
    this.server = undefined
    await server?.stop().catch((err: Error) => log(`stopping the API server: ${err.message}`))
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The API's cost next to the store's, as `<op>_overhead_x`: for throughput, store ops/s ÷ API
 * ops/s; for times (list, watch delay), API ms ÷ store ms. 1 would mean no overhead.
 */
function overheadRatios(m: Metrics, config: ApiConfig): Metrics {
  const out: Metrics = {}
  const ops = (name: string): void => {
    if (m[`${name}_ops`] && m[`store_${name}_ops`]) {
      out[`${name}_overhead_x`] = round(m[`store_${name}_ops`] / m[`${name}_ops`])
    }
  }
  const time = (api: string, store: string, name: string): void => {
    if (m[api] !== undefined && m[store]) out[name] = round(m[api] / m[store])
  }
  for (const c of config.concurrencies) {
    ops(`create_c${c}`)
    ops(`get_c${c}`)
    ops(`list${config.smallListPods}_c${c}`)
  }
  time('list_10k_pods_ms', 'store_list_10k_pods_ms', 'list_10k_overhead_x')
  for (const w of config.watch) {
    const name = `watch_${w.watchers}`
    time(`${name}_p99_delay_ms`, `store_${name}_p99_delay_ms`, `${name}_overhead_x`)
    time(`${name}_p99_delay_ms`, `floor_${name}_p99_delay_ms`, `${name}_vs_floor_x`)
  }
  return out
}

function printTable(m: Metrics, config: ApiConfig): void {
  const cell = (v: number | undefined, suffix = ''): string =>
    v === undefined ? '-' : `${v}${suffix}`
  const rows: string[][] = []
  const phase = (label: string, name: string): void => {
    rows.push([
      label,
      cell(m[`${name}_ops`]),
      cell(m[`${name}_p50_ms`]),
      cell(m[`${name}_p99_ms`]),
      cell(m[`store_${name}_ops`]),
      cell(m[`store_${name}_p99_ms`]),
      cell(m[`${name}_overhead_x`], 'x'),
      cell(m[`${name}_server_cpu_pct`], '%'),
      cell(m[`${name}_client_cpu_pct`], '%')
    ])
  }
  for (const c of config.concurrencies) phase(`create c${c}`, `create_c${c}`)
  for (const c of config.concurrencies) phase(`get c${c}`, `get_c${c}`)
  const small = config.smallListPods
  for (const c of config.concurrencies) phase(`list ${small} pods c${c}`, `list${small}_c${c}`)
  rows.push([
    `list ${config.listPods} pods (ms)`,
    '-',
    cell(m.list_10k_pods_ms),
    '-',
    '-',
    cell(m.store_list_10k_pods_ms),
    cell(m.list_10k_overhead_x, 'x'),
    cell(m.list_10k_server_cpu_pct, '%'),
    cell(m.list_10k_client_cpu_pct, '%')
  ])
  for (const w of config.watch) {
    const name = `watch_${w.watchers}`
    rows.push([
      `watch ${w.watchers} × ${w.rate}/s delay`,
      '-',
      cell(m[`${name}_p50_delay_ms`]),
      cell(m[`${name}_p99_delay_ms`]),
      '-',
      cell(m[`store_${name}_p99_delay_ms`]),
      cell(m[`${name}_overhead_x`], 'x'),
      cell(m[`${name}_server_cpu_pct`], '%'),
      cell(m[`${name}_client_cpu_pct`], '%')
    ])
    if (m[`floor_${name}_p99_delay_ms`] === undefined) continue
    rows.push([
      `  fan-out floor (bare HTTPS)`,
      cell(m[`floor_${name}_write_ops`]),
      cell(m[`floor_${name}_p50_delay_ms`]),
      cell(m[`floor_${name}_p99_delay_ms`]),
      '-',
      '-',
      cell(m[`${name}_vs_floor_x`], 'x'),
      cell(m[`floor_${name}_server_cpu_pct`], '%'),
      '-'
    ])
  }
  const columns = [
    'operation',
    'api ops/s',
    'api p50 ms',
    'api p99 ms',
    'store ops/s',
    'store p99 ms',
    'overhead',
    'server cpu',
    'client cpu'
  ]
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log('')
  console.log(line(columns))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
  console.log('')
  console.log(
    `overhead: store ops/s ÷ API ops/s, or API ms ÷ store ms (list, watch p99); cpu: % of one ` +
      `core over the phase (client: this process plus the watcher processes); fan-out floor: ` +
      `the same watchers, bytes and writes on a bare HTTPS server (overhead = API p99 ÷ floor p99)`
  )
  console.log(
    `pods: ${cell(m.pod_request_bytes)} B sent, ${cell(m.pod_stored_bytes)} B stored; ` +
      `the ${config.listPods}-pod list is ${cell(m.list_10k_pods_mb)} MB of JSON, its first ` +
      `byte arrives after ${cell(m.list_10k_first_byte_ms)} ms (median)`
  )
  const seeded = m.fill_seeded_pods
    ? ` and ${m.fill_seeded_pods} written into its store directly (quick budget spent)`
    : ''
  console.log(
    `storing ${config.listPods} pods: ${cell(m.fill_api_pods)} through the API in ` +
      `${cell(m.fill_api_s)} s at 64 clients (${cell(m.fill_api_ops)}/s, p99 ` +
      `${cell(m.fill_api_p99_ms)} ms)${seeded}`
  )
  console.log(
    `server RSS: ${cell(m.rss_before_mb)} MB before storing them, ` +
      `${cell(m.rss_after_10k_pods_mb)} MB after; peak ${cell(m.server_peak_rss_mb)} MB ` +
      `(during the 10k list ${cell(m.list_10k_server_rss_peak_mb)} MB, during 500 watchers ` +
      `${cell(m.watch_500_server_rss_peak_mb)} MB)`
  )
  for (const w of config.watch) {
    const name = `watch_${w.watchers}`
    const ops = m[`${name}_write_ops`]
    if (ops === undefined) continue
    console.log(
      `watch ${w.watchers}: writes ${ops}/s of ${w.rate}/s offered, p99 ` +
        `${cell(m[`${name}_write_p99_ms`])} ms; delay max ${cell(m[`${name}_max_delay_ms`])} ms`
    )
  }
  console.log(
    `machine: ${cpus().length} cores, load average ${cell(m.loadavg_1m_at_start)} at the start`
  )
}

function printTargets(m: Metrics): void {
  const target = (value: number | undefined, limit: number, what: string): string => {
    const verdict = value === undefined ? 'SKIP' : value < limit ? 'PASS' : 'FAIL'
    return `  ${verdict}  ${what} < ${limit} (${value ?? 'not measured'})`
  }
  console.log('\ntargets:')
  console.log(target(m.create_c16_p99_ms, 20, 'create_c16_p99_ms'))
  console.log(target(m.list_10k_pods_ms, 300, 'list_10k_pods_ms'))
  const watchWrites = m.watch_500_write_ops
  const underLoad =
    watchWrites !== undefined && watchWrites < 0.9 * WATCH_RATE
      ? ` — only ${watchWrites} of ${WATCH_RATE} writes/s got through, so the load was lighter than asked`
      : ''
  const floor =
    m.floor_watch_500_p99_delay_ms === undefined
      ? ''
      : ` — a bare HTTPS server with no API behind it, same watchers and bytes: p99 ` +
        `${m.floor_watch_500_p99_delay_ms} ms at ${m.floor_watch_500_write_ops} writes/s`
  console.log(target(m.watch_500_p99_delay_ms, 100, 'watch_500_p99_delay_ms') + underLoad + floor)
  console.log(target(m.rss_growth_10k_pods_mb, 200, 'rss_growth_10k_pods_mb'))
  console.log('')
}
