/**
 * The pod table: NAME READY STATUS RESTARTS AGE, and with `-o wide` IP NODE NOMINATED NODE
 * READINESS GATES. STATUS is computed as kube-apiserver's printer does: the phase or reason,
 * init container progress (`Init:0/2`, `Init:CrashLoopBackOff`), the last container's waiting
 * or terminated reason (`ContainerCreating`, `CrashLoopBackOff`, `Completed`, `Error`),
 * `Terminating` once deletion started, `SchedulingGated`, `NotReady`.
 */
import { array, int, parseTime, record, since, str } from './format'
import { ageColumn, column, nameColumn, type TablePrinter, type TableRowCondition } from './table'

type Json = Record<string, unknown>

const succeededConditions: TableRowCondition[] = [
  {
    type: 'Completed',
    status: 'True',
    reason: 'Succeeded',
    message: 'The pod has completed successfully.'
  }
]
const failedConditions: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }
]

/** A sidecar: an init container with `restartPolicy: Always`. */
const isRestartable = (container: Json | undefined): boolean =>
  container?.restartPolicy === 'Always'

const conditionTrue = (conditions: Json[], type: string): boolean =>
  conditions.find((c) => c.type === type)?.status === 'True'

/** `Signal:9`, `ExitCode:1` or the terminated reason, as the printer words a stopped container. */
function terminatedReason(terminated: Json, prefix: string): string {
  const reason = str(terminated.reason)
  if (reason !== '') return prefix + reason
  const signal = int(terminated.signal)
  return signal !== 0
    ? `${prefix}Signal:${signal}`
    : `${prefix}ExitCode:${int(terminated.exitCode)}`
}

/** The computed READY, STATUS and RESTARTS of a pod. */
export function podSummary(
  pod: Json,
  now: Date
): { ready: string; status: string; restarts: string } {
  const spec = record(pod.spec)
  const status = record(pod.status)
  const conditions = array(status.conditions).map(record)
  const initSpecs = array(spec.initContainers).map(record)
  const phase = str(status.phase)
  let reason = str(status.reason) || phase
  let totalContainers = array(spec.containers).length
  let readyContainers = 0
  let restarts = 0
  let sidecarRestarts = 0
  let lastRestart = 0
  let lastSidecarRestart = 0

  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated'
  }

  const initByName = new Map<string, Json>()
  for (const c of initSpecs) {
    initByName.set(str(c.name), c)
    if (isRestartable(c)) totalContainers++
  }

  let initializing = false
  const initStatuses = array(status.initContainerStatuses).map(record)
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i]
    const state = record(container.state)
    const finished = parseTime(record(record(container.lastState).terminated).finishedAt) ?? 0
    const sidecar = isRestartable(initByName.get(str(container.name)))
    restarts += int(container.restartCount)
    lastRestart = Math.max(lastRestart, finished)
    if (sidecar) {
      sidecarRestarts += int(container.restartCount)
      lastSidecarRestart = Math.max(lastSidecarRestart, finished)
    }
    const terminated = state.terminated === undefined ? undefined : record(state.terminated)
    const waitingReason = str(record(state.waiting).reason)
    if (terminated && int(terminated.exitCode) === 0) continue
    if (sidecar && container.started === true) {
      if (container.ready === true) readyContainers++
      continue
    }
    if (terminated) {
      reason = terminatedReason(terminated, 'Init:')
    } else if (
      state.waiting !== undefined &&
      waitingReason !== '' &&
      waitingReason !== 'PodInitializing'
    ) {
      reason = `Init:${waitingReason}`
    } else {
      reason = `Init:${i}/${initSpecs.length}`
    }
    initializing = true
    break
  }

  if (!initializing || conditionTrue(conditions, 'Initialized')) {
    restarts = sidecarRestarts
    lastRestart = lastSidecarRestart
    let hasRunning = false
    const statuses = array(status.containerStatuses).map(record)
    // Backwards, so the first container's state is the one that shows.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i]
      const state = record(container.state)
      restarts += int(container.restartCount)
      const finished = parseTime(record(record(container.lastState).terminated).finishedAt) ?? 0
      lastRestart = Math.max(lastRestart, finished)
      const waitingReason = str(record(state.waiting).reason)
      if (state.waiting !== undefined && waitingReason !== '') {
        reason = waitingReason
      } else if (state.terminated !== undefined) {
        reason = terminatedReason(record(state.terminated), '')
      } else if (container.ready === true && state.running !== undefined) {
        hasRunning = true
        readyContainers++
      }
    }
    // A completed container beside a running one: the pod is still running.
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True')
        ? 'Running'
        : 'NotReady'
    }
  }

  const deleting = record(pod.metadata).deletionTimestamp !== undefined
  if (deleting && str(status.reason) === 'NodeLost') reason = 'Unknown'
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating'

  const restartsText =
    restarts !== 0 && lastRestart !== 0
      ? `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)`
      : String(restarts)
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText }
}

/** The pod printer. */
export const podPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'
    ),
    ageColumn(),
    column(
      'IP',
      'string',
      'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
      { wide: true }
    ),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', {
      wide: true
    }),
    column(
      'Nominated Node',
      'string',
      'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.',
      { wide: true }
    ),
    column(
      'Readiness Gates',
      'string',
      'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True"',
      { wide: true }
    )
  ],
  row(obj, now) {
    const pod = obj as unknown as Json
    const spec = record(pod.spec)
    const status = record(pod.status)
    const summary = podSummary(pod, now)
    const podIP = str(record(array(status.podIPs)[0]).ip) || str(status.podIP) || '<none>'
    const gates = array(spec.readinessGates).map(record)
    let readinessGates = '<none>'
    if (gates.length > 0) {
      const conditions = array(status.conditions).map(record)
      const trueCount = gates.filter((g) => conditionTrue(conditions, str(g.conditionType))).length
      readinessGates = `${trueCount}/${gates.length}`
    }
    const phase = str(status.phase)
    return {
      cells: [
        str(obj.metadata?.name),
        summary.ready,
        summary.status,
        summary.restarts,
        since(obj.metadata?.creationTimestamp, now),
        podIP,
        str(spec.nodeName) || '<none>',
        str(status.nominatedNodeName) || '<none>',
        readinessGates
      ],
      ...(phase === 'Succeeded' ? { conditions: succeededConditions } : {}),
      ...(phase === 'Failed' ? { conditions: failedConditions } : {})
    }
  }
}
