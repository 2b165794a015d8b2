/**
 * The pod status the kubelet reports, computed from what the runtime says and what the pod worker
 * decided (waiting reasons, back-offs, probe results), as kubelet's generateAPIPodStatus: phase,
 * conditions, container statuses with state / lastState / restartCount, pod and host IPs.
 */
import type {
  Container,
  ContainerState,
  ContainerStatus as ApiContainerStatus,
  Pod,
  PodCondition,
  PodStatus
} from 'kubernetes-types/core/v1'
import type { ContainerStatus } from '../runtime/types'

/** Why a container is not running, as the worker decided it. */
export interface Waiting {
  reason: string
  message?: string
}

/** What the status is computed from. */
export interface StatusInput {
  pod: Pod
  runtimeName: string
  /** The pod's runtime containers, every attempt. */
  containers: ContainerStatus[]
  /** The sandbox's IP, when it has one. */
  podIP?: string
  hostIP?: string
  sandboxReady: boolean
  /** Waiting reasons the worker set (ErrImagePull, CrashLoopBackOff, …), by container name. */
  waiting: Map<string, Waiting>
  ready(name: string, id: string): boolean
  started(name: string, id: string): boolean
  /** Init containers failed for good (restartPolicy Never). */
  initFailed: boolean
  now: string
}

const iso = (d?: Date): string | undefined =>
  d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : undefined

/** The runtime containers named `name`, newest first. */
export function attemptsOf(containers: ContainerStatus[], name: string): ContainerStatus[] {
  return containers
    .filter((c) => c.name === name)
    .sort((a, b) => b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime())
}

function terminated(c: ContainerStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      reason: c.reason ?? ((c.exitCode ?? 0) === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: iso(c.startedAt),
      finishedAt: iso(c.finishedAt),
      containerID: `${runtimeName}://${c.id}`
    }
  }
}

function containerStatus(
  spec: Container,
  input: StatusInput,
  defaultWaiting: string,
  init = false
): ApiContainerStatus {
  const attempts = attemptsOf(input.containers, spec.name)
  const [latest, previous] = attempts
  const waiting = input.waiting.get(spec.name)
  const base = {
    name: spec.name,
    image: spec.image ?? '',
    imageID: latest?.imageRef ?? '',
    ...(latest ? { containerID: `${input.runtimeName}://${latest.id}` } : {})
  }
  if (latest?.state === 'running') {
    const started = input.started(spec.name, latest.id)
    return {
      ...base,
      state: { running: { startedAt: iso(latest.startedAt) } },
      lastState: previous ? terminated(previous, input.runtimeName) : {},
      ready: !init && input.ready(spec.name, latest.id),
      started,
      restartCount: latest.attempt
    }
  }
  if (latest?.state === 'exited' && !waiting) {
    return {
      ...base,
      state: terminated(latest, input.runtimeName),
      lastState: previous ? terminated(previous, input.runtimeName) : {},
      ready: false,
      started: false,
      restartCount: latest.attempt
    }
  }
  // Waiting: not created yet, or exited and waiting to restart (then lastState is that run).
  const last = latest?.state === 'exited' ? latest : previous
  return {
    ...base,
    state: {
      waiting: {
        reason: waiting?.reason ?? defaultWaiting,
        ...(waiting?.message ? { message: waiting.message } : {})
      }
    },
    lastState: last ? terminated(last, input.runtimeName) : {},
    ready: false,
    started: false,
    restartCount: latest ? latest.attempt : 0
  }
}

function condition(
  old: PodCondition[] | undefined,
  type: string,
  ok: boolean,
  now: string,
  reason?: string
): PodCondition {
  const status = ok ? 'True' : 'False'
  const prior = old?.find((c) => c.type === type)
  return {
    type,
    status,
    lastProbeTime: null as unknown as string,
    lastTransitionTime: prior && prior.status === status ? prior.lastTransitionTime : now,
    ...(!ok && reason ? { reason } : {})
  }
}

/** Whether every init container has completed (exited 0). */
export function initDone(pod: Pod, containers: ContainerStatus[]): boolean {
  return (pod.spec?.initContainers ?? []).every((c) => {
    const latest = attemptsOf(containers, c.name)[0]
    return latest?.state === 'exited' && latest.exitCode === 0
  })
}

/** kubelet's getPhase. */
function phaseOf(pod: Pod, statuses: ApiContainerStatus[], input: StatusInput): string {
  if (input.initFailed) return 'Failed'
  const policy = pod.spec?.restartPolicy ?? 'Always'
  if (!initDone(pod, input.containers)) return 'Pending'
  let running = 0
  let waiting = 0
  let stopped = 0
  let succeeded = 0
  for (const s of statuses) {
    if (s.state?.running) running++
    else if (s.state?.terminated) {
      stopped++
      if (s.state.terminated.exitCode === 0) succeeded++
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++
      else waiting++
    }
  }
  if (waiting > 0) return 'Pending'
  if (running > 0) return 'Running'
  if (stopped === statuses.length && stopped > 0) {
    if (policy === 'Always') return 'Running'
    if (policy === 'OnFailure') return succeeded === stopped ? 'Succeeded' : 'Running'
    return stopped === succeeded ? 'Succeeded' : 'Failed'
  }
  return 'Pending'
}

/** The status to write for the pod (spec and metadata untouched). */
export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input
  const old = pod.status ?? {}
  const inits = initDone(pod, input.containers)
  const initStatuses = (pod.spec?.initContainers ?? []).map((c) =>
    containerStatus(c, input, 'PodInitializing', true)
  )
  const statuses = (pod.spec?.containers ?? []).map((c) =>
    containerStatus(c, input, inits ? 'ContainerCreating' : 'PodInitializing')
  )
  const phase = phaseOf(pod, statuses, input)
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready)
  const terminal = phase === 'Succeeded' || phase === 'Failed'
  const conditions: PodCondition[] = [
    condition(old.conditions, 'PodReadyToStartContainers', input.sandboxReady, now),
    condition(old.conditions, 'Initialized', inits, now, 'ContainersNotInitialized'),
    condition(
      old.conditions,
      'Ready',
      allReady,
      now,
      terminal ? 'PodCompleted' : 'ContainersNotReady'
    ),
    condition(
      old.conditions,
      'ContainersReady',
      allReady,
      now,
      terminal ? 'PodCompleted' : 'ContainersNotReady'
    )
  ]
  const scheduled = old.conditions?.find((c) => c.type === 'PodScheduled')
  if (scheduled) conditions.push(scheduled)
  const podIP = input.podIP ?? old.podIP
  const hostIP = input.hostIP ?? old.hostIP
  return {
    ...old,
    phase,
    conditions,
    ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old.startTime ?? now,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses
  }
}
