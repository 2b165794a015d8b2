/**
 * The baseline: the API benchmark's operations on the store directly (sqlite in a temporary
 * directory, opened in this process as the API server opens it), with the very JSON the API
 * server stored for a benchmark pod. The API's overhead is the ratio of the two.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { openStore } from '../../src/main/store'
import type { Store } from '../../src/main/store/types'
import { closedLoop, median, parallel, round, type PhaseTiming } from './load'
import { measureStoreWatch, type WatchLoad } from './watch-delay'

/** The workloads' sizes; the API phases use the same ones. */
export interface BaselineConfig {
  concurrencies: number[]
  create: PhaseTiming
  read: PhaseTiming
  listPods: number
  smallListPods: number
  listTries: number
  watch: WatchLoad[]
}

type Metrics = Record<string, number>

/**
 * Runs the store workloads; `storedPod` is a pod as the API server stored it (JSON without its
 * resourceVersion) named `templateName`, used as the value of every key. Metrics are `store_*`.
 */
export async function runStoreBaseline(
  config: BaselineConfig,
  storedPod: string,
  templateName: string,
  log: (message: string) => void
): Promise<Metrics> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-api-store-'))
  const store = await openStore({ backend: 'sqlite', dataDir })
  const nameField = `"name":"${templateName}"`
  if (!storedPod.includes(nameField)) throw new Error('the stored pod does not carry its name')
  const value = (name: string): string => storedPod.replace(nameField, `"name":"${name}"`)
  const metrics: Metrics = {}
  try {
    const created: string[] = []
    for (const c of config.concurrencies) {
      const r = await closedLoop(c, config.create, async (seq) => {
        const name = `c${c}-${seq}`
        const key = `/registry/pods/bench/${name}`
        await store.create(key, value(name))
        created.push(key)
      })
      log(`store create c${c}: ${r.ops}/s, p50 ${r.p50} ms, p99 ${r.p99} ms`)
      Object.assign(metrics, phaseMetrics(`store_create_c${c}`, r))
    }
    for (const c of config.concurrencies) {
      const r = await closedLoop(c, config.read, async (seq) => {
        const key = created[(seq * 7919) % created.length]
        if (!(await store.get(key))) throw new Error(`store get ${key}: missing`)
      })
      log(`store get c${c}: ${r.ops}/s, p50 ${r.p50} ms, p99 ${r.p99} ms`)
      Object.assign(metrics, phaseMetrics(`store_get_c${c}`, r))
    }

    await fill(store, '/registry/pods/bench-list100/', config.smallListPods, value)
    for (const c of config.concurrencies) {
      const r = await closedLoop(c, config.read, async () => {
        const page = await store.range({ prefix: '/registry/pods/bench-list100/' })
        if (page.kvs.length !== config.smallListPods) throw new Error('store list: short')
      })
      log(`store list ${config.smallListPods} c${c}: ${r.ops}/s, p99 ${r.p99} ms`)
      Object.assign(metrics, phaseMetrics(`store_list${config.smallListPods}_c${c}`, r))
    }

    await fill(store, '/registry/pods/bench-list/', config.listPods, value)
    const tries: number[] = []
    for (let t = 0; t < config.listTries; t++) {
      const t0 = performance.now()
      const page = await store.range({ prefix: '/registry/pods/bench-list/' })
      tries.push(performance.now() - t0)
      if (page.kvs.length !== config.listPods) throw new Error('store list: short')
    }
    metrics.store_list_10k_pods_ms = round(median(tries))
    log(`store list ${config.listPods}: ${metrics.store_list_10k_pods_ms} ms (median)`)

    for (const load of config.watch) {
      const prefix = `/registry/pods/bench-watch/w${load.watchers}-`
      const r = await measureStoreWatch(store, prefix, load, (i) => value(`w${load.watchers}-${i}`))
      if (r.missing > 0 || r.broken > 0) {
        throw new Error(`store watch ${load.watchers}: ${r.missing} events missing`)
      }
      log(`store watch ${load.watchers}: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`)
      metrics[`store_watch_${load.watchers}_p50_delay_ms`] = r.p50
      metrics[`store_watch_${load.watchers}_p99_delay_ms`] = r.p99
    }
    return metrics
  } finally {
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function fill(
  store: Store,
  prefix: string,
  count: number,
  value: (name: string) => string
): Promise<void> {
  await parallel(count, 64, async (i) => {
    const name = `pod-${String(i).padStart(5, '0')}`
    await store.create(prefix + name, value(name))
  })
}

/** `<name>_ops`, `<name>_p50_ms`, `<name>_p99_ms`. */
export function phaseMetrics(name: string, r: { ops: number; p50: number; p99: number }): Metrics {
  return { [`${name}_ops`]: r.ops, [`${name}_p50_ms`]: r.p50, [`${name}_p99_ms`]: r.p99 }
}
