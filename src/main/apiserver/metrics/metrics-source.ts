/**
 * What the built-in `metrics.k8s.io` API serves from: the latest resource usage of every node
 * and pod, as metrics-server keeps it in memory. The API server only reads it; the scraper in
 * src/main/observe fills it from the kubelets' Summary API.
 */

/** Usage over one window: CPU as a rate, memory as the working set at its end. */
export interface UsagePoint {
  /** The end of the window (when the newer sample was taken). */
  timestamp: Date
  /** The window's length in milliseconds. */
  windowMs: number
  /** CPU used over the window, in nanocores (1e9 = one core). */
  cpuNanoCores: number
  /** Memory working set in bytes. */
  memoryBytes: number
}

/** One container's usage in a pod. */
export interface ContainerUsage {
  name: string
  cpuNanoCores: number
  memoryBytes: number
}

/** A pod's usage: every container measured over (about) the same window. */
export interface PodUsage {
  /** The pod's UID when measured: a pod recreated under the same name is another pod. */
  uid: string
  timestamp: Date
  windowMs: number
  containers: ContainerUsage[]
}

/** The latest usage the API server answers `kubectl top` with. */
export interface MetricsSource {
  /** The node's latest usage; undefined until two samples exist. */
  node(name: string): UsagePoint | undefined
  /** The pod's latest usage; undefined until two samples of a container exist. */
  pod(namespace: string, name: string): PodUsage | undefined
}
