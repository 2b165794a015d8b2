/**
 * The ordered update logic of a StatefulSet (kube-controller-manager's `stateful_set_control.go`
 * `updateStatefulSet`), one pass over the set's pods:
 *
 * 1. Replicas (ordinals start … start+replicas-1): a failed or succeeded pod is deleted so it is
 *    recreated under the same name; a missing pod is created. Under OrderedReady each step waits
 *    until every lower ordinal is Running and Ready (and available for minReadySeconds); under
 *    Parallel all are handled at once.
 * 2. Condemned pods (ordinals beyond the replicas) are deleted from the highest down; under
 *    OrderedReady one at a time, each only once the previous one has terminated.
 * 3. RollingUpdate: the pod with the highest ordinal ≥ partition whose revision is not the update
 *    revision is deleted (it comes back at the new revision in a later pass), one at a time,
 *    waiting for each replacement to be Running and Ready. OnDelete leaves pods alone.
 */
import type { ComponentLog } from '../../observe/component-log'
import type { EventRecorder } from '../../observe/event-recorder'
import type { SetRevisions } from './revisions'
import type { StatefulPodControl } from './stateful-pod-control'
import { computeStatus, countRevision, type ComputedStatus } from './stateful-set-status'
import {
  getOrdinal,
  identityMatches,
  isFailed,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newStatefulSetPod,
  podRevision,
  specReplicas,
  startOrdinal,
  type PodObj,
  type StatefulSetObj
} from './stateful-set-utils'

/** What one pass needs. */
export interface UpdateContext {
  control: StatefulPodControl
  recorder: EventRecorder
  log: ComponentLog
  now: number
}

/** The outcome of a pass: the status to record, and the first error (the pass stopped there). */
export interface UpdateResult {
  status: ComputedStatus
  error?: unknown
}

/** Runs one pass of the update logic for `set` over its claimed `pods`. */
export async function updateStatefulSet(
  ctx: UpdateContext,
  set: StatefulSetObj,
  pods: PodObj[],
  rev: SetRevisions
): Promise<UpdateResult> {
  const status = computeStatus(set, pods, rev, ctx.now)
  try {
    await runPass(ctx, set, pods, rev, status)
    return { status }
  } catch (error) {
    return { status, error }
  }
}

async function runPass(
  ctx: UpdateContext,
  set: StatefulSetObj,
  pods: PodObj[],
  rev: SetRevisions,
  status: ComputedStatus
): Promise<void> {
  const start = startOrdinal(set)
  const count = specReplicas(set)
  const replicas: (PodObj | undefined)[] = new Array<PodObj | undefined>(count).fill(undefined)
  const condemned: PodObj[] = []
  for (const pod of pods) {
    const ord = getOrdinal(pod)
    if (ord < 0) continue // not named as a member: ignored
    if (ord >= start && ord < start + count) replicas[ord - start] = pod
    else condemned.push(pod)
  }
  condemned.sort((a, b) => getOrdinal(a) - getOrdinal(b))

  // A set being deleted only has its status recorded.
  if (set.metadata.deletionTimestamp) return
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel'
  const minReady = set.spec?.minReadySeconds ?? 0

  // Answers true when the pass must stop here (OrderedReady waits on this replica).
  const processReplica = async (i: number): Promise<boolean> => {
    const pod = replicas[i]
    if (pod && (isFailed(pod) || isSucceeded(pod))) {
      if (!isTerminating(pod)) {
        const how = isFailed(pod) ? 'failed' : 'terminated'
        ctx.recorder.event(
          set,
          isFailed(pod) ? 'Warning' : 'Normal',
          isFailed(pod) ? 'RecreatingFailedPod' : 'RecreatingTerminatedPod',
          `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating ${how} Pod ${pod.metadata.name}`
        )
        await ctx.control.delete(set, pod)
        status.replicas--
        countRevision(status, pod, -1)
      }
      // The replacement, same name, is created once the informer has seen the pod go.
      return true
    }
    if (!pod) {
      const created = versionedPod(ctx, set, rev, i)
      await ctx.control.create(set, created)
      status.replicas++
      countRevision(status, created, +1)
      return monotonic
    }
    if (isTerminating(pod)) return monotonic
    if (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, ctx.now)) return monotonic
    if (!identityMatches(set, pod)) await ctx.control.updateIdentity(set, pod)
    return false
  }

  if (monotonic) {
    for (let i = 0; i < count; i++) if (await processReplica(i)) return
  } else {
    const results = await Promise.allSettled(replicas.map((_, i) => processReplica(i)))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  // Every replica is Running and Ready (OrderedReady) — now scale down, highest ordinal first.
  const firstUnhealthy = condemned.find((p) => !isHealthy(p))
  for (let t = condemned.length - 1; t >= 0; t--) {
    const pod = condemned[t]
    if (isTerminating(pod)) {
      if (monotonic) return
      continue
    }
    // An unhealthy condemned pod may go first only if it is the lowest unhealthy one.
    if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return
    await ctx.control.delete(set, pod)
    countRevision(status, pod, -1)
    if (monotonic) return
  }

  if (set.spec?.updateStrategy?.type === 'OnDelete') return
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
  for (let t = count - 1; t >= partition; t--) {
    const pod = replicas[t]
    if (!pod) return // Parallel: still being created
    if (podRevision(pod) !== rev.update && !isTerminating(pod)) {
      ctx.log.info('terminating pod for update', {
        statefulset: `${set.metadata.namespace}/${set.metadata.name}`,
        pod: pod.metadata.name
      })
      await ctx.control.delete(set, pod)
      countRevision(status, pod, -1)
      return
    }
    if (!isHealthy(pod) || !isRunningAndAvailable(pod, minReady, ctx.now)) return
  }
}

/**
 * The pod for replica index `i` (`newVersionedStatefulSetPod`): below the partition of a
 * RollingUpdate it keeps the current revision, otherwise it is made at the update revision.
 */
function versionedPod(
  ctx: UpdateContext,
  set: StatefulSetObj,
  rev: SetRevisions,
  i: number
): PodObj {
  const ordinal = startOrdinal(set) + i
  const strategy = set.spec?.updateStrategy
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate'
  const keepCurrent =
    rolling &&
    (strategy?.rollingUpdate
      ? i < (strategy.rollingUpdate.partition ?? 0)
      : i < (set.status?.currentReplicas ?? 0))
  if (keepCurrent && rev.current !== rev.update) {
    if (rev.currentTemplate)
      return newStatefulSetPod(set, rev.currentTemplate, rev.current, ordinal)
    ctx.log.warn(
      'template of the current revision unknown; creating the pod at the update revision',
      {
        statefulset: `${set.metadata.namespace}/${set.metadata.name}`,
        revision: rev.current
      }
    )
  }
  return newStatefulSetPod(set, rev.updateTemplate ?? set.spec?.template, rev.update, ordinal)
}
