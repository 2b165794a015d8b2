/**
 * The store benchmark: sqlite, memory and a real etcd side by side in one run, on the workloads
 * the API server puts on its store — guarded pod writes from 1 and 64 clients, watch fan-out to
 * 100 watchers, and paginated lists. `npm run bench -- store [--quick] [--backends=sqlite,etcd]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { openStore } from '../src/main/store'
import type { Store, StoreBackend } from '../src/main/store/types'
import { startEtcd, type EtcdServer } from '../tests/helpers/etcd-server'
import { log, saveResults } from './results-file'

/** How long and how much each workload runs. */
interface BenchConfig {
  warmupMs: number
  putDurationMs: number
  watchers: number
  watchWrites: number
  rangeKeys: number
  rangePageSize: number
  rangeDurationMs: number
}

const QUICK: BenchConfig = {
  warmupMs: 300,
  putDurationMs: 2_000,
  watchers: 100,
  watchWrites: 2_000,
  rangeKeys: 1_000,
  rangePageSize: 500,
  rangeDurationMs: 1_000
}

const FULL: BenchConfig = {
  ...QUICK,
  warmupMs: 1_000,
  putDurationMs: 10_000,
  watchWrites: 10_000,
  rangeDurationMs: 3_000
}

/** Writers that issue the watch fan-out writes (the fan-out, not the writes, is measured). */
const FANOUT_WRITERS = 64
/** Each put writer creates this many pods, then keeps updating them in turn. */
const PODS_PER_WRITER = 50
/** The delivery deadline after the last fan-out write: beyond it the run fails loudly. */
const FANOUT_DEADLINE_MS = 60_000

const ALL_BACKENDS: StoreBackend[] = ['sqlite', 'memory', 'etcd']

type Metrics = Record<string, number>

/** Runs the benchmark; answers the process exit code (non-zero only when something failed). */
export async function run(args: string[]): Promise<number> {
  const quick = args.includes('--quick')
  const config = quick ? QUICK : FULL
  const backends = parseBackends(args)
  const resources = new Resources()
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping`)
    void resources.release().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const metrics: Metrics = {}
  const failures: string[] = []
  const started = performance.now()
  try {
    for (const backend of backends) {
      log(`== ${backend}`)
      let store: Store | undefined
      try {
        store = await openBackend(backend, resources)
        Object.assign(metrics, prefixed(backend, await runWorkloads(store, backend, config)))
      } catch (err) {
        failures.push(`${backend}: ${(err as Error).message}`)
        log(`${backend} FAILED: ${(err as Error).stack ?? (err as Error).message}`)
      } finally {
        await store?.close().catch(() => undefined)
      }
    }
  } finally {
    await resources.release()
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }

  if (metrics.sqlite_put_c64_ops && metrics.etcd_put_c64_ops) {
    metrics.sqlite_vs_etcd_put_c64_ratio = round(
      metrics.sqlite_put_c64_ops / metrics.etcd_put_c64_ops
    )
  }
  metrics.bench_duration_s = round((performance.now() - started) / 1000)
  metrics.quick = quick ? 1 : 0

  printTable(metrics, backends)
  printTargets(metrics)
  for (const failure of failures) console.log(`ERROR ${failure}`)
  const file = saveResults('store', metrics)
  log(`saved ${file}`)
  console.log(JSON.stringify(metrics))
  return failures.length > 0 ? 1 : 0
}

function parseBackends(args: string[]): StoreBackend[] {
  const flag = args.find((a) => a.startsWith('--backends='))
  if (!flag) return ALL_BACKENDS
  const chosen = flag.slice('--backends='.length).split(',').filter(Boolean)
  const unknown = chosen.filter((b) => !ALL_BACKENDS.includes(b as StoreBackend))
  if (unknown.length > 0) {
    throw new Error(`unknown backend ${unknown.join(', ')}; choose from ${ALL_BACKENDS.join(', ')}`)
  }
  return chosen as StoreBackend[]
}

/** What the run must give back however it ends: the etcd process and temporary directories. */
class Resources {
  etcd?: EtcdServer
  readonly dirs: string[] = []

  async release(): Promise<void> {
    const etcd = this.etcd
    this.etcd = undefined
    await etcd?.stop().catch((err: Error) => log(`stopping etcd failed: ${err.message}`))
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  }
}

async function openBackend(backend: StoreBackend, resources: Resources): Promise<Store> {
  const compaction = { enabled: false }
  if (backend === 'etcd') {
    resources.etcd = await startEtcd()
    return openStore({
      backend,
      etcdEndpoints: resources.etcd.endpoints,
      compaction
    })
  }
  if (backend === 'memory') return openStore({ backend, compaction })
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-sqlite-'))
  resources.dirs.push(dataDir)
  return openStore({ backend, dataDir, compaction })
}

async function runWorkloads(store: Store, backend: string, config: BenchConfig): Promise<Metrics> {
  const pods = new PodSource()
  const c1 = await putWorkload(store, pods, 1, config)
  log(`${backend} put c1: ${c1.ops} writes/s, p50 ${c1.p50} ms, p99 ${c1.p99} ms`)
  const c64 = await putWorkload(store, pods, 64, config)
  log(`${backend} put c64: ${c64.ops} writes/s, p50 ${c64.p50} ms, p99 ${c64.p99} ms`)
  const fanout = await watchFanout(store, config)
  log(`${backend} watch fan-out: ${fanout} events/s`)
  const lists = await rangeWorkload(store, config)
  log(`${backend} range: ${lists} lists/s`)
  return {
    put_c1_ops: c1.ops,
    put_c1_p50_ms: c1.p50,
    put_c1_p99_ms: c1.p99,
    put_c64_ops: c64.ops,
    put_c64_p50_ms: c64.p50,
    put_c64_p99_ms: c64.p99,
    watch_fanout_events_per_s: fanout,
    range_lists_per_s: lists
  }
}

/** Hands out pod keys no workload has used yet: /registry/pods/default/pod-N. */
class PodSource {
  private next = 0

  newKey(): string {
    return `/registry/pods/default/pod-${this.next++}`
  }
}

/** A pod-like JSON document of about 1 KB; `generation` changes with every update. */
function podJson(key: string, generation: number): string {
  const name = key.slice(key.lastIndexOf('/') + 1)
  const pod = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: 'default',
      generation,
      labels: { app: 'bench', 'pod-template-hash': '5d8f7c9b6' },
      annotations: { padding: '' }
    },
    spec: {
      nodeName: 'kubedesk-worker',
      containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }]
    },
    status: {
      phase: 'Running',
      podIP: '10.244.1.7',
      conditions: [{ type: 'Ready', status: 'True' }]
    }
  }
  pod.metadata.annotations.padding = 'x'.repeat(Math.max(0, 1024 - JSON.stringify(pod).length))
  return JSON.stringify(pod)
}

interface PutResult {
  ops: number
  p50: number
  p99: number
}

/**
 * `concurrency` writers, each awaiting its own writes: first it creates its pods, then it updates
 * them in turn with a compare-and-swap on their mod revision, as the API server's updates do.
 * Writes that finish during the warm-up are not counted.
 */
async function putWorkload(
  store: Store,
  pods: PodSource,
  concurrency: number,
  config: BenchConfig
): Promise<PutResult> {
  const start = performance.now()
  const measureFrom = start + config.warmupMs
  const end = measureFrom + config.putDurationMs
  const latencies: number[] = []
  const writer = async (): Promise<void> => {
    const owned: { key: string; modRevision: number; generation: number }[] = []
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now()
      if (owned.length < PODS_PER_WRITER) {
        const key = pods.newKey()
        const kv = await store.create(key, podJson(key, 1))
        owned.push({ key, modRevision: kv.modRevision, generation: 1 })
      } else {
        const pod = owned[i % owned.length]
        pod.generation++
        const kv = await store.update(pod.key, podJson(pod.key, pod.generation), {
          expectedModRevision: pod.modRevision
        })
        pod.modRevision = kv.modRevision
      }
      const t1 = performance.now()
      if (t0 >= measureFrom && t1 <= end) latencies.push(t1 - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, writer))
  latencies.sort((a, b) => a - b)
  return {
    ops: Math.round(latencies.length / (config.putDurationMs / 1000)),
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99))
  }
}

/**
 * `watchers` watches on one prefix, then `watchWrites` creates under it: events delivered to all
 * watchers per second, from the first write to the last delivery. Every watcher must receive
 * every write exactly once, in revision order; anything else fails the run.
 */
async function watchFanout(store: Store, config: BenchConfig): Promise<number> {
  const prefix = `/registry/events/fanout-${Date.now()}/`
  const from = await store.revision()
  const total = config.watchWrites
  const received = new Array<number>(config.watchers).fill(0)
  const problems: string[] = []
  let lastDelivery = 0
  let complete = 0
  let allDelivered!: () => void
  const done = new Promise<void>((resolve) => (allDelivered = resolve))
  const watchers = received.map((_, w) => {
    let lastRevision = from
    return store.watch(prefix, from, {
      onEvents: (events) => {
        for (const e of events) {
          if (e.kv.modRevision <= lastRevision) problems.push(`watcher ${w}: revision out of order`)
          lastRevision = e.kv.modRevision
        }
        received[w] += events.length
        lastDelivery = performance.now()
        if (received[w] === total && ++complete === config.watchers) allDelivered()
      },
      onError: (err) => problems.push(`watcher ${w}: ${err.message}`)
    })
  })
  try {
    const value = podJson('/fanout/event', 1)
    let next = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: FANOUT_WRITERS }, async () => {
        while (next < total) await store.create(`${prefix}event-${next++}`, value)
      })
    )
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>(
      (r) => (timer = setTimeout(() => r('timeout'), FANOUT_DEADLINE_MS))
    )
    const outcome = await Promise.race([done.then(() => 'done' as const), timeout])
    clearTimeout(timer)
    const short = received.filter((n) => n !== total)
    if (outcome === 'timeout' || short.length > 0 || problems.length > 0) {
      throw new Error(
        `watch fan-out incomplete: ${short.length} of ${config.watchers} watchers did not get ` +
          `exactly ${total} events (min ${Math.min(...received)}, max ${Math.max(...received)})` +
          (problems.length > 0 ? `; ${problems.slice(0, 3).join('; ')}` : '')
      )
    }
    return Math.round((total * config.watchers) / ((lastDelivery - t0) / 1000))
  } finally {
    for (const w of watchers) w.cancel()
  }
}

/** Lists of `rangeKeys` keys under one prefix, in pages of `rangePageSize`: lists per second. */
async function rangeWorkload(store: Store, config: BenchConfig): Promise<number> {
  const prefix = `/registry/configmaps/range-${Date.now()}/`
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < config.rangeKeys) {
        const key = `${prefix}cm-${String(next++).padStart(5, '0')}`
        await store.create(key, podJson(key, 1))
      }
    })
  )
  const list = async (): Promise<number> => {
    let count = 0
    let token: string | undefined
    do {
      const page = await store.range({
        prefix,
        limit: config.rangePageSize,
        continue: token
      })
      count += page.kvs.length
      token = page.continue
    } while (token)
    return count
  }
  const start = performance.now()
  const end = start + config.warmupMs + config.rangeDurationMs
  let lists = 0
  let measuredFrom = 0
  while (performance.now() < end) {
    if (measuredFrom === 0 && performance.now() >= start + config.warmupMs) {
      measuredFrom = performance.now()
      lists = 0
    }
    const count = await list()
    if (count !== config.rangeKeys) {
      throw new Error(`a list returned ${count} keys instead of ${config.rangeKeys}`)
    }
    lists++
  }
  const seconds = (performance.now() - (measuredFrom || start)) / 1000
  return round(lists / seconds)
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}

function prefixed(backend: string, metrics: Metrics): Metrics {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${backend}_${k}`, v]))
}

const ROWS: [string, string][] = [
  ['put_c1_ops', 'put c1 (writes/s)'],
  ['put_c1_p50_ms', 'put c1 p50 (ms)'],
  ['put_c1_p99_ms', 'put c1 p99 (ms)'],
  ['put_c64_ops', 'put c64 (writes/s)'],
  ['put_c64_p50_ms', 'put c64 p50 (ms)'],
  ['put_c64_p99_ms', 'put c64 p99 (ms)'],
  ['watch_fanout_events_per_s', 'watch fan-out (events/s)'],
  ['range_lists_per_s', 'range 1000 keys (lists/s)']
]

function printTable(metrics: Metrics, backends: StoreBackend[]): void {
  const columns = ['metric', ...backends, 'sqlite/etcd']
  const cell = (v: number | undefined): string => (v === undefined ? '-' : String(v))
  const rows = ROWS.map(([key, label]) => {
    const s = metrics[`sqlite_${key}`]
    const e = metrics[`etcd_${key}`]
    return [
      label,
      ...backends.map((b) => cell(metrics[`${b}_${key}`])),
      s && e ? `${round(s / e)}x` : '-'
    ]
  })
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log('')
  console.log(line(columns))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
}

function printTargets(m: Metrics): void {
  const targets: [boolean | undefined, string][] = [
    [
      m.sqlite_put_c64_ops !== undefined && m.etcd_put_c64_ops !== undefined
        ? m.sqlite_put_c64_ops >= m.etcd_put_c64_ops
        : undefined,
      `sqlite_put_c64_ops >= etcd_put_c64_ops (${m.sqlite_put_c64_ops} vs ${m.etcd_put_c64_ops})`
    ],
    [
      m.sqlite_put_c1_p99_ms !== undefined ? m.sqlite_put_c1_p99_ms <= 10 : undefined,
      `sqlite_put_c1_p99_ms <= 10 (${m.sqlite_put_c1_p99_ms})`
    ],
    [
      m.sqlite_watch_fanout_events_per_s !== undefined
        ? m.sqlite_watch_fanout_events_per_s >= 50_000
        : undefined,
      `sqlite_watch_fanout_events_per_s >= 50000 (${m.sqlite_watch_fanout_events_per_s})`
    ]
  ]
  console.log('\ntargets:')
  for (const [ok, what] of targets) {
    console.log(`  ${ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL'}  ${what}`)
  }
  console.log('')
}
