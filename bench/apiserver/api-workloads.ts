/**
 * The workloads over HTTPS against the API server child: create, get and list of Pods from 1, 16
 * and 64 clients, one list of 10,000 Pods, memory growth while storing them, and watch delay
 * with 1 to 500 watchers. Every phase also records the CPU the server and the load generator
 * used, so a reader can tell which side was saturated.
 */
import { performance } from 'node:perf_hooks'
import {
  closedLoop,
  HttpsClient,
  median,
  parallel,
  round,
  summarize,
  type ApiTarget,
  type LoadResult
} from './load'
import { podBody } from './pods'
import type { ServerProcess } from './server-process'
import { phaseMetrics, type BaselineConfig } from './store-baseline'
import type { WatcherPool } from './watch-delay'

type Metrics = Record<string, number>

/** The API phases' sizes: the baseline's plus a warm-up. */
export interface ApiConfig extends BaselineConfig {
  /** Creates and gets before anything is measured (JIT, sqlite pages). */
  warmupRequests: number
  /** How long the server idles before each RSS reading, ms. */
  rssSettleMs: number
  /**
   * At most this long creating the 10,000 listed pods through the API; the rest are written into
   * the server's store directly (quick runs on a slow server). Unset: all through the API.
   */
  fillApiBudgetMs?: number
}

/** What the API phases give the rest of the run. */
export interface ApiOutcome {
  metrics: Metrics
  /** A benchmark pod as the server stored it (for the store baseline), and its name. */
  storedPod: string
  templateName: string
}

const NAMESPACES = ['bench', 'bench-list', 'bench-list100', 'bench-watch']
const TEMPLATE_NAME = 'template-pod'
/** The pods collection of a namespace. */
const pods = (ns: string): string => `/api/v1/namespaces/${ns}/pods`

/** Runs every API phase against `server`. */
export async function runApiWorkloads(
  server: ServerProcess,
  pool: WatcherPool,
  config: ApiConfig,
  log: (message: string) => void
): Promise<ApiOutcome> {
  const target: ApiTarget = {
    host: '127.0.0.1',
    port: server.port,
    ca: server.ca,
    token: server.token
  }
  const metrics: Metrics = {}
  const cpu = new CpuMeter(server)
  const admin = new HttpsClient(target, 64)
  try {
    for (const ns of NAMESPACES) {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      await admin.call('POST', '/api/v1/namespaces', body, 201)
    }
    await admin.call('POST', pods('bench'), podBody(TEMPLATE_NAME, 'bench', 0), 201)
    const stored = JSON.parse((await admin.call('GET', `${pods('bench')}/${TEMPLATE_NAME}`)).body)
    delete stored.metadata.resourceVersion
    const storedPod = JSON.stringify(stored)
    metrics.pod_stored_bytes = Buffer.byteLength(storedPod)
    metrics.pod_request_bytes = Buffer.byteLength(podBody(TEMPLATE_NAME, 'bench', 0))

    // Warm-up on a namespace of its own, so the measured collections hold exactly what they should.
    await parallel(config.warmupRequests, 16, async (i) => {
      await admin.call('POST', pods('default'), podBody(`warmup-${i}`, 'default', i), 201)
      await admin.call('GET', `${pods('default')}/warmup-${i}`)
    })

    // Memory: RSS before and after storing the 10,000 pods that the list reads.
    await sleep(config.rssSettleMs)
    const rssBefore = server.rssMb()
    Object.assign(metrics, await fillListPods(server, admin, cpu, config, log))
    await sleep(config.rssSettleMs)
    const rssAfter = server.rssMb()
    metrics.rss_before_mb = round(rssBefore)
    metrics.rss_after_10k_pods_mb = round(rssAfter)
    metrics.rss_growth_10k_pods_mb = round(rssAfter - rssBefore)
    log(`server RSS ${metrics.rss_before_mb} → ${metrics.rss_after_10k_pods_mb} MB`)

    Object.assign(metrics, await listLarge(server, target, cpu, config))
    log(`list ${config.listPods} pods: ${metrics.list_10k_pods_ms} ms (median)`)

    for (const c of config.concurrencies) {
      const r = await clientPhase(target, c, cpu, `create_c${c}`, metrics, (client) =>
        closedLoop(c, config.create, (seq) =>
          client.call('POST', pods('bench'), podBody(`c${c}-${seq}`, 'bench', seq), 201)
        )
      )
      log(`create c${c}: ${r.ops}/s, p50 ${r.p50} ms, p99 ${r.p99} ms`)
    }
    const names = (await listNames(admin, 'bench')).filter((n) => n !== TEMPLATE_NAME)
    for (const c of config.concurrencies) {
      const r = await clientPhase(target, c, cpu, `get_c${c}`, metrics, (client) =>
        closedLoop(c, config.read, (seq) =>
          client.call('GET', `${pods('bench')}/${names[(seq * 7919) % names.length]}`)
        )
      )
      log(`get c${c}: ${r.ops}/s, p50 ${r.p50} ms, p99 ${r.p99} ms`)
    }
    await parallel(config.smallListPods, 16, (i) => {
      const name = `pod-${String(i).padStart(5, '0')}`
      return admin.call('POST', pods('bench-list100'), podBody(name, 'bench-list100', i), 201)
    })
    const small = config.smallListPods
    for (const c of config.concurrencies) {
      const r = await clientPhase(target, c, cpu, `list${small}_c${c}`, metrics, (client) =>
        closedLoop(c, config.read, () => client.call('GET', pods('bench-list100')))
      )
      log(`list ${small} c${c}: ${r.ops}/s, p50 ${r.p50} ms, p99 ${r.p99} ms`)
    }

    for (const load of config.watch) {
      const name = `watch_${load.watchers}`
      const rv = JSON.parse((await admin.call('GET', `${pods('bench-watch')}?limit=1`)).body)
        .metadata.resourceVersion as string
      const path = `${pods('bench-watch')}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`
      const writer = new HttpsClient(target, 64)
      const prefix = `w${load.watchers}-`
      cpu.start()
      const rss = sampleRss(server)
      const r = await pool
        .measure(target, path, prefix, load, (i) =>
          writer.call('POST', pods('bench-watch'), podBody(prefix + i, 'bench-watch', i), 201)
        )
        .finally(() => {
          writer.close()
          metrics[`${name}_server_rss_peak_mb`] = rss.stop()
        })
      Object.assign(metrics, cpu.stop(name, r.watcherCpuMs))
      if (r.missing > 0 || r.broken > 0) {
        throw new Error(
          `${load.watchers} watchers: ${r.missing} watcher × event pairs never arrived, ` +
            `${r.broken} streams ended early`
        )
      }
      metrics[`${name}_p50_delay_ms`] = r.p50
      metrics[`${name}_p99_delay_ms`] = r.p99
      metrics[`${name}_max_delay_ms`] = r.max
      metrics[`${name}_write_ops`] = r.writes.ops
      metrics[`${name}_write_p99_ms`] = r.writes.p99
      log(
        `watch ${load.watchers} watchers × ${load.rate} writes/s: delay p50 ${r.p50} ms, ` +
          `p99 ${r.p99} ms, max ${r.max} ms (${r.pairs} pairs); writes p99 ${r.writes.p99} ms`
      )
    }
    metrics.server_peak_rss_mb = round(server.peakRssMb())
    return { metrics, storedPod, templateName: TEMPLATE_NAME }
  } finally {
    admin.close()
  }
}

/**
 * Creates the pods of the big list through the API from 64 clients, for at most
 * `fillApiBudgetMs`; whatever is left then goes straight into the server's store (a copy of the
 * first pod the API stored, renamed), so the list still holds exactly `listPods`.
 */
async function fillListPods(
  server: ServerProcess,
  admin: HttpsClient,
  cpu: CpuMeter,
  config: ApiConfig,
  log: (message: string) => void
): Promise<Metrics> {
  const names = Array.from(
    { length: config.listPods },
    (_, i) => `pod-${String(i).padStart(5, '0')}`
  )
  const start = performance.now()
  const deadline = start + (config.fillApiBudgetMs ?? Infinity)
  const latencies: number[] = []
  let next = 0
  cpu.start()
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < names.length && (next === 0 || performance.now() < deadline)) {
        const i = next++
        const t0 = performance.now()
        await admin.call('POST', pods('bench-list'), podBody(names[i], 'bench-list', i), 201)
        latencies.push(performance.now() - t0)
      }
    })
  )
  const elapsed = performance.now() - start
  const metrics: Metrics = {
    ...cpu.stop('fill_api'),
    fill_api_pods: next,
    fill_api_s: round(elapsed / 1000),
    fill_api_p99_ms: summarize(latencies, elapsed).p99,
    fill_api_ops: Math.round(next / (elapsed / 1000)),
    fill_seeded_pods: names.length - next
  }
  if (next < names.length) {
    const first = JSON.parse((await admin.call('GET', `${pods('bench-list')}/${names[0]}`)).body)
    delete first.metadata.resourceVersion
    await server.seed({
      prefix: '/registry/pods/bench-list/',
      names: names.slice(next),
      template: JSON.stringify(first),
      templateName: names[0],
      templateUid: first.metadata.uid
    })
    log(
      `stored ${next} pods through the API in ${metrics.fill_api_s} s (${metrics.fill_api_ops}/s); ` +
        `the quick run's budget is spent, so the other ${names.length - next} went straight ` +
        `into the server's store`
    )
  } else {
    log(
      `stored ${next} pods through the API in ${metrics.fill_api_s} s (${metrics.fill_api_ops}/s)`
    )
  }
  return metrics
}

/** A closed-loop phase with a client of `concurrency` sockets; records its metrics and CPU. */
async function clientPhase(
  target: ApiTarget,
  concurrency: number,
  cpu: CpuMeter,
  name: string,
  metrics: Metrics,
  body: (client: HttpsClient) => Promise<LoadResult>
): Promise<LoadResult> {
  const client = new HttpsClient(target, concurrency)
  try {
    cpu.start()
    const r = await body(client)
    Object.assign(metrics, phaseMetrics(name, r), cpu.stop(name))
    return r
  } finally {
    client.close()
  }
}

/** One GET of all 10,000 pods at a time, timed to the last byte; the median of a few tries. */
async function listLarge(
  server: ServerProcess,
  target: ApiTarget,
  cpu: CpuMeter,
  config: ApiConfig
): Promise<Metrics> {
  const client = new HttpsClient(target, 1)
  const tries: number[] = []
  const firstBytes: number[] = []
  let bytes = 0
  cpu.start()
  const rss = sampleRss(server)
  let rssPeak = 0
  try {
    for (let t = 0; t < config.listTries; t++) {
      const t0 = performance.now()
      const res = await client.call('GET', pods('bench-list'))
      // To the last byte, as the server delivers it: decoding 40 MB into a string (~40 ms)
      // is this client's work, not the list's.
      tries.push(res.endAt - t0)
      firstBytes.push(res.headersAt - t0)
      if (t === 0) {
        const items = (JSON.parse(res.body) as { items: unknown[] }).items.length
        if (items !== config.listPods) throw new Error(`list returned ${items} pods`)
        bytes = Buffer.byteLength(res.body)
      }
    }
  } finally {
    rssPeak = rss.stop()
    client.close()
  }
  return {
    list_10k_pods_ms: round(median(tries)),
    list_10k_pods_min_ms: round(Math.min(...tries)),
    list_10k_first_byte_ms: round(median(firstBytes)),
    list_10k_pods_mb: round(bytes / 1024 / 1024),
    list_10k_server_rss_peak_mb: rssPeak,
    ...cpu.stop('list_10k')
  }
}

async function listNames(admin: HttpsClient, ns: string): Promise<string[]> {
  const list = JSON.parse((await admin.call('GET', pods(ns))).body) as {
    items: { metadata: { name: string } }[]
  }
  return list.items.map((p) => p.metadata.name)
}

/** Server and load-generator CPU over one phase, as % of one core. */
class CpuMeter {
  private t0 = 0
  private server0 = 0
  private self0 = 0

  constructor(private readonly server: ServerProcess) {}

  start(): void {
    this.t0 = performance.now()
    this.server0 = this.server.cpuMs()
    this.self0 = selfCpuMs()
  }

  /** `<name>_server_cpu_pct` and `<name>_client_cpu_pct` (this process plus `extraClientMs`). */
  stop(name: string, extraClientMs = 0): Metrics {
    const wall = performance.now() - this.t0
    const server = this.server.cpuMs() - this.server0
    const client = selfCpuMs() - this.self0 + extraClientMs
    return {
      [`${name}_server_cpu_pct`]: Math.round((100 * server) / wall),
      [`${name}_client_cpu_pct`]: Math.round((100 * client) / wall)
    }
  }
}

/** Samples the server's RSS every 100 ms until `stop`, which answers the peak (MB). */
function sampleRss(server: ServerProcess): { stop(): number } {
  let peak = server.rssMb()
  const timer = setInterval(() => (peak = Math.max(peak, server.rssMb())), 100)
  return {
    stop() {
      clearInterval(timer)
      return round(Math.max(peak, server.rssMb()))
    }
  }
}

function selfCpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
