/**
 * What a running KubeDesk reports about itself: shared by the CLI (`kubedesk status`), the
 * control socket, and the renderer's status page.
 */

/** Lifecycle of one control-plane component. */
export type ComponentState = 'starting' | 'running' | 'failed' | 'stopped'

/** One component: `etcd` (the store), `kube-apiserver`, `kube-scheduler`, … */
export interface ComponentStatus {
  name: string
  state: ComponentState
  /** A short human-readable detail, e.g. "sqlite at ~/.kubedesk/store.db, revision 42". */
  message?: string
}

/** The whole instance. */
export interface ClusterStatus {
  version: string
  pid: number
  dataDir: string
  /** ISO-8601 time the control plane started. */
  startedAt: string
  store: {
    backend: 'sqlite' | 'memory' | 'etcd'
    revision: number
    compactRevision: number
    /** sqlite: the database file; etcd: the endpoints. */
    location?: string
  }
  components: ComponentStatus[]
  /** The API server's URL (`https://127.0.0.1:6443`) once it serves. */
  apiServerUrl?: string
  /** Set when browser mode serves the UI (`kubedesk up --ui`). */
  uiUrl?: string
  /** How worker nodes run and why that provider was picked. */
  nodeProvider?: { name: 'docker' | 'process' | 'simulated'; reason: string }
  /** The provider's nodes (the Node objects themselves are in the API). */
  nodes?: NodeStatus[]
}

/** One worker node as its provider sees it. */
export interface NodeStatus {
  name: string
  state: 'running' | 'stopped'
  cpu: number
  memoryBytes: number
  address?: string
}
