/**
 * The observe benchmark: `npm run bench -- observe [--quick]`. What kube-apiserver's request
 * log (one "HTTP" line per request from verbosity 3, through the log hub to its file) costs.
 *
 * The API server runs in a child process (bench/observe/log-server-child.ts: sqlite store,
 * `kube-apiserver` component log), and this process drives it over keep-alive HTTPS:
 * - throughput: 16 closed-loop clients GET one pod, alternately at the default verbosity (2:
 *   quiet) and at 4 (verbose: every request logged), switched with kube-apiserver's own
 *   `PUT /debug/flags/v`; the medians of the rounds give `api_throughput_ratio_verbose_vs_quiet`.
 * - log throughput: verbose, an open loop of 500 requests/s; the lines the hub took per second
 *   are `log_lines_per_s`, and every one of them must be in the log file afterwards.
 * - hub capacity: in this process, klog lines with a request line's key/values into one
 *   component log as fast as they go, flushed to disk (`hub_capacity_lines_per_s`).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { closedLoop, HttpsClient, median, round, type PhaseTiming } from './apiserver/load'
import { podBody } from './apiserver/pods'
import type { ChildReply, ChildRequest } from './observe/log-server-child'
import { log, printMetricTable, saveResults } from './results-file'
import { createComponentLog } from '../src/main/observe/component-log'
import { logHubFor } from '../src/main/observe/log-hub'

type Metrics = Record<string, number>

interface Config {
  rounds: number
  warmup: PhaseTiming
  throughput: PhaseTiming
  openLoopRate: number
  openLoopMs: number
  hubLines: number
}

const QUICK: Config = {
  rounds: 3,
  warmup: { warmupMs: 0, durationMs: 3_000 },
  throughput: { warmupMs: 300, durationMs: 1_500 },
  openLoopRate: 500,
  openLoopMs: 3_000,
  hubLines: 100_000
}
const FULL: Config = {
  rounds: 5,
  warmup: { warmupMs: 0, durationMs: 5_000 },
  throughput: { warmupMs: 1_000, durationMs: 5_000 },
  openLoopRate: 500,
  openLoopMs: 10_000,
  hubLines: 500_000
}

const CLIENTS = 16
const QUIET = 2
const VERBOSE = 4
/** Verbose logging may cost at most 15 % of the API's throughput. */
const RATIO_TARGET = 0.85

/** Runs the benchmark; answers the exit code (non-zero only when something failed). */
export async function run(args: string[]): Promise<number> {
  const quick = args.includes('--quick')
  const config = quick ? QUICK : FULL
  const started = performance.now()
  const metrics: Metrics = { loadavg_1m_at_start: round(loadavg()[0]), quick: quick ? 1 : 0 }
  const failures: string[] = []
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-observe-'))
  let server: ServerChild | undefined
  try {
    log(`starting the API server (child process, sqlite in ${dataDir})`)
    server = await startChild(dataDir)
    const client = new HttpsClient({ ...server.ready, host: '127.0.0.1' }, CLIENTS)
    try {
      await client.call('POST', '/api/v1/namespaces/default/pods', podBody('p0', 'default', 0), 201)
      Object.assign(metrics, await throughput(client, server, config))
      Object.assign(metrics, await openLoop(client, server, config))
    } finally {
      client.close()
    }
  } catch (err) {
    failures.push((err as Error).message)
    log(`FAILED: ${(err as Error).stack ?? (err as Error).message}`)
    if (server) log(`API server stderr:\n${server.stderr()}`)
  } finally {
    await server?.stop()
  }
  try {
    Object.assign(metrics, hubCapacity(dataDir, config.hubLines))
  } catch (err) {
    failures.push((err as Error).message)
  }
  rmSync(dataDir, { recursive: true, force: true })

  metrics.bench_duration_s = round((performance.now() - started) / 1000)
  printMetricTable(ROWS, metrics)
  console.log(
    `\nmachine: ${cpus().length} cores, load average ${metrics.loadavg_1m_at_start} at start`
  )
  const ratio = metrics.api_throughput_ratio_verbose_vs_quiet
  const verdict = ratio === undefined ? 'SKIP' : ratio >= RATIO_TARGET ? 'PASS' : 'FAIL'
  if (ratio !== undefined)
    metrics.api_throughput_ratio_verbose_vs_quiet_pass = ratio >= RATIO_TARGET ? 1 : 0
  console.log('\ntargets:')
  console.log(
    `  ${verdict}  api_throughput_ratio_verbose_vs_quiet >= ${RATIO_TARGET} (${ratio ?? 'not measured'}; ` +
      'verbose logging costs under 15% of throughput)'
  )
  const lost = metrics.log_lines_lost
  console.log(
    `  ${lost === undefined ? 'SKIP' : lost === 0 ? 'PASS' : 'FAIL'}  log_lines_lost == 0 (${lost ?? '-'})\n`
  )
  for (const failure of failures) console.log(`ERROR ${failure}`)
  const file = saveResults('observe', metrics)
  log(`saved ${file}`)
  console.log(JSON.stringify(metrics))
  return failures.length > 0 ? 1 : 0
}

/**
 * Quiet and verbose phases in pairs, the order alternating from round to round so a busy
 * machine weighs on both alike; the ratio is the median of the rounds' ratios. Beside
 * throughput, the server's CPU time per request (from /proc), which other load on the machine
 * disturbs less than the wall clock.
 */
async function throughput(
  client: HttpsClient,
  server: ServerChild,
  config: Config
): Promise<Metrics> {
  const get = (): Promise<unknown> => client.call('GET', '/api/v1/namespaces/default/pods/p0')
  const phase = async (level: number, timing: PhaseTiming = config.throughput) => {
    await setVerbosity(client, level)
    const lines0 = (await server.ask({ type: 'stats' })).lines
    const cpu0 = cpuTimeMs(server.ready.pid)
    const r = await closedLoop(CLIENTS, timing, get)
    const cpuMs = cpuTimeMs(server.ready.pid) - cpu0
    const lines = (await server.ask({ type: 'stats' })).lines - lines0
    // Every request of the phase, warm-up included, was served (and logged when verbose).
    const requests = (r.count * (timing.warmupMs + timing.durationMs)) / timing.durationMs
    log(
      `v=${level}: ${r.ops} GET/s, p99 ${r.p99} ms, ${lines} log lines, ${round((cpuMs * 1000) / requests)} µs CPU/request`
    )
    return { ops: r.ops, lines, requests, cpuUsPerRequest: (cpuMs * 1000) / requests }
  }
  log('warm-up (not counted)')
  // The JIT and the connection pool settle before anything is counted.
  await phase(VERBOSE, config.warmup)
  await phase(QUIET, config.warmup)
  const quiet: number[] = []
  const verbose: number[] = []
  const ratios: number[] = []
  const cpuRatios: number[] = []
  const cpuQuiet: number[] = []
  const cpuVerbose: number[] = []
  const linesPerRequest: number[] = []
  for (let i = 0; i < config.rounds; i++) {
    const first = i % 2 === 0 ? QUIET : VERBOSE
    const a = await phase(first)
    const b = await phase(first === QUIET ? VERBOSE : QUIET)
    const [q, v] = first === QUIET ? [a, b] : [b, a]
    quiet.push(q.ops)
    verbose.push(v.ops)
    ratios.push(v.ops / q.ops)
    cpuQuiet.push(q.cpuUsPerRequest)
    cpuVerbose.push(v.cpuUsPerRequest)
    cpuRatios.push(q.cpuUsPerRequest / v.cpuUsPerRequest)
    linesPerRequest.push(v.lines / v.requests)
  }
  return {
    api_quiet_get_per_s: median(quiet),
    api_verbose_get_per_s: median(verbose),
    api_throughput_ratio_verbose_vs_quiet: round(median(ratios)),
    api_cpu_us_per_request_quiet: round(median(cpuQuiet)),
    api_cpu_us_per_request_verbose: round(median(cpuVerbose)),
    api_cpu_ratio_quiet_vs_verbose: round(median(cpuRatios)),
    api_verbose_lines_per_request: round(median(linesPerRequest))
  }
}

/** User + system CPU time of `pid` so far, ms (/proc/<pid>/stat, 100 ticks a second). */
function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

/** Verbose, `openLoopRate` requests/s for `openLoopMs`: lines/s into the hub, none lost. */
async function openLoop(
  client: HttpsClient,
  server: ServerChild,
  config: Config
): Promise<Metrics> {
  await setVerbosity(client, VERBOSE)
  const before = (await server.ask({ type: 'stats' })).lines
  const t0 = performance.now()
  let sent = 0
  let done = 0
  let failed = 0
  let firstError: string | undefined
  const inFlight = new Set<Promise<unknown>>()
  while (performance.now() - t0 < config.openLoopMs) {
    const due = Math.floor(((performance.now() - t0) / 1000) * config.openLoopRate)
    while (sent < due) {
      sent++
      const p: Promise<unknown> = client
        .call('GET', '/api/v1/namespaces/default/pods/p0')
        .then(
          () => done++,
          (err: unknown) => {
            failed++
            firstError ??= String(err)
          }
        )
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await Promise.all(inFlight)
  const seconds = (performance.now() - t0) / 1000
  const count = await server.ask({ type: 'count' })
  if (count.type !== 'count') throw new Error('unexpected answer from the server child')
  const lines = count.lines - before
  await setVerbosity(client, QUIET)
  if (failed > 0)
    throw new Error(
      `${failed} of ${sent} requests failed at ${config.openLoopRate}/s (first: ${firstError})`
    )
  return {
    open_loop_requests_per_s: round(done / seconds),
    log_lines_per_s: round(lines / seconds),
    log_lines_in_hub: count.lines,
    log_lines_lost: count.lines - count.fileLines
  }
}

/** Lines/s one component log takes in this process (formatting, ring, file), flushed. */
function hubCapacity(dataDir: string, lines: number): Metrics {
  const hubDir = join(dataDir, 'capacity')
  const logger = createComponentLog(hubDir, 'kube-apiserver', { maxBytes: 1024 * 1024 * 1024 })
  logger.setVerbosity(VERBOSE)
  const t0 = performance.now()
  for (let i = 0; i < lines; i++) {
    logger.v(3)?.info('HTTP', {
      verb: 'GET',
      URI: `/api/v1/namespaces/default/pods/p${i}`,
      latency: '1.234ms',
      userAgent: 'kubectl/v1.32.0 (linux/amd64) kubernetes/abcdef',
      user: 'kubernetes-admin',
      resource: 'pods',
      srcIP: '127.0.0.1:51234',
      resp: 200
    })
  }
  logHubFor(hubDir).flush()
  const seconds = (performance.now() - t0) / 1000
  logger.close()
  return { hub_capacity_lines_per_s: Math.round(lines / seconds) }
}

async function setVerbosity(client: HttpsClient, level: number): Promise<void> {
  const res = await client.send('PUT', '/debug/flags/v', String(level))
  if (res.status !== 200) throw new Error(`PUT /debug/flags/v ${level}: ${res.status} ${res.body}`)
}

interface ServerChild {
  ready: { url: string; port: number; ca: string; token: string; pid: number }
  ask(request: ChildRequest): Promise<ChildReply>
  stderr(): string
  stop(): Promise<void>
}

async function startChild(dataDir: string): Promise<ServerChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'observe', 'log-server-child.ts'), dataDir],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: join(__dirname, '..') }
  )
  let err = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const ready = await new Promise<ServerChild['ready']>((resolve, reject) => {
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c
      const nl = out.indexOf('\n')
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as ServerChild['ready'])
    })
    child.once('close', (code) => reject(new Error(`the API server exited (${code}):\n${err}`)))
  })
  return {
    ready,
    stderr: () => err,
    ask: (request) =>
      new Promise((resolve) => {
        child.once('message', (reply: ChildReply) => resolve(reply))
        child.send(request)
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

const ROWS: [string, string][] = [
  ['api_quiet_get_per_s', `GET pod/s, ${CLIENTS} clients, verbosity ${QUIET} (median of rounds)`],
  [
    'api_verbose_get_per_s',
    `GET pod/s, ${CLIENTS} clients, verbosity ${VERBOSE}: every request logged`
  ],
  [
    'api_throughput_ratio_verbose_vs_quiet',
    'verbose ÷ quiet throughput, median of rounds (≥ 0.85)'
  ],
  ['api_cpu_us_per_request_quiet', 'server CPU per request, quiet (µs)'],
  ['api_cpu_us_per_request_verbose', 'server CPU per request, verbose (µs)'],
  ['api_cpu_ratio_quiet_vs_verbose', 'quiet ÷ verbose CPU per request (1 = logging is free)'],
  ['api_verbose_lines_per_request', 'hub lines per request while verbose (≈ 1)'],
  ['open_loop_requests_per_s', 'requests/s achieved in the open loop (500/s offered)'],
  ['log_lines_per_s', 'lines/s into the hub, verbose, under the open loop'],
  ['log_lines_in_hub', 'lines the kube-apiserver log took in the whole run'],
  ['log_lines_lost', 'lines in the hub but not in the log file afterwards'],
  ['hub_capacity_lines_per_s', 'request lines/s one component log takes (this process)'],
  ['loadavg_1m_at_start', 'machine load when the run began'],
  ['bench_duration_s', 'benchmark wall time']
]
