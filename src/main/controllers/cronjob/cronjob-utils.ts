/**
 * CronJob arithmetic and the Jobs it makes (`pkg/controller/cronjob/utils.go`): the most recent
 * schedule time not yet run (bounded by `startingDeadlineSeconds`), when to look again, and the
 * Job for a scheduled time — named `<cronjob>-<minutes since the epoch>` and annotated with
 * `batch.kubernetes.io/cronjob-scheduled-timestamp`.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1'
import type { ObjectReference } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'
import { newControllerRef } from '../shared/controller-ref'
import { formatInZone, type CronSchedule } from './cron-schedule'

export type CronJobObj = CronJob & KubeObject
export type JobObj = Job & KubeObject

/** The annotation holding the time a Job was scheduled for. */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp'
/** How long after a schedule time the CronJob is looked at again (`nextScheduleDelta`). */
export const NEXT_SCHEDULE_DELTA_MS = 100
/** More missed schedules than this earn a TooManyMissedTimes warning. */
export const MAX_MISSED = 100

/** The outcome of `mostRecentScheduleTime`. */
export interface ScheduleTimes {
  /** Last schedule time, or creation time (or the deadline bound). */
  earliest: number
  /** The latest schedule time in (earliest, now], if any. */
  mostRecent?: number
  /** About how many schedule times were missed. */
  missed: number
  error?: string
}

const parseTime = (s: string | undefined): number => (s ? Date.parse(s) : NaN)

/** `mostRecentScheduleTime`; with `useDeadline`, nothing older than `startingDeadlineSeconds`. */
export function mostRecentScheduleTime(
  cj: CronJobObj,
  now: number,
  sched: CronSchedule,
  useDeadline: boolean
): ScheduleTimes {
  let earliest = parseTime(cj.status?.lastScheduleTime)
  if (Number.isNaN(earliest)) earliest = parseTime(cj.metadata.creationTimestamp)
  if (Number.isNaN(earliest)) earliest = now
  const deadline = cj.spec?.startingDeadlineSeconds
  if (useDeadline && deadline != null) earliest = Math.max(earliest, now - deadline * 1000)
  const t1 = sched.next(earliest)
  if (t1 === undefined || now < t1) return { earliest, missed: 0 }
  const t2 = sched.next(t1)
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 1 }
  const interval = Math.round((t2 - t1) / 1000)
  if (interval < 1) {
    return {
      earliest,
      missed: 0,
      error: 'time difference between two schedules is less than 1 second'
    }
  }
  // A rough count, as Kubernetes makes it: intervals of the first two schedules since t1.
  const missed = Math.floor((now - t1) / 1000 / interval) + 1
  // Start one interval early and let the schedule find the exact times from there.
  let mostRecent: number | undefined
  let t = sched.next(t1 + (missed - 2) * interval * 1000)
  for (let n = 0; t !== undefined && t <= now && n < 10_000; n++) {
    mostRecent = t
    t = sched.next(t)
  }
  return { earliest, mostRecent: mostRecent ?? t1, missed }
}

/** Milliseconds until the CronJob should be synced again (`nextScheduleTimeDuration`). */
export function nextScheduleDelay(
  cj: CronJobObj,
  now: number,
  sched: CronSchedule
): number | undefined {
  const times = mostRecentScheduleTime(cj, now, sched, false)
  const from = times.error ? now : (times.mostRecent ?? times.earliest)
  const next = sched.next(from)
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now
}

/** The name of the Job for `scheduled`: `<cronjob>-<minutes since the epoch>`. */
export function jobNameFor(cj: CronJobObj, scheduled: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`
}

/** The Job a CronJob runs at `scheduled` (`getJobFromTemplate2`). */
export function jobFromTemplate(cj: CronJobObj, scheduled: number, timeZone: string): JobObj {
  const template = structuredClone(cj.spec?.jobTemplate ?? {})
  const metadata: JobObj['metadata'] = {
    name: jobNameFor(cj, scheduled),
    namespace: cj.metadata.namespace,
    ownerReferences: [newControllerRef(cj)],
    annotations: {
      ...template.metadata?.annotations,
      [CRONJOB_SCHEDULED_TIMESTAMP]: formatInZone(scheduled, timeZone)
    }
  }
  if (template.metadata?.labels) metadata.labels = template.metadata.labels
  const job: JobObj = { apiVersion: 'batch/v1', kind: 'Job', metadata }
  if (template.spec) job.spec = template.spec
  return job
}

/** Complete or Failed, when the Job finished. */
export function finishedStatus(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type
  }
  return undefined
}

/** A reference to `job` for `status.active`. */
export function jobRef(job: JobObj): ObjectReference {
  const ref: ObjectReference = {
    kind: 'Job',
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: 'batch/v1'
  }
  if (job.metadata.resourceVersion) ref.resourceVersion = job.metadata.resourceVersion
  return ref
}

/** Orders Jobs oldest first by start time (unstarted last), then by name (`byJobStartTime`). */
export function byStartTime(a: Job, b: Job): number {
  const sa = parseTime(a.status?.startTime)
  const sb = parseTime(b.status?.startTime)
  if (Number.isNaN(sa) !== Number.isNaN(sb)) return Number.isNaN(sa) ? 1 : -1
  if (!Number.isNaN(sa) && sa !== sb) return sa - sb
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
}
