/**
 * A CronJob's finished Jobs (`cleanupFinishedJobs`, `deleteJob`): beyond
 * `successfulJobsHistoryLimit` Complete and `failedJobsHistoryLimit` Failed Jobs, the oldest (by
 * start time) are deleted in the background, each with a SuccessfulDelete event.
 */
import type { ApiClient } from '../../apiserver/client'
import type { EventRecorder } from '../../observe/event-recorder'
import { byStartTime, finishedStatus, type CronJobObj, type JobObj } from './cronjob-utils'
import { isNotFound } from '../shared/api-errors'

const JOB_TYPE = { apiVersion: 'batch/v1', kind: 'Job' }

interface HistoryDeps {
  client: ApiClient
  recorder: EventRecorder
}

/** Deletes `job` (propagation Background) and drops it from `status.active`; false on error. */
export async function deleteJob(deps: HistoryDeps, cj: CronJobObj, job: JobObj): Promise<boolean> {
  try {
    await deps.client.delete(JOB_TYPE, job.metadata.namespace, job.metadata.name!, {
      propagationPolicy: 'Background'
    })
  } catch (err) {
    if (!isNotFound(err)) {
      deps.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`)
      return false
    }
  }
  if (cj.status?.active)
    cj.status.active = cj.status.active.filter((r) => r.uid !== job.metadata.uid)
  deps.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`)
  return true
}

/** Prunes the finished Jobs of `cj` to its history limits. */
export async function cleanupFinishedJobs(
  deps: HistoryDeps,
  cj: CronJobObj,
  jobs: JobObj[]
): Promise<void> {
  const successLimit = cj.spec?.successfulJobsHistoryLimit
  const failedLimit = cj.spec?.failedJobsHistoryLimit
  const live = jobs.filter((j) => !j.metadata.deletionTimestamp)
  if (successLimit != null) {
    await removeOldest(
      deps,
      cj,
      live.filter((j) => finishedStatus(j) === 'Complete'),
      successLimit
    )
  }
  if (failedLimit != null) {
    await removeOldest(
      deps,
      cj,
      live.filter((j) => finishedStatus(j) === 'Failed'),
      failedLimit
    )
  }
}

async function removeOldest(
  deps: HistoryDeps,
  cj: CronJobObj,
  jobs: JobObj[],
  keep: number
): Promise<void> {
  const extra = jobs.length - keep
  if (extra <= 0) return
  for (const job of [...jobs].sort(byStartTime).slice(0, extra)) await deleteJob(deps, cj, job)
}
