/**
 * Translation between the CRI shapes in `../types` and Docker's: names and labels in the style of
 * kubelet's dockershim, create options (Kubernetes command/args semantics, limits, mounts) and
 * inspect results turned into sandbox and container statuses.
 */
import type Dockerode from 'dockerode'
import {
  LABELS,
  type ContainerConfig,
  type ContainerState,
  type ContainerStatus,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type RuntimeFilter
} from '../types'

/** Label on pod containers naming their sandbox's container ID (dockershim's key). */
export const SANDBOX_ID_LABEL = 'io.kubernetes.sandbox.id'
/** Prefix of the labels that carry a sandbox's annotations (dockershim's convention). */
const ANNOTATION_PREFIX = 'annotation.'

/** dockershim's sandbox name: `k8s_POD_<pod>_<namespace>_<uid>_<attempt>`. */
export function sandboxName(config: PodSandboxConfig): string {
  const m = config.metadata
  return `k8s_POD_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`
}

/** dockershim's container name: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`. */
export function containerName(sandbox: PodSandboxStatus, config: ContainerConfig): string {
  const m = sandbox.metadata
  return `k8s_${config.name}_${m.name}_${m.namespace}_${m.uid}_${config.attempt}`
}

/** Every label a sandbox container carries. */
export function sandboxLabels(
  config: PodSandboxConfig,
  nodeName: string,
  extra: Record<string, string>
): Record<string, string> {
  const labels: Record<string, string> = { ...extra, ...config.labels }
  for (const [key, value] of Object.entries(config.annotations ?? {})) {
    labels[ANNOTATION_PREFIX + key] = value
  }
  return {
    ...labels,
    [LABELS.node]: nodeName,
    [LABELS.type]: 'sandbox',
    [LABELS.podName]: config.metadata.name,
    [LABELS.podNamespace]: config.metadata.namespace,
    [LABELS.podUid]: config.metadata.uid,
    [LABELS.attempt]: String(config.metadata.attempt)
  }
}

/** The create options for a pod container that joins `sandbox`'s network namespace. */
export function containerCreateOptions(
  sandbox: PodSandboxStatus,
  config: ContainerConfig,
  nodeName: string,
  extra: Record<string, string>
): Dockerode.ContainerCreateOptions {
  const labels: Record<string, string> = {
    ...extra,
    ...config.labels,
    [LABELS.node]: nodeName,
    [LABELS.type]: 'container',
    [LABELS.podName]: sandbox.metadata.name,
    [LABELS.podNamespace]: sandbox.metadata.namespace,
    [LABELS.podUid]: sandbox.metadata.uid,
    [LABELS.containerName]: config.name,
    [LABELS.attempt]: String(config.attempt),
    [SANDBOX_ID_LABEL]: sandbox.id
  }
  const options: Dockerode.ContainerCreateOptions = {
    name: containerName(sandbox, config),
    Image: config.image,
    Env: config.env.map((e) => `${e.name}=${e.value}`),
    Labels: labels,
    Tty: config.tty ?? false,
    OpenStdin: config.stdin ?? false,
    StdinOnce: false,
    HostConfig: {
      NetworkMode: `container:${sandbox.id}`,
      Binds: config.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
      NanoCpus: config.resources.cpuMillis ? Math.round(config.resources.cpuMillis * 1e6) : 0,
      Memory: config.resources.memoryBytes ? Math.round(config.resources.memoryBytes) : 0,
      // Pod containers are restarted by the kubelet, never by the engine.
      RestartPolicy: { Name: 'no' }
    }
  }
  // Kubernetes: `command` replaces ENTRYPOINT and drops the image's CMD; `args` replaces CMD.
  if (config.command) {
    options.Entrypoint = config.command
    options.Cmd = config.args ?? []
  } else if (config.args) {
    options.Cmd = config.args
  }
  if (config.workingDir) options.WorkingDir = config.workingDir
  return options
}

/** Docker's zero time ("0001-01-01T00:00:00Z") means "never". */
function dockerTime(value: string | undefined): Date | undefined {
  if (!value || value.startsWith('0001-')) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

function dockerState(status: string): ContainerState {
  switch (status) {
    case 'created':
      return 'created'
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running'
    case 'exited':
    case 'dead':
      return 'exited'
    default:
      return 'unknown'
  }
}

function attemptOf(labels: Record<string, string>): number {
  const value = Number(labels[LABELS.attempt])
  return Number.isInteger(value) && value >= 0 ? value : 0
}

/** A sandbox container's inspect result as a PodSandboxStatus; `network` gives the pod IP. */
export function toSandboxStatus(
  info: Dockerode.ContainerInspectInfo,
  network: string
): PodSandboxStatus {
  const labels = info.Config.Labels ?? {}
  const ip = info.NetworkSettings?.Networks?.[network]?.IPAddress
  return {
    id: info.Id,
    metadata: {
      name: labels[LABELS.podName] ?? '',
      namespace: labels[LABELS.podNamespace] ?? '',
      uid: labels[LABELS.podUid] ?? '',
      attempt: attemptOf(labels)
    },
    state: info.State.Running ? 'ready' : 'notready',
    ip: ip || undefined,
    createdAt: new Date(info.Created),
    labels
  }
}

/** A pod container's inspect result as a ContainerStatus. */
export function toContainerStatus(info: Dockerode.ContainerInspectInfo): ContainerStatus {
  const labels = info.Config.Labels ?? {}
  const state = dockerState(info.State.Status)
  const status: ContainerStatus = {
    id: info.Id,
    podSandboxId: labels[SANDBOX_ID_LABEL] ?? '',
    name: labels[LABELS.containerName] ?? info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageRef: info.Image,
    state,
    createdAt: new Date(info.Created),
    startedAt: dockerTime(info.State.StartedAt),
    attempt: attemptOf(labels),
    labels
  }
  if (state === 'exited') {
    status.finishedAt = dockerTime(info.State.FinishedAt)
    status.exitCode = info.State.ExitCode
    status.reason = info.State.OOMKilled
      ? 'OOMKilled'
      : info.State.ExitCode === 0
        ? 'Completed'
        : 'Error'
    if (info.State.Error) status.message = info.State.Error
  }
  return status
}

/** Docker list filters for `filter` (state is checked after inspecting). */
export function dockerFilters(
  nodeName: string,
  type: 'sandbox' | 'container',
  filter: RuntimeFilter | undefined
): Record<string, string[]> {
  const labels = [`${LABELS.node}=${nodeName}`, `${LABELS.type}=${type}`]
  if (filter?.podUid) labels.push(`${LABELS.podUid}=${filter.podUid}`)
  if (filter?.podSandboxId && type === 'container') {
    labels.push(`${SANDBOX_ID_LABEL}=${filter.podSandboxId}`)
  }
  for (const [key, value] of Object.entries(filter?.labels ?? {})) labels.push(`${key}=${value}`)
  const filters: Record<string, string[]> = { label: labels }
  if (filter?.podSandboxId && type === 'sandbox') filters.id = [filter.podSandboxId]
  return filters
}
