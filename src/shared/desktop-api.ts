/**
 * The desktop API: the one typed contract between the renderer and the process that hosts the
 * control plane. It has two halves:
 *
 * - calls (`DesktopCalls`): one argument object in, a promise out; errors reject with a readable
 *   message;
 * - subscriptions (`DesktopTopics`): `subscribe(topic, params, listener)` returns an
 *   unsubscribe function; the host batches what it pushes (lists arrive as `ListUpdate`s at most
 *   a few times a second, never one message per watch event).
 *
 * Two transports carry it unchanged (desktop-wire.ts): Electron IPC through the preload
 * (`window.kubedesk`) and a WebSocket on loopback for browser mode (`kubedesk up --ui`), so the
 * same renderer runs in both. Names follow Kubernetes where Kubernetes has one.
 */
import type { ClusterStatus, ComponentState } from './status'

/** What `subscribe` answers: call it to stop the subscription (idempotent). */
export type Unsubscribe = () => void

/* ───────────────────────────── lists ───────────────────────────── */

/**
 * How a subscribed list changes. The first update of a subscription is a `reset` with every
 * item; later ones carry what changed since the previous update, keyed by `key`. A `reset` may
 * come again (e.g. after the host re-listed on 410 Expired): replace everything.
 */
export type ListUpdate<T extends { key: string }> =
  { reset: true; items: T[] } | { reset: false; upserts: T[]; deletes: string[] }

/** A namespaced or cluster-scoped object, by kind: `{ kind: 'Deployment', namespace, name }`. */
export interface ObjectRef {
  kind: string
  /** Absent for cluster-scoped kinds (Node, Namespace). */
  namespace?: string
  name: string
}

/** CPU in millicores and memory in bytes. */
export interface ResourceAmounts {
  cpuMillis: number
  memoryBytes: number
}

/** A Kubernetes condition as the UI shows it. */
export interface ConditionRow {
  type: string
  status: string
  reason?: string
  message?: string
  lastTransitionTime?: string
}

/* ───────────────────────────── nodes and pods ───────────────────────────── */

/** One Node, slimmed for the Nodes and Cluster views. `key` is the node name. */
export interface NodeSummary {
  key: string
  name: string
  /** The Ready condition's status; 'Unknown' when the lease expired. */
  ready: 'True' | 'False' | 'Unknown'
  /** kubectl's STATUS column: "Ready", "NotReady", "Ready,SchedulingDisabled", "Unknown". */
  status: string
  roles: string[]
  unschedulable: boolean
  /** "key=value:Effect" */
  taints: string[]
  kubeletVersion: string
  /** nodeInfo.containerRuntimeVersion, e.g. "docker://28.2.2", "process://…", "fake://…". */
  containerRuntime: string
  internalIP?: string
  createdAt: string
  capacity: ResourceAmounts & { pods: number }
  allocatable: ResourceAmounts & { pods: number }
  /** Working set from the metrics scraper; absent until the first scrape. */
  usage?: ResourceAmounts
  /** What the node provider says: a stopped container keeps its Node object for a while. */
  provider?: { name: 'docker' | 'process' | 'simulated'; state: 'running' | 'stopped' }
  conditions: ConditionRow[]
  labels: Record<string, string>
}

/** One Pod, slimmed for the Nodes view (10,000 of them must be cheap). `key` is the uid. */
export interface PodSummary {
  key: string
  namespace: string
  name: string
  nodeName?: string
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'
  /** kubectl's STATUS column: "Running", "ContainerCreating", "CrashLoopBackOff", "Terminating"… */
  status: string
  /** "ready/total" containers, e.g. "1/1". */
  ready: string
  restarts: number
  podIP?: string
  createdAt: string
  /** The controller owner, e.g. { kind: 'ReplicaSet', name: 'web-5d8f7' }. */
  owner?: { kind: string; name: string }
  /** Sum of the containers' requests (what the scheduler counts). */
  requests: ResourceAmounts
  containers: string[]
  labels: Record<string, string>
}

/** What can be done to a node from the UI (and, for add/stop/start/rm, from `kubedesk node`). */
export type NodeActionInput =
  | { action: 'add'; cpu?: number; /** "2Gi", "1536Mi" */ memory?: string }
  | { action: 'stop' | 'start' | 'rm' | 'cordon' | 'uncordon'; name: string }
  | ({ action: 'drain'; name: string } & DrainOptions)
  /**
   * A crash, not a clean stop: the kubelet stops heartbeating at once and its pods' containers
   * die with it, so the node goes NotReady after the grace period and its pods are evicted.
   * `start` brings it back.
   */
  | { action: 'fail'; name: string }

/**
 * `kubectl drain`'s flags, each false when absent (as in kubectl): without them a drain refuses,
 * naming the pods, when the node runs DaemonSet-managed pods, pods with emptyDir volumes, or
 * pods that declare no controller.
 */
export interface DrainOptions {
  /** --ignore-daemonsets: leave DaemonSet-managed pods running and drain the rest. */
  ignoreDaemonSets?: boolean
  /** --delete-emptydir-data: also evict pods with emptyDir volumes (their data is lost). */
  deleteEmptyDirData?: boolean
  /** --force: also evict pods that declare no controller (nothing recreates them). */
  force?: boolean
}

/** What an action did, in a sentence the UI shows ("node kubedesk-worker2 stopped"). */
export interface ActionResult {
  message: string
}

/* ───────────────────────────── workloads ───────────────────────────── */

/** The kinds the Workloads view lists, in its order. */
export const WORKLOAD_KINDS = [
  { kind: 'Deployment', apiVersion: 'apps/v1', namespaced: true },
  { kind: 'ReplicaSet', apiVersion: 'apps/v1', namespaced: true },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', namespaced: true },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', namespaced: true },
  { kind: 'Job', apiVersion: 'batch/v1', namespaced: true },
  { kind: 'CronJob', apiVersion: 'batch/v1', namespaced: true },
  { kind: 'Pod', apiVersion: 'v1', namespaced: true },
  { kind: 'Service', apiVersion: 'v1', namespaced: true },
  { kind: 'ConfigMap', apiVersion: 'v1', namespaced: true },
  { kind: 'Secret', apiVersion: 'v1', namespaced: true },
  { kind: 'Namespace', apiVersion: 'v1', namespaced: false }
] as const

export type WorkloadKind = (typeof WORKLOAD_KINDS)[number]['kind']

/** One column of a kind's table, as the API server's Table for `kubectl get` has it. */
export interface TableColumn {
  name: string
  /** "string" | "integer" | "date" … (Kubernetes' column types). */
  type: string
  /** 0 = shown by `kubectl get`; higher = `-o wide` only. */
  priority: number
}

/** One object of a kind as a table row. `key` is the uid. */
export interface ResourceRow {
  key: string
  kind: string
  namespace?: string
  name: string
  /** Cells in the order of the columns (`ResourcesUpdate.columns`). */
  cells: (string | number)[]
  labels: Record<string, string>
  createdAt: string
}

/** A kind's rows; every `reset` also carries the columns. */
export type ResourcesUpdate = ListUpdate<ResourceRow> & { columns?: TableColumn[] }

/** Which objects a Workloads list shows; the host filters, the renderer only renders. */
export interface ResourceQuery {
  kind: WorkloadKind
  /** Absent: all namespaces. */
  namespace?: string
  /** A label selector as kubectl takes it: "app=web,tier!=db". */
  labelSelector?: string
}

/** Everything the detail panel shows about one object. */
export interface ResourceDetail {
  ref: ObjectRef
  /** The object as the API answers it (managedFields left out). */
  object: Record<string, unknown>
  /** The same, as YAML, for display and editing. */
  yaml: string
  conditions: ConditionRow[]
  /** The object's Events, newest last. */
  events: EventRow[]
  /** Owners, owned objects, a Service's and a workload's pods … */
  related: (ObjectRef & { relation: 'owner' | 'owned' | 'selected' | 'selects' })[]
}

/** What the Workloads view can do to an object. */
export type WorkloadActionInput =
  | { action: 'scale'; ref: ObjectRef; replicas: number }
  /** `kubectl rollout restart` (Deployment, StatefulSet, DaemonSet). */
  | { action: 'restart'; ref: ObjectRef }
  /** `kubectl rollout undo [--to-revision]` (Deployment). */
  | { action: 'rollback'; ref: ObjectRef; revision?: number }
  | { action: 'delete'; ref: ObjectRef; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' }
  /** `kubectl replace`: the edited YAML of one object (409 when it changed meanwhile). */
  | { action: 'replace'; yaml: string }

/** The result of applying one document of a multi-document YAML. */
export interface ApplyResult {
  kind: string
  namespace?: string
  /** The object's name, or "" when the document had none. */
  name: string
  /** As `kubectl apply` prints it; 'failed' carries the API's message (and code). */
  outcome: 'created' | 'configured' | 'unchanged' | 'failed'
  message?: string
  code?: number
  /** 1-based index of the document in the YAML. */
  document: number
}

/** The Deploy form. */
export interface DeployInput {
  name: string
  image: string
  replicas: number
  /** Absent: "default". */
  namespace?: string
  /** The container port; also the Service port when `expose`. */
  port?: number
  env: { name: string; value: string }[]
  /** Requests (and limits), as Kubernetes quantities: "250m", "128Mi". */
  cpu?: string
  memory?: string
  /** Create a Service (ClusterIP, or NodePort when `serviceType` says so) selecting the pods. */
  expose: boolean
  serviceType?: 'ClusterIP' | 'NodePort'
  /** Overrides the image's entrypoint, e.g. ["sleep", "3600"]. */
  command?: string[]
}

/** What Deploy created; the UI then shows these pods. */
export interface DeployResult {
  namespace: string
  name: string
  /** "app=NAME": selects the Deployment's pods. */
  selector: string
  results: ApplyResult[]
}

/* ───────────────────────────── events ───────────────────────────── */

/** One Event. `key` is the Event's uid. */
export interface EventRow {
  key: string
  namespace?: string
  type: 'Normal' | 'Warning'
  reason: string
  message: string
  involved: ObjectRef
  /** Who reported it: "default-scheduler", "kubelet", "deployment-controller" … */
  source: string
  count: number
  firstTime: string
  lastTime: string
}

/** Which events the timeline shows (the host filters). */
export interface EventQuery {
  namespace?: string
  type?: 'Normal' | 'Warning'
  /** Only events about this object. */
  involved?: ObjectRef
}

/* ───────────────────────────── logs ───────────────────────────── */

/** A log the Logs view can show. */
export type LogSourceRef =
  /** A control-plane component, a node's kubelet ("kubelet-kubedesk-worker"), the node provider … */
  | { kind: 'component'; name: string }
  | { kind: 'pod'; namespace: string; name: string; container: string }

/** A source with what the picker shows. */
export type LogSource = LogSourceRef & { title: string; group: 'control plane' | 'nodes' | 'pods' }

/** Severity of a line, when the line says (klog's I/W/E prefix). */
export type LogLineLevel = 'info' | 'warning' | 'error'

/** One line of a log. */
export interface LogLine {
  text: string
  /** ISO-8601, when the line carries a time. */
  time?: string
  level?: LogLineLevel
}

/** The parameters of a log subscription: the last `tail` lines (default 500), then follow. */
export interface LogQuery {
  source: LogSourceRef
  tail?: number
}

/* ───────────────────────────── metrics and the cluster picture ───────────────────────────── */

/** One point of a time series: ms since the epoch and the value. */
export interface SeriesPoint {
  time: number
  value: number
}

/** The Metrics view's charts (pushed every few seconds; points cover the last 15 minutes). */
export interface MetricsSnapshot {
  nodes: { name: string; cpuCores: SeriesPoint[]; memoryBytes: SeriesPoint[] }[]
  /** Pods by phase, sampled by the host every push. */
  podsByPhase: { phase: PodSummary['phase']; points: SeriesPoint[] }[]
  apiserver: {
    requestRate: SeriesPoint[]
    errorRate: SeriesPoint[]
    latencyP50Ms: SeriesPoint[]
    latencyP99Ms: SeriesPoint[]
  }
  scheduler: {
    throughput: SeriesPoint[]
    attemptRate: SeriesPoint[]
    latencyP50Ms: SeriesPoint[]
    latencyP99Ms: SeriesPoint[]
  }
}

/** One box of the Cluster view. */
export interface ClusterComponent {
  /** The component's log name: "etcd", "kube-apiserver", "kubelet-kubedesk-worker" … */
  name: string
  role: 'store' | 'apiserver' | 'scheduler' | 'controller-manager' | 'proxy' | 'kubelet' | 'runtime'
  state: ComponentState
  message?: string
  /** kubelets and runtimes: the node they belong to. */
  node?: string
}

/** The Cluster view: components, their health, and the traffic between them. */
export interface ClusterOverview {
  components: ClusterComponent[]
  rates: {
    /** API requests per second over the last minute (the apiserver arrows). */
    apiRequestsPerSecond: number
    /** Events written per minute (the controllers and kubelets arrows). */
    eventsPerMinute: number
    /** Pods bound per second over the last minute (the scheduler arrow). */
    podsScheduledPerSecond: number
  }
}

/* ───────────────────────────── start-up ───────────────────────────── */

/** One step of start-up: store, API server, scheduler, controllers, node image, each node. */
export interface StartupStep {
  id: string
  title: string
  state: 'pending' | 'running' | 'done' | 'warning' | 'failed'
  /** The last thing the step said. */
  message?: string
  /** 0..1 when the step knows how far it is (image build, nodes Ready). */
  progress?: number
  /** The step's recent log lines, so a slow or failed step explains itself. */
  log: string[]
}

/** Start-up as a whole. `phase` 'running' means the cluster is up (the steps stay). */
export interface StartupState {
  phase: 'starting' | 'running' | 'failed'
  steps: StartupStep[]
  /** Set when phase is 'failed'. */
  error?: string
}

/* ───────────────────────────── terminals ───────────────────────────── */

/** Where a terminal's shell runs. */
export type TerminalTarget =
  /** A shell inside a node (`crictl` works there). */
  | { kind: 'node'; node: string }
  /** A shell on this machine with `kubectl` pointed at this cluster. */
  | { kind: 'kubectl' }

/** What a terminal subscription pushes: output, and once, how it ended. */
export interface TerminalOutput {
  data?: string
  exit?: { code: number | null; signal?: string }
}

/* ───────────────────────────── the contract ───────────────────────────── */

/** Request/response operations. Every call takes one argument object (or none). */
export interface DesktopCalls {
  /** The current status of the running instance; rejects while starting, with the step. */
  getStatus(): Promise<ClusterStatus>
  nodeAction(input: NodeActionInput): Promise<ActionResult>
  getResource(input: { ref: ObjectRef }): Promise<ResourceDetail>
  workloadAction(input: WorkloadActionInput): Promise<ActionResult>
  /** Applies every document (create or update, as `kubectl apply`); never stops at the first error. */
  applyYaml(input: { yaml: string; dryRun?: boolean }): Promise<ApplyResult[]>
  deploy(input: DeployInput): Promise<DeployResult>
  /** Namespaces that exist now (for pickers; the Workloads view subscribes for live ones). */
  listNamespaces(): Promise<string[]>
  listLogSources(): Promise<LogSource[]>
  openTerminal(input: {
    target: TerminalTarget
    cols: number
    rows: number
  }): Promise<{ id: string; title: string }>
  writeTerminal(input: { id: string; data: string }): Promise<void>
  resizeTerminal(input: { id: string; cols: number; rows: number }): Promise<void>
  closeTerminal(input: { id: string }): Promise<void>
}

/** Subscriptions: topic → its parameters and what each update carries. */
export interface DesktopTopics {
  /** Every ~2 s. */
  status: { params: Record<string, never>; update: ClusterStatus }
  /** On every step change (throttled). */
  startup: { params: Record<string, never>; update: StartupState }
  /** Every ~2 s. */
  cluster: { params: Record<string, never>; update: ClusterOverview }
  nodes: { params: Record<string, never>; update: ListUpdate<NodeSummary> }
  pods: { params: { namespace?: string }; update: ListUpdate<PodSummary> }
  resources: { params: ResourceQuery; update: ResourcesUpdate }
  events: { params: EventQuery; update: ListUpdate<EventRow> }
  logs: { params: LogQuery; update: LogLine[] }
  /** Every ~5 s. */
  metrics: { params: Record<string, never>; update: MetricsSnapshot }
  /** A terminal opened with `openTerminal`. */
  terminal: { params: { id: string }; update: TerminalOutput }
}

export type TopicName = keyof DesktopTopics
export type TopicParams<T extends TopicName> = DesktopTopics[T]['params']
export type TopicUpdate<T extends TopicName> = DesktopTopics[T]['update']

/**
 * The whole contract, as the renderer uses it. A subscription's errors (the source went away, a
 * bad parameter) reach `onError` when given; the subscription is over then.
 */
export interface DesktopApi extends DesktopCalls {
  subscribe<T extends TopicName>(
    topic: T,
    params: TopicParams<T>,
    listener: (update: TopicUpdate<T>) => void,
    onError?: (message: string) => void
  ): Unsubscribe
}

/** The call names, for the transports' allow-lists (a name not here is refused). */
export const DESKTOP_CALLS = [
  'getStatus',
  'nodeAction',
  'getResource',
  'workloadAction',
  'applyYaml',
  'deploy',
  'listNamespaces',
  'listLogSources',
  'openTerminal',
  'writeTerminal',
  'resizeTerminal',
  'closeTerminal'
] as const satisfies readonly (keyof DesktopCalls)[]

/** The topic names, for the transports' allow-lists. */
export const DESKTOP_TOPICS = [
  'status',
  'startup',
  'cluster',
  'nodes',
  'pods',
  'resources',
  'events',
  'logs',
  'metrics',
  'terminal'
] as const satisfies readonly TopicName[]

export type CallName = (typeof DESKTOP_CALLS)[number]

/**
 * The host side: what main implements once and both transports serve. `emit` is called with
 * each (already batched) update; `fail` ends the subscription with a readable message.
 */
export interface DesktopHostApi extends DesktopCalls {
  subscribe<T extends TopicName>(
    topic: T,
    params: TopicParams<T>,
    emit: (update: TopicUpdate<T>) => void,
    fail: (message: string) => void
  ): Unsubscribe
}

/** How often the host pushes the status, in milliseconds. */
export const STATUS_PUSH_INTERVAL_MS = 2000
/** The longest the host holds list changes before pushing them, in milliseconds. */
export const LIST_BATCH_MS = 250
