/**
 * StatefulSet status (kube-controller-manager's `stateful_set_control.go` status parts and
 * `stateful_set_status_updater.go`): counts of the set's pods by readiness, availability and
 * revision, and the current/update revisions. `kubectl rollout status statefulset/x` reads
 * `observedGeneration`, `readyReplicas`, `updatedReplicas` and the revisions.
 */
import type { StatefulSetStatus } from 'kubernetes-types/apps/v1'
import type { ApiClient } from '../../apiserver/client'
import type { SetRevisions } from './revisions'
import {
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  podRevision,
  type PodObj,
  type StatefulSetObj
} from './stateful-set-utils'
import { omitEmptyFields, patchStatus } from '../shared/status-patch'

/** The StatefulSet type. */
export const STATEFULSET_TYPE = { apiVersion: 'apps/v1', kind: 'StatefulSet' }

/** The counted fields of the status (all numbers, 0 when absent). */
export type StatusCounts = Required<
  Pick<
    StatefulSetStatus,
    'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'
  >
>

/** The status computed by one sync; every field set. */
export type ComputedStatus = StatusCounts &
  Required<Pick<StatefulSetStatus, 'currentRevision' | 'updateRevision' | 'collisionCount'>> & {
    observedGeneration: number
  }

/** The status of `set` as its pods are now, before the sync acts on them. */
export function computeStatus(
  set: StatefulSetObj,
  pods: PodObj[],
  rev: SetRevisions,
  now: number
): ComputedStatus {
  const minReady = set.spec?.minReadySeconds ?? 0
  const status: ComputedStatus = {
    observedGeneration: set.metadata.generation ?? 0,
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    currentRevision: rev.current,
    updateRevision: rev.update,
    collisionCount: rev.collisionCount
  }
  for (const pod of pods) {
    status.replicas++
    if (isRunningAndReady(pod)) {
      status.readyReplicas++
      if (isRunningAndAvailable(pod, minReady, now)) status.availableReplicas++
    }
    // A terminating pod is on its way out: it counts for no revision.
    if (!isTerminating(pod)) countRevision(status, pod, +1)
  }
  return status
}

/** Adds `delta` to the revision counts `pod` belongs to. */
export function countRevision(status: ComputedStatus, pod: PodObj, delta: number): void {
  const revision = podRevision(pod)
  if (revision === status.currentRevision) status.currentReplicas += delta
  if (revision === status.updateRevision) status.updatedReplicas += delta
}

/**
 * `completeRollingUpdate`: once every pod is updated and ready, the update revision becomes the
 * current one.
 */
export function completeRollingUpdate(set: StatefulSetObj, status: ComputedStatus): void {
  const type = set.spec?.updateStrategy?.type ?? 'RollingUpdate'
  if (
    type === 'RollingUpdate' &&
    status.updatedReplicas === status.replicas &&
    status.readyReplicas === status.replicas
  ) {
    status.currentReplicas = status.updatedReplicas
    status.currentRevision = status.updateRevision
  }
}

const FIELDS = [
  'observedGeneration',
  'replicas',
  'readyReplicas',
  'availableReplicas',
  'currentReplicas',
  'updatedReplicas',
  'currentRevision',
  'updateRevision',
  'collisionCount'
] as const

// Fields Kubernetes serializes even when zero; the others are omitempty.
const ALWAYS = new Set<string>(['replicas', 'availableReplicas', 'collisionCount'])

/** Completes a rolling update if due and writes the status when it differs from the set's. */
export async function updateStatefulSetStatus(
  client: ApiClient,
  set: StatefulSetObj,
  status: ComputedStatus
): Promise<void> {
  completeRollingUpdate(set, status)
  const cur = (set.status ?? {}) as Record<string, unknown>
  const want = status as Record<string, unknown>
  const same = FIELDS.every((f) => (cur[f] ?? (typeof want[f] === 'string' ? '' : 0)) === want[f])
  if (same) return
  await patchStatus(client, STATEFULSET_TYPE, set, omitEmptyFields(want, FIELDS, ALWAYS))
}
