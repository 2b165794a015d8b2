/**
 * The Summary API of the kubelets that run inside the control plane's process (the
 * `kubedesk-control-plane` Node and every simulated node). They serve no HTTPS, so the metrics
 * scraper reads their stats collectors here instead; one registry per control plane.
 */
import type { StatsCollector, Summary } from '../../agent/server/stats-summary'

/** In-process kubelets' stats collectors, by node name. */
export class InProcessStats {
  private readonly collectors = new Map<string, StatsCollector>()

  /** Adds the collector of a kubelet that started; the answer removes it again. */
  register(nodeName: string, collector: StatsCollector): () => void {
    this.collectors.set(nodeName, collector)
    return () => {
      if (this.collectors.get(nodeName) === collector) this.collectors.delete(nodeName)
    }
  }

  /** The node's summary when an in-process kubelet runs it; undefined for any other node. */
  summary(nodeName: string): Promise<Summary> | undefined {
    return this.collectors.get(nodeName)?.summary()
  }
}
