/**
 * The control plane's metrics: the usage store `metrics.k8s.io` serves from, the scraper that
 * fills it from the kubelets, and the 15-minute history for the UI's charts, which also hears
 * of every API request and scheduling attempt. Created before the API server (which takes the
 * store and the request observer), started once the nodes are, stopped before them.
 */
import type { AccessLogEntry } from '../apiserver/http/handler'
import type { SchedulingAttempt } from '../scheduler/scheduler'
import { MetricsHistory } from './metrics-history'
import {
  DEFAULT_SCRAPE_INTERVAL_MS,
  startMetricsScraper,
  type MetricsScraper,
  type MetricsScraperOptions
} from './metrics-scraper'
import { UsageStore } from './usage-store'

/** What `start` needs besides what ClusterMetrics owns. */
export type ClusterMetricsStart = Omit<MetricsScraperOptions, 'store' | 'intervalMs' | 'onScrape'>

/** One control plane's metrics. */
export class ClusterMetrics {
  readonly usage: UsageStore
  readonly history = new MetricsHistory()
  private scraper?: MetricsScraper

  constructor(private readonly intervalMs = DEFAULT_SCRAPE_INTERVAL_MS) {
    this.usage = new UsageStore(intervalMs)
  }

  /** For the API server's `observeRequest`. */
  readonly observeRequest = (e: AccessLogEntry): void => this.history.observeRequest(e)

  /** For the scheduler's `onAttempt`. */
  readonly observeScheduling = (a: SchedulingAttempt): void => this.history.observeScheduling(a)

  /** Starts scraping (at once, then every interval); a second call does nothing. */
  start(o: ClusterMetricsStart): void {
    this.scraper ??= startMetricsScraper({
      ...o,
      store: this.usage,
      intervalMs: this.intervalMs,
      onScrape: () => this.history.recordUsage(this.usage)
    })
  }

  /** Stops scraping; the history stays readable. */
  async stop(): Promise<void> {
    const scraper = this.scraper
    this.scraper = undefined
    await scraper?.stop()
  }
}
