/**
 * The container runtime interface (CRI): the kubelet's only view of containers. Shaped after
 * Kubernetes' CRI `RuntimeService` and `ImageService` (k8s.io/cri-api), cut to what KubeDesk's
 * kubelet uses. Three implementations: `docker` (sibling containers on the host's engine),
 * `process` (child processes of the kubelet) and `fake` (no processes, for simulated nodes).
 *
 * A pod is a sandbox (its network namespace; the pod IP is the sandbox's) plus containers that
 * join it. Every sandbox and container carries the labels in `LABELS` so a restarted kubelet can
 * find what it ran before (adoption) and `crictl` can show it.
 */
import type { Readable } from 'node:stream'

/** Which runtime. */
export type RuntimeName = 'docker' | 'process' | 'fake'

/** Labels on every sandbox and container, as kubelet's dockershim/CRI put them. */
export const LABELS = {
  node: 'io.kubedesk.node',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
  /** How many times this pod container ran before this one (restartCount). */
  attempt: 'io.kubernetes.container.restartCount',
  /** 'sandbox' or 'container'. */
  type: 'io.kubedesk.type'
} as const

/** Who a pod sandbox belongs to. */
export interface PodSandboxMetadata {
  name: string
  namespace: string
  uid: string
  attempt: number
}

/** What a pod sandbox needs: its identity, host name and the ports its containers declare. */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata
  hostname: string
  labels: Record<string, string>
  annotations?: Record<string, string>
  /** Ports declared by the pod's containers (recorded; `hostPort` published where supported). */
  portMappings?: { containerPort: number; hostPort?: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[]
}

/** A sandbox as the runtime sees it. */
export interface PodSandboxStatus {
  id: string
  metadata: PodSandboxMetadata
  state: 'ready' | 'notready'
  /** The pod IP: the sandbox's address on the cluster network (process/fake: the node's). */
  ip?: string
  createdAt: Date
  labels: Record<string, string>
}

/** A bind mount into a container (volumes: emptyDir, configMap, secret). */
export interface Mount {
  containerPath: string
  /** A path on the machine the runtime's containers see (for docker: on the Docker host). */
  hostPath: string
  readOnly: boolean
}

/** Everything needed to create one container of a pod. */
export interface ContainerConfig {
  name: string
  image: string
  /** Entrypoint override (Kubernetes `command`); undefined keeps the image's. */
  command?: string[]
  /** Kubernetes `args`; undefined keeps the image's CMD when `command` is unset too. */
  args?: string[]
  /** Fully resolved values (field refs, ConfigMap and Secret keys already looked up). */
  env: { name: string; value: string }[]
  workingDir?: string
  mounts: Mount[]
  /** Limits applied by the runtime (docker: NanoCpus and Memory). */
  resources: { cpuMillis?: number; memoryBytes?: number }
  labels: Record<string, string>
  /** restartCount of this container: 0 for the first run. */
  attempt: number
  tty?: boolean
  stdin?: boolean
}

/** A container's state, as CRI reports it. */
export type ContainerState = 'created' | 'running' | 'exited' | 'unknown'

/** A container as the runtime sees it. */
export interface ContainerStatus {
  id: string
  podSandboxId: string
  name: string
  image: string
  /** The image's ID (docker: sha256:…), for `status.containerStatuses[].imageID`. */
  imageRef?: string
  state: ContainerState
  createdAt: Date
  startedAt?: Date
  finishedAt?: Date
  exitCode?: number
  /** e.g. 'Completed', 'Error', 'OOMKilled'. */
  reason?: string
  message?: string
  attempt: number
  labels: Record<string, string>
}

/** Filters for listing; every given field must match. */
export interface RuntimeFilter {
  podUid?: string
  podSandboxId?: string
  state?: ContainerState | 'ready' | 'notready'
  labels?: Record<string, string>
}

/** An image present in the runtime. */
export interface ImageInfo {
  id: string
  repoTags: string[]
  sizeBytes: number
}

/** One progress step of a pull ("Pulling fs layer", "Download complete", …). */
export interface PullProgress {
  status: string
  detail?: string
}

/** A pull that failed: `message` is the runtime's own words (docker's), for ErrImagePull. */
export class ImagePullError extends Error {
  constructor(
    readonly image: string,
    message: string
  ) {
    super(message)
    this.name = 'ImagePullError'
  }
}

/** The runtime has no such sandbox or container. */
export class RuntimeNotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`)
    this.name = 'RuntimeNotFoundError'
  }
}

/** How to read a container's log (the kubelet's /containerLogs options). */
export interface LogOptions {
  follow?: boolean
  /** Last N lines only. */
  tailLines?: number
  /** Only lines written at or after this time. */
  since?: Date
  /** Prefix each line with its RFC 3339 time, as `kubectl logs --timestamps`. */
  timestamps?: boolean
  /** Stop after this many bytes. */
  limitBytes?: number
}

/** What a probe's or `crictl exec`'s command did. */
export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
  /** True when the command ran out of time and was killed. */
  timedOut?: boolean
}

/** What a streaming exec attaches (CRI ExecRequest, minus the command). */
export interface ExecOptions {
  /** Keep the command's stdin open for the caller to write (`kubectl exec -i`). */
  stdin: boolean
  /** Run the command on a terminal; its stderr then comes out of stdout. */
  tty: boolean
  /** The terminal's first size, when known before the command starts. */
  size?: TerminalSize
}

/** A terminal size in character cells (remotecommand's TerminalSize). */
export interface TerminalSize {
  width: number
  height: number
}

/** A command running in a container, attached (what the kubelet's `/exec` streams). */
export interface ExecSession {
  /** The command's stdin; present when `stdin` was asked for. end() closes it (EOF). */
  stdin?: NodeJS.WritableStream
  /** The command's output (with `tty`, everything the terminal shows). Ends when it exits. */
  stdout: Readable
  /** The command's error output; absent with `tty`. Ends when it exits. */
  stderr?: Readable
  /** Changes the terminal's size (no-op without `tty`). */
  resize(size: TerminalSize): Promise<void>
  /** The command's exit code, once it has exited and its output has been read. */
  exitCode: Promise<number>
  /** The caller went away: stop the command where the runtime can, release the streams. */
  close(): void
}

/** The runtime cannot run commands in containers at all (simulated containers). */
export class ExecNotSupportedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ExecNotSupportedError'
  }
}

/** Resource use of one container, for the kubelet's stats summary. */
export interface ContainerStats {
  /** Cumulative CPU time in nanoseconds. */
  cpuUsageNanoSeconds: number
  memoryWorkingSetBytes: number
  timestamp: Date
}

/** A container of this node that changed state (CRI `ContainerEventResponse`, cut down). */
export interface ContainerEvent {
  containerId: string
  /** The pod the container belongs to (its `LABELS.podUid`), when the runtime knows it. */
  podUid?: string
}

/** What a container event stream tells its watcher. */
export interface ContainerEventHandlers {
  /** The stream is open: changes before this moment are known only from a relist. */
  onConnected(): void
  /** A container was created, started, exited or removed. */
  onEvent(event: ContainerEvent): void
  /** The stream ended (engine restart, lost connection) and will not deliver more. */
  onEnd(err?: Error): void
}

/** A running container event stream. */
export interface ContainerEventWatch {
  close(): void
}

/** The kubelet's view of containers. Every method rejects with a readable Error. */
export interface ContainerRuntime {
  readonly name: RuntimeName
  /** e.g. `{ runtimeName: 'docker', runtimeVersion: '20.10.24' }` for node.status.nodeInfo. */
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>

  // Sandboxes
  runPodSandbox(config: PodSandboxConfig): Promise<string>
  stopPodSandbox(id: string): Promise<void>
  removePodSandbox(id: string): Promise<void>
  podSandboxStatus(id: string): Promise<PodSandboxStatus>
  listPodSandboxes(filter?: RuntimeFilter): Promise<PodSandboxStatus[]>

  // Containers
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>
  startContainer(id: string): Promise<void>
  /** SIGTERM, then SIGKILL after `timeoutSeconds`. Resolves once the container has exited. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>
  removeContainer(id: string): Promise<void>
  containerStatus(id: string): Promise<ContainerStatus>
  listContainers(filter?: RuntimeFilter): Promise<ContainerStatus[]>
  /** Runs `cmd` in the container (exec probes, preStop, crictl exec). */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>
  /**
   * Starts `cmd` in the running container, attached (`kubectl exec`). Rejects when the container
   * is not running or the command cannot be started; a command that starts and fails is an exit
   * code, not a rejection (a missing binary: 126/127 as a shell gives).
   */
  exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecSession>
  /** The container's output as text lines ending in '\n'; with `follow`, until it exits or destroy(). */
  containerLogs(id: string, opts: LogOptions): Promise<Readable>
  containerStats(id: string): Promise<ContainerStats>

  // Images
  /** Resolves when the image is present (pulled when missing); ImagePullError otherwise. */
  pullImage(image: string, onProgress?: (p: PullProgress) => void): Promise<ImageInfo>
  imageStatus(image: string): Promise<ImageInfo | undefined>
  listImages(): Promise<ImageInfo[]>

  /**
   * Streams state changes of this node's containers (CRI `GetContainerEvents`), for the evented
   * PLEG; runtimes without it are relisted every second.
   */
  watchContainerEvents?(handlers: ContainerEventHandlers): ContainerEventWatch

  /**
   * Releases connections. docker and fake leave containers running (a restarted kubelet adopts
   * them); process ends its child processes, which no later kubelet could adopt.
   */
  close(): Promise<void>
}
