/**
 * Node providers: where worker nodes come from. Each node runs KubeDesk's kubelet
 * (src/agent) with a container runtime; the provider creates, stops, starts and removes the
 * node itself. `docker` makes each node a container on the host's engine (the default when one
 * answers), `process` a child process of the control plane, `simulated` an in-process kubelet
 * with the fake runtime (cheap enough for a thousand nodes).
 *
 * Providers never talk to the API server about nodes: the kubelet registers its own Node and
 * heartbeats; the provider only runs it. Removing a node also removes its Node object and
 * token (the control plane does that, see control-plane nodes wiring).
 */
import type { KubeletConfig } from '../../agent/config'
import type { ApiClient } from '../apiserver/client'
import type { ComponentLog } from '../observe/component-log'
import type { InProcessLogs } from './in-process-logs'
import type { InProcessStats } from './in-process-stats'

/** How nodes run. */
export type NodeProviderName = 'docker' | 'process' | 'simulated'

/** The size of a node: what its Node reports as capacity, and (docker) its container limits. */
export interface NodeSize {
  /** CPU cores, may be fractional (0.5). */
  cpu: number
  /** Memory in bytes. */
  memoryBytes: number
  /** Max pods (kubelet's maxPods, 110). */
  pods: number
}

/** A node the provider runs or knows about. */
export interface ProviderNode {
  name: string
  state: 'running' | 'stopped'
  size: NodeSize
  /** The node's address (docker: on the cluster network; process/simulated: 127.0.0.1). */
  address?: string
  /** docker: the container ID; process: the child's pid. */
  id?: string
}

/** What a provider needs from the control plane to start a kubelet. */
export interface KubeletLaunch {
  /** The kubelet's configuration minus the parts the provider decides (runtime, dirs, addresses). */
  config: (node: { name: string; size: NodeSize; address: string }) => Promise<KubeletConfig>
  /** For simulated nodes: the in-process client acting as `system:node:<name>`. */
  clientFor: (nodeName: string) => ApiClient
}

/** Progress of a slow step (network, node image build), for `up` and the UI's startup view. */
export type ProviderProgress = (message: string) => void

/** A source of worker nodes. Methods reject with a NodeProviderError the CLI can print. */
export interface NodeProvider {
  readonly name: NodeProviderName
  /**
   * Prepares what nodes need (docker: the cluster network and the node image). Resolves to the
   * address kubelets use to reach the API server's host (docker: the network's gateway;
   * others: 127.0.0.1), which the API server must also listen on.
   */
  prepare(onProgress?: ProviderProgress): Promise<{ apiServerHost: string }>
  /** Every node this provider runs for this data directory, running or stopped. */
  list(): Promise<ProviderNode[]>
  /**
   * Makes node `name` run, adopting it when it already runs (a restarted control plane): no
   * duplicate, no restart of a healthy node.
   */
  create(name: string, size: NodeSize, launch: KubeletLaunch): Promise<ProviderNode>
  /** Stops the node and every container of its pods. */
  stop(name: string): Promise<void>
  /** Starts a stopped node again; its kubelet re-adopts or restarts its pods. */
  start(name: string, launch: KubeletLaunch): Promise<void>
  /**
   * Crashes the node: its kubelet and its pods' containers are killed at once (SIGKILL), with
   * no status update, so the Node goes NotReady only when its Lease expires. `start` brings it
   * back.
   */
  fail(name: string): Promise<void>
  /** Stops and deletes the node and its pods' containers. */
  remove(name: string): Promise<void>
  /**
   * The control plane is stopping: docker leaves node containers running (the next `up`
   * adopts them); process and simulated stop their kubelets.
   */
  detach(): Promise<void>
}

/** A provider operation that failed, with a readable message and what to do. */
export class NodeProviderError extends Error {
  constructor(
    message: string,
    readonly hint?: string
  ) {
    super(message)
    this.name = 'NodeProviderError'
  }
}

/** The default size of a worker: 2 CPUs, 2 GiB, 110 pods (kind's workers report the host's). */
export const DEFAULT_NODE_SIZE: NodeSize = { cpu: 2, memoryBytes: 2 * 1024 ** 3, pods: 110 }

/** Worker names as kind names them: `kubedesk-worker`, `kubedesk-worker2`, … */
export function workerName(index: number): string {
  return index === 0 ? 'kubedesk-worker' : `kubedesk-worker${index + 1}`
}

/** The Node standing for the machine that hosts the control plane. */
export const CONTROL_PLANE_NODE = 'kubedesk-control-plane'

/** What every provider factory takes. */
export interface NodeProviderOptions {
  /** The data directory: docker labels its containers with it, process nodes live under it. */
  dataDir: string
  /** The node provider's component log (`kubedesk logs node-provider`). */
  log: ComponentLog
  /** Where in-process (simulated) kubelets register their stats for the metrics scraper. */
  inProcessStats?: InProcessStats
  /** Where in-process (simulated) kubelets register their runtimes for pods/log. */
  inProcessLogs?: InProcessLogs
}
