/**
 * What the Job controller knows about Jobs and their pods (`pkg/controller/job/utils.go`,
 * `pkg/controller/job/util`): finished conditions, the tracking finalizer, when a pod counts as
 * failed and when it finished, and the condition constructors with Kubernetes' reasons.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1'
import type { Pod } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'

export type JobObj = Job & KubeObject
export type PodObj = Pod & KubeObject

/** The finalizer that keeps a pod until the Job controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking'
/** Annotation (and label) carrying an Indexed Job pod's completion index. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index'

/** Condition reasons and messages as the Job controller writes them. */
export const JOB_REASONS = {
  backoffLimitExceeded: 'BackoffLimitExceeded',
  deadlineExceeded: 'DeadlineExceeded',
  completionsReached: 'CompletionsReached'
} as const
export const JOB_MESSAGES = {
  backoffLimitExceeded: 'Job has reached the specified backoff limit',
  deadlineExceeded: 'Job was active longer than specified deadline',
  completionsReached: 'Reached expected number of succeeded pods'
} as const

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
}

/** The job's condition of `type`, if any. */
export function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type)
}

/** The condition of `type` when it is True. */
export function trueCondition(job: Job, type: string): JobCondition | undefined {
  const c = findCondition(job, type)
  return c?.status === 'True' ? c : undefined
}

/** Complete or Failed is True (`IsJobFinished`); answers which. */
export function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type
  }
  return undefined
}

/** A new True-or-False condition stamped `now`. */
export function newCondition(
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: number
): JobCondition {
  const at = rfc3339(now)
  const c: JobCondition = { type, status, lastProbeTime: at, lastTransitionTime: at }
  if (reason) c.reason = reason
  if (message) c.message = message
  return c
}

/**
 * Sets condition `type` to `status` (`ensureJobConditionStatus`): a new one is appended, an
 * existing one with another status, reason or message is updated (its transition time only
 * when the status changes). Answers whether anything changed.
 */
export function ensureCondition(
  job: Job,
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: number
): boolean {
  const status_ = (job.status ??= {})
  const conditions = (status_.conditions ??= [])
  const existing = conditions.find((c) => c.type === type)
  if (!existing) {
    // A False condition that never existed is not worth writing (a job that was never suspended).
    if (status === 'False') return false
    conditions.push(newCondition(type, status, reason, message, now))
    return true
  }
  if (existing.status === status && existing.reason === reason && existing.message === message) {
    return false
  }
  if (existing.status !== status) existing.lastTransitionTime = rfc3339(now)
  existing.status = status
  existing.lastProbeTime = rfc3339(now)
  existing.reason = reason
  existing.message = message
  return true
}

/** Whether the pod still carries the tracking finalizer. */
export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false
}

/** `spec.podReplacementPolicy: Failed`: replacements wait for terminating pods to finish. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed'
}

/**
 * A pod counts as failed when its phase is Failed, or (unless replacements wait for Failed)
 * when it is being deleted before succeeding: such a pod may never reach a terminal phase.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  const phase = pod.status?.phase
  if (phase === 'Failed') return true
  if (onlyReplaceFailedPods(job)) return false
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded'
}

/** Being deleted but not yet terminal (`CountTerminatingPods`). */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed'
}

const parse = (s: string | undefined): number | undefined => {
  const t = s ? Date.parse(s) : NaN
  return Number.isNaN(t) ? undefined : t
}

/**
 * When a pod finished (`getFinishedTime`): the last container's finish, else its Ready=False
 * transition, else its deletion time less the grace period, else its creation.
 */
export function podFinishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? []
  if (statuses.length > 0) {
    const finished = statuses.map((s) => parse(s.state?.terminated?.finishedAt))
    if (finished.every((t) => t !== undefined)) return Math.max(...(finished as number[]))
  }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')
  const readyAt = ready?.status === 'False' ? parse(ready.lastTransitionTime) : undefined
  if (readyAt !== undefined) return readyAt
  const deleted = parse(pod.metadata?.deletionTimestamp)
  if (deleted !== undefined) return deleted - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000
  return parse(pod.metadata?.creationTimestamp) ?? 0
}

/** The completion index of an Indexed Job's pod, or -1. */
export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX]
  if (v === undefined || !/^\d+$/.test(v)) return -1
  return Number(v)
}

/** Whether the Job runs in Indexed completion mode. */
export function isIndexedJob(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed'
}
