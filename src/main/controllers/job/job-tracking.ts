/**
 * Pod tracking with finalizers (`trackJobStatusAndRemoveFinalizers`): a finished pod's uid is
 * first written to `status.uncountedTerminatedPods`, then its `batch.kubernetes.io/job-tracking`
 * finalizer is removed, then it moves into `succeeded`/`failed`. A crash between the steps loses
 * nothing and counts nothing twice. The interim FailureTarget / SuccessCriteriaMet condition is
 * written first; Failed / Complete follow once no pod is uncounted or terminating.
 */
import type { JobCondition, JobStatus } from 'kubernetes-types/batch/v1'
import type { ApiClient } from '../../apiserver/client'
import type { EventRecorder } from '../../observe/event-recorder'
import type { BackoffRecord, BackoffStore } from './job-backoff'
import { formatIndexes } from './job-pods'
import {
  JOB_TRACKING_FINALIZER,
  completionIndexOf,
  ensureCondition,
  hasTrackingFinalizer,
  isIndexedJob,
  isPodFailed,
  newCondition,
  type JobObj,
  type PodObj
} from './job-utils'
import { isNotFound } from '../shared/api-errors'
import { POD_TYPE } from '../shared/pod-utils'

/** Uids whose finalizer removal was sent but not yet seen, per Job key. */
export type FinalizerExpectations = Map<string, Set<string>>

/** What one sync of a Job knows, as the tracking step needs it. */
export interface SyncJobCtx {
  key: string
  /** A private copy of the Job, updated in place and replaced by each status write. */
  job: JobObj
  pods: PodObj[]
  active: number
  ready: number
  terminating: number
  /** The condition the Job finishes with (interim or final), once decided. */
  finished?: JobCondition
  /** Indexes succeeded so far (Indexed Jobs). */
  succeededIndexes: number[]
  newBackoff: BackoffRecord
  expectedRemovals: Set<string>
}

/** What the tracking step writes with. */
export interface TrackingDeps {
  client: ApiClient
  recorder: EventRecorder
  backoff: BackoffStore
  finalizerExpectations: FinalizerExpectations
  now: () => number
}

const uncountedOf = (job: JobObj): { succeeded: string[]; failed: string[] } => {
  const u = job.status?.uncountedTerminatedPods ?? {}
  return { succeeded: [...(u.succeeded ?? [])], failed: [...(u.failed ?? [])] }
}

/** Moves uncounted uids whose pods no longer carry the finalizer into the counters. */
function countRemoved(status: JobStatus, withFinalizer: Set<string>): boolean {
  const u = status.uncountedTerminatedPods ?? {}
  let changed = false
  for (const field of ['succeeded', 'failed'] as const) {
    const list = u[field] ?? []
    const keep = list.filter((uid) => withFinalizer.has(uid))
    if (keep.length !== list.length) {
      changed = true
      status[field] = (status[field] ?? 0) + list.length - keep.length
      u[field] = keep
    }
  }
  status.uncountedTerminatedPods = u
  return changed
}

/** Runs the tracking step of one sync; `needsFlush` says the status already changed. */
export async function trackJobStatus(
  deps: TrackingDeps,
  ctx: SyncJobCtx,
  needsFlush: boolean
): Promise<void> {
  const status = (ctx.job.status ??= {})
  const uncounted = uncountedOf(ctx.job)
  status.uncountedTerminatedPods = { succeeded: uncounted.succeeded, failed: uncounted.failed }
  const withFinalizer = new Set(
    ctx.pods
      .filter((p) => hasTrackingFinalizer(p) && !ctx.expectedRemovals.has(p.metadata.uid ?? ''))
      .map((p) => p.metadata.uid ?? '')
  )
  if (countRemoved(status, withFinalizer)) needsFlush = true
  const u = status.uncountedTerminatedPods
  const succeededInterim = ctx.finished?.type === 'SuccessCriteriaMet'
  const toRemove: PodObj[] = []
  const newIndexes: number[] = []
  const completions = ctx.job.spec?.completions ?? 0
  for (const pod of ctx.pods) {
    const uid = pod.metadata.uid ?? ''
    if (!withFinalizer.has(uid)) continue
    const failed = isPodFailed(pod, ctx.job)
    const removable =
      !!ctx.job.metadata.deletionTimestamp ||
      !!ctx.finished ||
      pod.status?.phase === 'Succeeded' ||
      failed
    if (!removable) continue
    toRemove.push(pod)
    if (pod.status?.phase === 'Succeeded' && !u.failed!.includes(uid)) {
      if (isIndexedJob(ctx.job)) {
        const i = completionIndexOf(pod)
        if (i >= 0 && i < completions && !ctx.succeededIndexes.includes(i)) newIndexes.push(i)
      } else if (!u.succeeded!.includes(uid)) {
        u.succeeded!.push(uid)
        needsFlush = true
      }
    } else if (failed || (ctx.finished && !succeededInterim)) {
      // A job that is failing counts every pod it stops as failed.
      if (!u.failed!.includes(uid)) {
        u.failed!.push(uid)
        needsFlush = true
      }
    }
  }
  if (newIndexes.length > 0) needsFlush = true
  if (isIndexedJob(ctx.job)) {
    ctx.succeededIndexes = [...new Set([...ctx.succeededIndexes, ...newIndexes])].sort(
      (a, b) => a - b
    )
    const text = formatIndexes(ctx.succeededIndexes)
    if ((status.completedIndexes ?? '') !== text) needsFlush = true
    status.completedIndexes = text
    status.succeeded = ctx.succeededIndexes.length
  }
  const now = deps.now()
  // The interim condition is written before any finalizer goes, so the outcome survives a crash.
  if (ctx.finished?.type === 'FailureTarget') {
    if (
      ensureCondition(
        ctx.job,
        'FailureTarget',
        'True',
        reasonOf(ctx.finished),
        messageOf(ctx.finished),
        now
      )
    ) {
      needsFlush = true
    }
    ctx.finished = newCondition(
      'Failed',
      'True',
      reasonOf(ctx.finished),
      messageOf(ctx.finished),
      now
    )
  } else if (succeededInterim && ctx.finished) {
    if (
      ensureCondition(
        ctx.job,
        'SuccessCriteriaMet',
        'True',
        reasonOf(ctx.finished),
        messageOf(ctx.finished),
        now
      )
    ) {
      needsFlush = true
    }
    ctx.finished = newCondition(
      'Complete',
      'True',
      reasonOf(ctx.finished),
      messageOf(ctx.finished),
      now
    )
  }
  if (needsFlush) {
    await writeStatus(deps, ctx)
    deps.backoff.set(ctx.key, ctx.newBackoff)
    needsFlush = false
  }
  const removeError = await removeFinalizers(deps, ctx.key, toRemove, withFinalizer)
  if (countRemoved(ctx.job.status!, withFinalizer)) needsFlush = true
  if (removeError) {
    if (needsFlush) await writeStatus(deps, ctx)
    throw removeError
  }
  const finished = enactFinished(ctx, now)
  if (finished || needsFlush) await writeStatus(deps, ctx)
  if (finished) recordFinished(deps.recorder, ctx)
}

const reasonOf = (c: JobCondition): string => c.reason ?? ''
const messageOf = (c: JobCondition): string => c.message ?? ''

/** Adds the final Complete/Failed condition when nothing is left uncounted or terminating. */
function enactFinished(ctx: SyncJobCtx, now: number): boolean {
  const c = ctx.finished
  if (!c) return false
  const u = ctx.job.status?.uncountedTerminatedPods
  if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false
  if (ctx.terminating > 0) return false
  ensureCondition(ctx.job, c.type, 'True', reasonOf(c), messageOf(c), now)
  if (c.type === 'Complete') ctx.job.status!.completionTime = c.lastTransitionTime
  return true
}

function recordFinished(recorder: EventRecorder, ctx: SyncJobCtx): void {
  const c = ctx.finished!
  const job = ctx.job
  if (c.type === 'Complete') {
    const completions = job.spec?.completions
    if (completions != null && (job.status?.succeeded ?? 0) > completions) {
      recorder.event(
        job,
        'Warning',
        'TooManySucceededPods',
        'Too many succeeded pods running after completion count reached'
      )
    }
    recorder.event(job, 'Normal', 'Completed', 'Job completed')
  } else {
    recorder.event(job, 'Warning', reasonOf(c), messageOf(c))
  }
}

/** Removes the tracking finalizer from `pods`; a pod that is gone counts as done. */
async function removeFinalizers(
  deps: TrackingDeps,
  key: string,
  pods: PodObj[],
  withFinalizer: Set<string>
): Promise<unknown> {
  if (pods.length === 0) return undefined
  let expected = deps.finalizerExpectations.get(key)
  if (!expected) deps.finalizerExpectations.set(key, (expected = new Set()))
  for (const p of pods) expected.add(p.metadata.uid ?? '')
  const results = await Promise.all(
    pods.map(async (pod) => {
      const uid = pod.metadata.uid ?? ''
      try {
        await removeTrackingFinalizer(deps.client, pod)
        withFinalizer.delete(uid)
        return undefined
      } catch (err) {
        expected.delete(uid)
        if (isNotFound(err)) {
          withFinalizer.delete(uid)
          return undefined
        }
        return err
      }
    })
  )
  return results.find((e) => e !== undefined)
}

/** Patches the tracking finalizer off `pod` (409 when the pod changed since it was read). */
export async function removeTrackingFinalizer(client: ApiClient, pod: PodObj): Promise<void> {
  const rest = (pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER)
  await client.patch(POD_TYPE, pod.metadata.namespace, pod.metadata.name!, 'merge', {
    metadata: {
      finalizers: rest.length > 0 ? rest : null,
      resourceVersion: pod.metadata.resourceVersion
    }
  })
}

/** Writes the Job's status (PUT status with its resourceVersion) and keeps the answer. */
async function writeStatus(deps: TrackingDeps, ctx: SyncJobCtx): Promise<void> {
  const job = structuredClone(ctx.job)
  job.status = cleanStatus(job.status ?? {}, ctx)
  const written = await deps.client.updateStatus<JobObj>(job)
  ctx.job = structuredClone(written)
  // Later steps of this sync go on from what was written.
  ctx.job.status ??= {}
}

/** The status as Kubernetes serialises it: zero counters omitted, `ready`/`terminating` kept. */
function cleanStatus(status: JobStatus, ctx: SyncJobCtx): JobStatus {
  const out: JobStatus = {}
  if (status.conditions?.length) out.conditions = status.conditions
  if (status.startTime) out.startTime = status.startTime
  if (status.completionTime) out.completionTime = status.completionTime
  if (ctx.active) out.active = ctx.active
  if (status.succeeded) out.succeeded = status.succeeded
  if (status.failed) out.failed = status.failed
  if (status.completedIndexes) out.completedIndexes = status.completedIndexes
  if (status.failedIndexes !== undefined) out.failedIndexes = status.failedIndexes
  const u = status.uncountedTerminatedPods ?? {}
  out.uncountedTerminatedPods = {}
  if (u.succeeded?.length) out.uncountedTerminatedPods.succeeded = u.succeeded
  if (u.failed?.length) out.uncountedTerminatedPods.failed = u.failed
  out.ready = ctx.ready
  out.terminating = ctx.terminating
  return out
}
