/**
 * A Deployment's status and conditions (`calculateStatus`, `syncRolloutStatus`): counts summed
 * over its ReplicaSets; `Available` from minimum availability; `Progressing` with Kubernetes'
 * reasons — NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
 * ProgressDeadlineExceeded, DeploymentPaused, DeploymentResumed.
 */
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1'
import {
  maxUnavailable,
  statusSum,
  type DeploymentObj,
  type ReplicaSetObj
} from './deployment-util'

const stamp = (now: Date): string => now.toISOString().replace(/\.\d+Z$/, 'Z')

/** Sets (or replaces) condition `c`, keeping lastTransitionTime when the status is unchanged. */
export function setCondition(
  conds: DeploymentCondition[],
  c: DeploymentCondition
): DeploymentCondition[] {
  const old = conds.find((x) => x.type === c.type)
  // Unchanged: keep it as it is, so a status write happens only when something changed.
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) {
    return conds
  }
  const next =
    old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c
  return [...conds.filter((x) => x.type !== c.type), next]
}

/** Whether the rollout is complete (`DeploymentComplete`). */
export function deploymentComplete(d: DeploymentObj, s: DeploymentStatus): boolean {
  const replicas = d.spec?.replicas ?? 1
  return (
    s.updatedReplicas === replicas &&
    s.replicas === replicas &&
    s.availableReplicas === replicas &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  )
}

/**
 * The status to write. `event` is what this sync did to the new ReplicaSet ('created', 'found')
 * for the Progressing reason. Answers the status and, while progressing, in how many ms the
 * progress deadline would pass (so the caller re-checks then).
 */
export function calculateStatus(
  d: DeploymentObj,
  newRS: ReplicaSetObj | undefined,
  all: ReplicaSetObj[],
  now: Date,
  event?: 'created' | 'found'
): { status: DeploymentStatus; recheckMs?: number } {
  const replicas = d.spec?.replicas ?? 1
  const old = d.status ?? {}
  const available = statusSum(all, 'availableReplicas')
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: statusSum(all, 'replicas'),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: statusSum(all, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicas - available)
  }
  if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount
  const t = stamp(now)
  const cond = (type: string, s: string, reason: string, message: string): DeploymentCondition => ({
    type,
    status: s,
    lastUpdateTime: t,
    lastTransitionTime: t,
    reason,
    message
  })
  let conds = old.conditions ?? []
  conds =
    available >= replicas - maxUnavailable(d)
      ? setCondition(
          conds,
          cond(
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.'
          )
        )
      : setCondition(
          conds,
          cond(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.'
          )
        )

  const progressing = conds.find((c) => c.type === 'Progressing')
  const rsName = newRS?.metadata.name ?? ''
  let recheckMs: number | undefined
  const deadline = d.spec?.progressDeadlineSeconds
  if (d.spec?.paused) {
    if (progressing?.reason !== 'DeploymentPaused') {
      conds = setCondition(
        conds,
        cond('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused')
      )
    }
  } else if (progressing?.reason === 'DeploymentPaused') {
    conds = setCondition(
      conds,
      cond('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed')
    )
  } else if (newRS && deploymentComplete(d, status)) {
    if (progressing?.reason !== 'NewReplicaSetAvailable') {
      conds = setCondition(
        conds,
        cond(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`
        )
      )
    }
  } else if (event === 'created') {
    conds = setCondition(
      conds,
      cond('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${rsName}"`)
    )
  } else if (newRS && madeProgress(old, status)) {
    // Progress moves lastUpdateTime (the deadline counts from it) even when the text is the same.
    const next = cond(
      'Progressing',
      'True',
      'ReplicaSetUpdated',
      `ReplicaSet "${rsName}" is progressing.`
    )
    if (progressing?.status === 'True') next.lastTransitionTime = progressing.lastTransitionTime
    conds = [...conds.filter((c) => c.type !== 'Progressing'), next]
  } else if (event === 'found' && !progressing) {
    conds = setCondition(
      conds,
      cond('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rsName}"`)
    )
  } else if (
    newRS &&
    progressing &&
    deadline !== undefined &&
    timedOut(progressing, deadline, now)
  ) {
    conds = setCondition(
      conds,
      cond(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${rsName}" has timed out progressing.`
      )
    )
  }
  // requeueStuckDeployment: look again when the deadline would pass, unless done or timed out.
  const current = conds.find((c) => c.type === 'Progressing')
  if (newRS && current && deadline !== undefined && !d.spec?.paused) {
    const settled = ['NewReplicaSetAvailable', 'ProgressDeadlineExceeded'].includes(
      current.reason ?? ''
    )
    if (!settled && !deploymentComplete(d, status)) {
      const since = Date.parse(current.lastUpdateTime ?? '') || now.getTime()
      recheckMs = Math.max(0, since + deadline * 1000 - now.getTime()) + 1000
    }
  }
  status.conditions = conds
  return { status, recheckMs }
}

/** `DeploymentTimedOut`: no progress recorded for `deadline` seconds (and not already done). */
function timedOut(c: DeploymentCondition, deadline: number, now: Date): boolean {
  if (c.reason === 'NewReplicaSetAvailable' || c.reason === 'ProgressDeadlineExceeded') return false
  const since = Date.parse(c.lastUpdateTime ?? '')
  return Number.isFinite(since) && since + deadline * 1000 < now.getTime()
}

/** `DeploymentProgressing`: more updated, ready or available pods, or fewer old ones. */
function madeProgress(old: DeploymentStatus, s: DeploymentStatus): boolean {
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0)
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0)
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  )
}
