/**
 * A kubelet's configuration: everything that makes one node differ from another. The node
 * provider writes it (docker: a JSON file mounted into the node container; process: a file
 * beside the child; simulated: in memory) and the kubelet reads nothing else.
 */
import type { RuntimeName } from './runtime/types'

/** Where and how to reach the API server over HTTPS. */
export interface ApiServerConnection {
  /** e.g. `https://172.30.0.1:6443` (docker nodes) or `https://127.0.0.1:6443`. */
  url: string
  /** PEM of the cluster CA, to verify the API server. */
  caCert: string
  /** The node's bearer token (user `system:node:<nodeName>`). */
  token: string
}

/** The kubelet's own HTTPS API (logs, stats, health), as kubelet's port 10250. */
export interface KubeletServerConfig {
  /** Address to listen on: the node container's address, or 127.0.0.1 for process nodes. */
  host: string
  /** 10250 in node containers; 0 (any free port) for process and simulated nodes. */
  port: number
  /** Serving certificate and key (PEM), issued by the cluster CA for the node's addresses. */
  cert: string
  key: string
  /**
   * Bearer tokens allowed to call it: the API server's kubelet-client token (as
   * kube-apiserver's --kubelet-client-certificate) — anything else gets 401.
   */
  allowedTokens: string[]
}

/** One node's kubelet. */
export interface KubeletConfig {
  nodeName: string
  /** Absent for in-process kubelets handed a client directly. */
  apiServer?: ApiServerConnection
  runtime: RuntimeName
  /** Capacity as Kubernetes quantities: `{ cpu: '2', memory: '4Gi', pods: '110' }`. */
  capacity: { cpu: string; memory: string; pods: string }
  /** Extra node labels (the kubelet adds kubernetes.io/hostname, kubernetes.io/os, role). */
  labels: Record<string, string>
  /** InternalIP and Hostname addresses reported in node.status.addresses. */
  addresses: { type: 'InternalIP' | 'Hostname'; address: string }[]
  /** Lease renew interval (kubelet: leaseDurationSeconds 40, renewed every 10 s). */
  heartbeatSeconds: number
  leaseDurationSeconds: number
  /** How often node status is refreshed even when nothing changed (kubelet: 5 min). */
  nodeStatusReportSeconds: number
  /** CrashLoopBackOff: first delay and ceiling (kubelet: 10 s doubling to 300 s). */
  backoff: { initialSeconds: number; maxSeconds: number }
  /** Client rate limit (kubelet: kubeAPIQPS 50, kubeAPIBurst 100). */
  qps: number
  burst: number
  /** Where volumes (emptyDir, configMap, secret) and logs live, as the kubelet sees its disk. */
  rootDir: string
  /**
   * The same directory as the container runtime's host sees it (docker: the path on the Docker
   * host behind the node's bind mount), for bind mounts of volumes into pod containers.
   */
  hostRootDir: string
  /** docker runtime: the cluster network pod sandboxes join. */
  network?: string
  /** The kubelet API; absent for simulated nodes, which serve nothing over the network. */
  server?: KubeletServerConfig
  /** Unix socket `crictl` talks to (the kubelet's runtime, over HTTP+JSON). */
  criSocket?: string
}

/** The environment variable naming the kubelet's configuration file (a JSON KubeletConfig). */
export const KUBELET_CONFIG_ENV = 'KUBEDESK_KUBELET_CONFIG'

/** Kubernetes' kubelet defaults, where KubeDesk keeps them. */
export const KUBELET_DEFAULTS = {
  heartbeatSeconds: 10,
  leaseDurationSeconds: 40,
  nodeStatusReportSeconds: 300,
  backoff: { initialSeconds: 10, maxSeconds: 300 },
  qps: 50,
  burst: 100,
  pods: '110',
  port: 10250
} as const
