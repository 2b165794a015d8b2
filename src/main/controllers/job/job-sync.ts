/**
 * One reconciliation of a Job (`syncJob` and `manageJob` of `pkg/controller/job`): claim its
 * pods, count what finished, decide whether it failed (backoffLimit, activeDeadlineSeconds) or
 * succeeded (completions), delete the active pods of a finishing or suspended Job, otherwise
 * create or delete pods towards `min(parallelism, completions - succeeded)` honouring the
 * pod-failure back-off, and hand the status to the tracking step.
 */
import type { JobCondition } from 'kubernetes-types/batch/v1'
import type { ApiClient } from '../../apiserver/client'
import type { ComponentLog } from '../../observe/component-log'
import type { EventRecorder } from '../../observe/event-recorder'
import type { Clock, DelayedAdder } from '../shared/clock'
import type { Expectations } from '../shared/expectations'
import { keyOf, type Informer } from '../shared/informer'
import { isPodActive, isPodReady, slowStartBatch } from '../shared/pod-utils'
import { remainingBackoff, type BackoffStore } from './job-backoff'
import { claimPods, deletePods } from './job-pod-control'
import {
  activePodsForRemoval,
  firstPendingIndexes,
  parseIndexes,
  podForJob,
  succeededIndexes
} from './job-pods'
import { trackJobStatus, type FinalizerExpectations, type SyncJobCtx } from './job-tracking'
import {
  JOB_MESSAGES,
  JOB_REASONS,
  completionIndexOf,
  ensureCondition,
  finishedType,
  hasTrackingFinalizer,
  isIndexedJob,
  isPodFailed,
  isPodTerminating,
  newCondition,
  onlyReplaceFailedPods,
  rfc3339,
  trueCondition,
  type JobObj,
  type PodObj
} from './job-utils'
import { messageOf } from '../shared/api-errors'

/** Kubernetes' cap on pods created or deleted in one sync (`MaxPodCreateDeletePerSync`). */
const MAX_POD_CHANGES = 500

/** Everything a sync uses. */
export interface JobSyncDeps {
  client: ApiClient
  log: ComponentLog
  recorder: EventRecorder
  clock: Clock
  delayer: DelayedAdder
  jobs: Informer<JobObj>
  pods: Informer<PodObj>
  expectations: Expectations
  finalizerExpectations: FinalizerExpectations
  backoff: BackoffStore
  backoffBaseMs: number
  backoffMaxMs: number
}

/** Syncs the Job under `key`. */
export async function syncJob(deps: JobSyncDeps, key: string): Promise<void> {
  const cached = deps.jobs.store.get(key)
  if (!cached) {
    deps.expectations.delete(key)
    deps.finalizerExpectations.delete(key)
    deps.backoff.delete(key)
    return
  }
  const managedBy = cached.spec?.managedBy
  if (managedBy && managedBy !== 'kubernetes.io/job-controller') return
  if (finishedType(cached)) return void deps.backoff.delete(key)
  const job = structuredClone(cached)
  const status = (job.status ??= {})
  const now = deps.clock.now()
  // Expectations are read before the pods, so a pod arriving meanwhile defers to the next sync.
  const satisfied = deps.expectations.satisfied(key)
  const pods = await claimPods(deps, job)
  const activePods = pods.filter(isPodActive)
  const expectedRemovals = deps.finalizerExpectations.get(key) ?? new Set<string>()
  const uSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? [])
  const uFailed = new Set(status.uncountedTerminatedPods?.failed ?? [])
  const completions = job.spec?.completions
  const indexed = isIndexedJob(job)
  const trackable = (p: PodObj, counted: Set<string>): boolean => {
    const uid = p.metadata.uid ?? ''
    if (!hasTrackingFinalizer(p) || counted.has(uid) || expectedRemovals.has(uid)) return false
    const i = completionIndexOf(p)
    return !indexed || (i >= 0 && i < (completions ?? 0))
  }
  const newSucceeded = pods.filter(
    (p) => trackable(p, uSucceeded) && p.status?.phase === 'Succeeded'
  )
  const newFailed = pods.filter((p) => trackable(p, uFailed) && isPodFailed(p, job))
  const prevIndexes = indexed ? parseIndexes(status.completedIndexes, completions ?? 0) : []
  const succeeded = indexed
    ? new Set([...prevIndexes, ...succeededIndexes(newSucceeded, completions ?? 0)]).size
    : (status.succeeded ?? 0) + newSucceeded.length + uSucceeded.size
  const failed = (status.failed ?? 0) + newFailed.length + uFailed.size
  const suspended = job.spec?.suspend === true
  let startChanged = false
  if (!status.startTime && !suspended) {
    status.startTime = rfc3339(now)
    startChanged = true
  }
  const ctx: SyncJobCtx = {
    key,
    job,
    pods,
    active: activePods.length,
    ready: activePods.filter(isPodReady).length,
    terminating: pods.filter(isPodTerminating).length,
    succeededIndexes: prevIndexes,
    newBackoff: deps.backoff.next(key, newSucceeded, newFailed),
    expectedRemovals
  }
  ctx.finished = decideFailure(deps, job, pods, failed, now)
  let manageError: unknown
  let suspendChanged = false
  if (ctx.finished) {
    const { deleted, deletedReady, error } = await deletePods(deps, job, activePods, false)
    // Not finished while pods may still be missing from the cache or could not be deleted.
    if (deleted !== activePods.length || !satisfied) ctx.finished = undefined
    ctx.active -= deleted
    ctx.terminating += deleted
    ctx.ready -= deletedReady
    manageError = error
  } else {
    let managed = false
    if (satisfied && !job.metadata.deletionTimestamp) {
      try {
        await manageJob(deps, ctx, activePods, succeeded)
      } catch (err) {
        manageError = err
      }
      managed = true
    }
    const complete =
      ctx.active === 0 && (completions == null ? succeeded > 0 : succeeded >= completions)
    if (complete) {
      const r = JOB_REASONS.completionsReached
      ctx.finished = newCondition(
        'SuccessCriteriaMet',
        'True',
        r,
        JOB_MESSAGES.completionsReached,
        now
      )
    } else if (managed) {
      suspendChanged = suspended
        ? ensureCondition(job, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)
        : ensureCondition(job, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)
      if (suspendChanged && suspended)
        deps.recorder.event(job, 'Normal', 'Suspended', 'Job suspended')
      if (suspendChanged && !suspended) {
        deps.recorder.event(job, 'Normal', 'Resumed', 'Job resumed')
        // activeDeadlineSeconds counts continuous activity: a resumed Job starts again.
        status.startTime = rfc3339(now)
      }
    }
  }
  const needsUpdate =
    startChanged ||
    suspendChanged ||
    ctx.active !== (status.active ?? 0) ||
    ctx.ready !== status.ready ||
    ctx.terminating !== status.terminating
  await trackJobStatus(
    {
      client: deps.client,
      recorder: deps.recorder,
      backoff: deps.backoff,
      finalizerExpectations: deps.finalizerExpectations,
      now: () => deps.clock.now()
    },
    ctx,
    needsUpdate
  )
  if (manageError) throw manageError
}

/** The failure the Job has reached, as its interim FailureTarget condition (or the final one). */
function decideFailure(
  deps: JobSyncDeps,
  job: JobObj,
  pods: PodObj[],
  failed: number,
  now: number
): JobCondition | undefined {
  const met = trueCondition(job, 'SuccessCriteriaMet')
  if (met) return met
  const target = trueCondition(job, 'FailureTarget')
  if (target) return newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', now)
  if (failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
    const r = JOB_REASONS.backoffLimitExceeded
    return newCondition('FailureTarget', 'True', r, JOB_MESSAGES.backoffLimitExceeded, now)
  }
  const deadline = job.spec?.activeDeadlineSeconds
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : undefined
  if (deadline == null || start === undefined || job.spec?.suspend === true) return undefined
  const left = start + deadline * 1000 - now
  if (left <= 0) {
    const r = JOB_REASONS.deadlineExceeded
    return newCondition('FailureTarget', 'True', r, JOB_MESSAGES.deadlineExceeded, now)
  }
  deps.delayer.addAfter(keyOf(job), left, now)
  return undefined
}

/** With restartPolicy OnFailure, container restarts of running pods count toward backoffLimit. */
function pastBackoffLimitOnFailure(job: JobObj, pods: PodObj[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false
  let restarts = 0
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue
    for (const s of [
      ...(p.status?.initContainerStatuses ?? []),
      ...(p.status?.containerStatuses ?? [])
    ]) {
      restarts += s.restartCount ?? 0
    }
  }
  const limit = job.spec?.backoffLimit ?? 6
  return limit === 0 ? restarts > 0 : restarts >= limit
}

/** Creates or deletes pods; updates `ctx.active` (and ready/terminating) with what it did. */
async function manageJob(
  deps: JobSyncDeps,
  ctx: SyncJobCtx,
  active: PodObj[],
  succeeded: number
): Promise<void> {
  const job = ctx.job
  const key = ctx.key
  const parallelism = job.spec?.parallelism ?? 1
  const completions = job.spec?.completions
  if (job.spec?.suspend === true) {
    const victims = activePodsForRemoval(job, active, active.length)
    deps.expectations.expectDeletions(
      key,
      victims.map((p) => keyOf(p))
    )
    const r = await deletePods(deps, job, victims, true)
    ctx.active -= r.deleted
    ctx.terminating += r.deleted
    ctx.ready -= r.deletedReady
    if (r.error) throw r.error
    return
  }
  let want: number
  if (completions == null) want = succeeded > 0 ? active.length : parallelism
  else want = Math.max(0, Math.min(parallelism, completions - succeeded))
  const victims = activePodsForRemoval(job, active, Math.max(0, active.length - want)).slice(
    0,
    MAX_POD_CHANGES
  )
  if (victims.length > 0) {
    deps.expectations.expectDeletions(
      key,
      victims.map((p) => keyOf(p))
    )
    const r = await deletePods(deps, job, victims, true)
    ctx.active -= r.deleted
    ctx.terminating += r.deleted
    ctx.ready -= r.deletedReady
    if (r.error) throw r.error
    return
  }
  let diff = want - (onlyReplaceFailedPods(job) ? ctx.terminating : 0) - active.length
  if (diff <= 0) return
  const wait = remainingBackoff(
    ctx.newBackoff,
    deps.clock.now(),
    deps.backoffBaseMs,
    deps.backoffMaxMs
  )
  if (wait > 0) return void deps.delayer.addAfter(key, wait)
  diff = Math.min(diff, MAX_POD_CHANGES)
  let indexes: number[] = []
  if (isIndexedJob(job)) {
    const done = new Set([...ctx.succeededIndexes, ...succeededIndexes(ctx.pods, completions ?? 0)])
    indexes = firstPendingIndexes(active, done, diff, completions ?? 0)
    diff = indexes.length
    if (diff === 0) return
  }
  deps.expectations.expectCreations(key, diff)
  const queue = [...indexes]
  const { attempted, successes, error } = await slowStartBatch(diff, 1, async () => {
    const index = queue.length > 0 ? queue.shift()! : -1
    try {
      const pod = await deps.client.create<PodObj>(podForJob(job, index))
      deps.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
    } catch (err) {
      // A failed create will never be observed.
      deps.expectations.creationObserved(key)
      deps.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`)
      throw err
    }
  })
  for (let i = attempted; i < diff; i++) deps.expectations.creationObserved(key)
  ctx.active += successes
  if (error) throw error
}
