/**
 * The CronJob controller (kube-controller-manager's `pkg/controller/cronjob`, ControllerV2):
 * creates a Job from `spec.jobTemplate` at each schedule time, read in `spec.timeZone` (else the
 * controller manager's own zone), unless suspended or later than `startingDeadlineSeconds`.
 * `concurrencyPolicy` Forbid skips a run while one is active, Replace deletes the active ones
 * first. Finished Jobs beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` are deleted
 * oldest first. Status keeps `active`, `lastScheduleTime` and `lastSuccessfulTime`. Each CronJob
 * is looked at again just after its next schedule time, measured on an injectable clock.
 */
import type { ApiClient } from '../../apiserver/client'
import type { ComponentLog } from '../../observe/component-log'
import { createEventRecorder, type EventRecorder } from '../../observe/event-recorder'
import { createDelayedAdder, realClock, type Clock, type DelayedAdder } from '../shared/clock'
import { CONTROLLER_UID_INDEX, controllerUidOf, getControllerOf } from '../shared/controller-ref'
import { createInformerFactory, type InformerFactory } from '../shared/informer-factory'
import { keyOf, type Informer } from '../shared/informer'
import { startController, type RunningController } from '../shared/run-workers'
import { createWorkQueue } from '../shared/work-queue'
import { isValidTimeZone, localTimeZone, parseCronSchedule } from './cron-schedule'
import { cleanupFinishedJobs, deleteJob } from './cronjob-history'
import {
  MAX_MISSED,
  finishedStatus,
  jobFromTemplate,
  jobNameFor,
  jobRef,
  mostRecentScheduleTime,
  nextScheduleDelay,
  type CronJobObj,
  type JobObj
} from './cronjob-utils'
import { isNotFound } from '../shared/api-errors'

/** The resource types the controller reads and writes. */
export const CRONJOB_TYPE = { apiVersion: 'batch/v1', kind: 'CronJob' }
const JOB_TYPE = { apiVersion: 'batch/v1', kind: 'Job' }
const COMPONENT = 'cronjob-controller'

/** Options of the controller. */
export interface CronJobControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-cron-job-syncs`). */
  workers?: number
  /** Time source (default the wall clock); tests pass a fake one. */
  clock?: Clock
  /** Zone of CronJobs without `spec.timeZone` (default: this process's local zone). */
  timeZone?: string
}

interface Deps {
  client: ApiClient
  recorder: EventRecorder
  clock: Clock
  delayer: DelayedAdder
  cronJobs: Informer<CronJobObj>
  jobs: Informer<JobObj>
  timeZone: string
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startCronJobController(o: CronJobControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const cronJobs = informers.informerFor<CronJobObj>(CRONJOB_TYPE)
  const jobs = informers.informerFor<JobObj>(JOB_TYPE, { [CONTROLLER_UID_INDEX]: controllerUidOf })
  const queue = createWorkQueue()
  const clock = o.clock ?? realClock
  const deps: Deps = {
    client: o.client,
    recorder: createEventRecorder(o.client, COMPONENT, o.log),
    clock,
    delayer: createDelayedAdder(queue, clock),
    cronJobs,
    jobs,
    timeZone: o.timeZone ?? localTimeZone()
  }
  const ownerOf = (job: JobObj): CronJobObj | undefined => {
    const ref = getControllerOf(job)
    if (!ref || ref.kind !== 'CronJob') return undefined
    const cj = cronJobs.store.get(`${job.metadata.namespace}/${ref.name}`)
    return cj && cj.metadata.uid === ref.uid ? cj : undefined
  }
  const enqueueOwner = (job: JobObj | undefined): void => {
    const cj = job && ownerOf(job)
    if (cj) queue.add(keyOf(cj))
  }
  const offs = [
    cronJobs.on('add', (_, cj) => queue.add(keyOf(cj))),
    cronJobs.on('update', (old, cj) => {
      if (
        old &&
        old !== cj &&
        (old.spec?.schedule !== cj.spec?.schedule || old.spec?.timeZone !== cj.spec?.timeZone)
      ) {
        // A new schedule: look again at its next time rather than now.
        try {
          const sched = parseCronSchedule(cj.spec?.schedule ?? '', zoneOf(deps, cj))
          const delay = nextScheduleDelay(cj, clock.now(), sched)
          if (delay !== undefined) deps.delayer.addAfter(keyOf(cj), delay)
        } catch {
          deps.recorder.event(
            cj,
            'Warning',
            'UnParseableCronJobSchedule',
            `unparseable schedule for cronjob: ${cj.spec?.schedule}`
          )
        }
        return
      }
      queue.add(keyOf(cj))
    }),
    jobs.on('add', (_, job) => enqueueOwner(job)),
    jobs.on('update', (old, job) => {
      if (old === job) return
      if (old && ownerOf(old) !== ownerOf(job)) enqueueOwner(old)
      enqueueOwner(job)
    }),
    jobs.on('delete', (old, job) => enqueueOwner(old ?? job))
  ]
  const running = startController({
    kind: 'CronJob',
    informers,
    ownInformers: own,
    queue,
    recorder: deps.recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: (key) => sync(deps, key),
    log: o.log
  })
  return {
    ready: running.ready,
    async stop() {
      deps.delayer.stop()
      await running.stop()
    }
  }
}

const zoneOf = (deps: Deps, cj: CronJobObj): string => cj.spec?.timeZone ?? deps.timeZone

/** One reconciliation: sync, prune history, write status, schedule the next look. */
async function sync(deps: Deps, key: string): Promise<void> {
  const cached = deps.cronJobs.store.get(key)
  if (!cached) return
  const children = deps.jobs.store.byIndex(CONTROLLER_UID_INDEX, cached.metadata.uid ?? '')
  const cj = structuredClone(cached)
  const now = deps.clock.now()
  const before = JSON.stringify(cj.status ?? {})
  let syncError: unknown
  let requeue: number | undefined
  try {
    requeue = await syncCronJob(deps, cj, children, now)
  } catch (err) {
    syncError = err
  }
  await cleanupFinishedJobs(deps, cj, children)
  if (JSON.stringify(cj.status ?? {}) !== before) {
    const status = cj.status ?? {}
    const out: Record<string, unknown> = {}
    if (status.active?.length) out.active = status.active
    if (status.lastScheduleTime) out.lastScheduleTime = status.lastScheduleTime
    if (status.lastSuccessfulTime) out.lastSuccessfulTime = status.lastSuccessfulTime
    await deps.client.updateStatus({ ...cj, status: out })
  }
  // The delay counts from the time the sync read, however long the sync took.
  if (requeue !== undefined) deps.delayer.addAfter(key, requeue, now)
  if (syncError) throw syncError
}

/** `syncCronJob`: updates `cj.status` in place; answers when to look again (ms). */
async function syncCronJob(
  deps: Deps,
  cj: CronJobObj,
  children: JobObj[],
  now: number
): Promise<number | undefined> {
  const { client, recorder } = deps
  const status = (cj.status ??= {})
  const inActive = (uid: string | undefined): boolean =>
    (status.active ?? []).some((r) => r.uid === uid)
  const dropActive = (uid: string | undefined): void => {
    status.active = (status.active ?? []).filter((r) => r.uid !== uid)
  }
  for (const job of children) {
    const finished = finishedStatus(job)
    if (!inActive(job.metadata.uid) && !finished) {
      // Maybe our cache is behind our own status write.
      const live = await client.get<CronJobObj>(
        CRONJOB_TYPE,
        cj.metadata.namespace,
        cj.metadata.name!
      )
      if ((live.status?.active ?? []).some((r) => r.uid === job.metadata.uid)) {
        status.active = live.status?.active
        continue
      }
      recorder.event(
        cj,
        'Warning',
        'UnexpectedJob',
        `Saw a job that the controller did not create or forgot: ${job.metadata.name}`
      )
    } else if (inActive(job.metadata.uid) && finished) {
      dropActive(job.metadata.uid)
      recorder.event(
        cj,
        'Normal',
        'SawCompletedJob',
        `Saw completed job: ${job.metadata.name}, status: ${finished}`
      )
    } else if (finished === 'Complete' && job.status?.completionTime) {
      const last = status.lastSuccessfulTime ? Date.parse(status.lastSuccessfulTime) : -Infinity
      if (Date.parse(job.status.completionTime) > last)
        status.lastSuccessfulTime = job.status.completionTime
    }
  }
  // An active Job that is gone must not keep the CronJob "active" for ever.
  const known = new Set(children.map((j) => j.metadata.uid))
  for (const ref of [...(status.active ?? [])]) {
    if (known.has(ref.uid)) continue
    try {
      await client.get(JOB_TYPE, ref.namespace, ref.name!)
    } catch (err) {
      if (!isNotFound(err)) throw err
      recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`)
      dropActive(ref.uid)
    }
  }
  if (cj.metadata.deletionTimestamp) return undefined
  const zone = zoneOf(deps, cj)
  if (cj.spec?.timeZone !== undefined && !isValidTimeZone(zone)) {
    recorder.event(
      cj,
      'Warning',
      'UnknownTimeZone',
      `invalid timeZone: "${zone}": unknown time zone ${zone}`
    )
    return undefined
  }
  if (cj.spec?.suspend === true) return undefined
  const schedule = cj.spec?.schedule ?? ''
  if (schedule.includes('TZ')) {
    recorder.event(
      cj,
      'Warning',
      'UnsupportedSchedule',
      `CRON_TZ or TZ used in schedule "${schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`
    )
  }
  let sched
  try {
    sched = parseCronSchedule(schedule, zone)
  } catch (err) {
    recorder.event(
      cj,
      'Warning',
      'UnparseableSchedule',
      `unparseable schedule: "${schedule}" : ${(err as Error).message}`
    )
    return undefined
  }
  const times = mostRecentScheduleTime(cj, now, sched, true)
  if (times.error) {
    recorder.event(
      cj,
      'Warning',
      'InvalidSchedule',
      `invalid schedule: ${schedule} : ${times.error}`
    )
    return undefined
  }
  const nextLook = (): number | undefined => nextScheduleDelay(cj, now, sched)
  const scheduled = times.mostRecent
  if (scheduled === undefined || scheduled > now) return nextLook()
  if (times.missed > MAX_MISSED) {
    recorder.event(
      cj,
      'Warning',
      'TooManyMissedTimes',
      `too many missed start times: ${times.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`
    )
  }
  const deadline = cj.spec?.startingDeadlineSeconds
  if (deadline != null && scheduled + deadline * 1000 < now) {
    recorder.event(
      cj,
      'Warning',
      'MissSchedule',
      `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString().replace('GMT', '+0000')}`
    )
    return nextLook()
  }
  const name = jobNameFor(cj, scheduled)
  const already = (status.active ?? []).some((r) => r.name === name)
  if (already || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled))
    return nextLook()
  if (cj.spec?.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
    recorder.event(
      cj,
      'Normal',
      'JobAlreadyActive',
      'Not starting job because prior execution is running and concurrency policy is Forbid'
    )
    return nextLook()
  }
  if (cj.spec?.concurrencyPolicy === 'Replace') {
    for (const ref of [...(status.active ?? [])]) {
      const job = await client.get<JobObj>(JOB_TYPE, ref.namespace, ref.name!)
      if (!(await deleteJob(deps, cj, job)))
        throw new Error(`could not replace job ${ref.namespace}/${ref.name}`)
    }
  }
  let created: JobObj
  try {
    created = await client.create<JobObj>(
      jobFromTemplate(cj, scheduled, cj.spec?.timeZone ?? 'UTC')
    )
    recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`)
  } catch (err) {
    if ((err as { code?: number }).code !== 409) {
      recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`)
      throw err
    }
    // Created before, but the status write was lost: record it now if it is ours.
    created = await client.get<JobObj>(JOB_TYPE, cj.metadata.namespace, name)
    if (getControllerOf(created)?.uid !== cj.metadata.uid || inActive(created.metadata.uid))
      return undefined
  }
  status.active = [...(status.active ?? []), jobRef(created)]
  status.lastScheduleTime = new Date(scheduled).toISOString().replace(/\.\d+Z$/, 'Z')
  return nextLook()
}
