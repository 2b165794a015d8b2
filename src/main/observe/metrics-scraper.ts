/**
 * The metrics scraper: metrics-server's job, inside the control plane. Every interval (15 s, as
 * metrics-server's `--metric-resolution`) it lists the Nodes, reads each kubelet's Summary API —
 * over HTTPS for docker and process nodes, from the in-process registry for the control-plane
 * node and simulated nodes, which serve no HTTPS — and stores the whole batch in the usage store
 * that `metrics.k8s.io` answers from. A node that cannot be read drops out of that scrape; its
 * failure is logged when it starts and when it ends, not on every scrape.
 */
import type { Summary } from '../../agent/server/stats-summary'
import type { ApiClient } from '../apiserver/client'
import type { KubeletClientConfig } from '../apiserver/rest/context'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from './component-log'
import { batchOf, fetchSummary } from './kubelet-stats'
import type { UsageStore } from './usage-store'

/** metrics-server's default `--metric-resolution`. */
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000
/** How long one kubelet may take to answer (within the interval). */
const KUBELET_TIMEOUT_MS = 5_000

/** What the scraper needs. */
export interface MetricsScraperOptions {
  /** Lists Nodes (their addresses and kubelet ports). */
  client: ApiClient
  /** The API server's credentials toward kubelets; absent: only in-process kubelets are read. */
  kubeletClient?: KubeletClientConfig
  /** The summary of a kubelet running in this process; undefined for any other node. */
  inProcessSummary: (nodeName: string) => Promise<Summary> | undefined
  store: UsageStore
  intervalMs?: number
  /** Called after each scrape was stored (the history records it). */
  onScrape?: (at: Date) => void
  log?: Pick<ComponentLog, 'info' | 'warn'>
}

/** A running scraper. */
export interface MetricsScraper {
  /** Scrapes now (tests; the first scrape runs at start anyway). */
  scrape(): Promise<void>
  /** Stops the timer and waits for a scrape under way. */
  stop(): Promise<void>
}

/** Starts scraping at once and then every interval. */
export function startMetricsScraper(o: MetricsScraperOptions): MetricsScraper {
  const intervalMs = o.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS
  const failing = new Map<string, string>()
  let running: Promise<void> | undefined
  let stopped = false

  const summaryOf = (node: KubeObject): Promise<Summary> => {
    const name = node.metadata.name ?? ''
    const local = o.inProcessSummary(name)
    if (local) return local
    if (!o.kubeletClient) return Promise.reject(new Error('no kubelet client credentials'))
    return fetchSummary(node, o.kubeletClient, KUBELET_TIMEOUT_MS)
  }

  const scrapeOnce = async (): Promise<void> => {
    const nodes = (await o.client.list({ apiVersion: 'v1', kind: 'Node' })).items
    const results = await Promise.allSettled(nodes.map(summaryOf))
    const summaries: Summary[] = []
    results.forEach((r, i) => {
      const name = nodes[i].metadata.name ?? ''
      if (r.status === 'fulfilled') {
        summaries.push(r.value)
        if (failing.delete(name)) o.log?.info('scraping the kubelet works again', { node: name })
        return
      }
      const err = r.reason instanceof Error ? r.reason.message : String(r.reason)
      if (failing.get(name) !== err) o.log?.warn('cannot scrape the kubelet', { node: name, err })
      failing.set(name, err)
    })
    for (const name of failing.keys()) {
      if (!nodes.some((n) => n.metadata.name === name)) failing.delete(name)
    }
    if (stopped) return
    o.store.store(batchOf(summaries))
    o.onScrape?.(new Date())
  }

  const scrape = (): Promise<void> => {
    running ??= scrapeOnce()
      .catch((err: unknown) => o.log?.warn('metrics scrape failed', { err: String(err) }))
      .finally(() => {
        running = undefined
      })
    return running
  }

  void scrape()
  const timer = setInterval(() => void scrape(), intervalMs)
  timer.unref()
  return {
    scrape,
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    }
  }
}
