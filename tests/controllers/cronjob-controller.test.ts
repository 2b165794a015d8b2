import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startCronJobController } from '../../src/main/controllers/cronjob/cronjob-controller'
import { createFakeClock, type FakeClock } from '../../src/main/controllers/shared/clock'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'

const JOB = { apiVersion: 'batch/v1', kind: 'Job' }
const CRONJOB = { apiVersion: 'batch/v1', kind: 'CronJob' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'
const MINUTE = 60_000

const cronJob = (name: string, schedule: string, spec: Json = {}): Json => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name, namespace: NS },
  spec: {
    schedule,
    ...spec,
    jobTemplate: {
      metadata: { labels: { app: name } },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] }
        }
      }
    }
  }
})

let f: ControllerFixture
let clock: FakeClock
let controller: RunningController

beforeAll(async () => {
  f = await startControllerFixture()
})
// Each test gets its own fake clock (it only moves forward) and so its own controller.
beforeEach(async () => {
  clock = createFakeClock(Date.now())
  controller = startCronJobController({ client: f.client, log: f.log, clock, timeZone: 'UTC' })
  await controller.ready
})
afterEach(async () => {
  await controller?.stop()
})
afterAll(async () => {
  await f?.close()
})

const jobsOf = async (cj: string): Promise<Json[]> =>
  (await f.client.list(JOB, { namespace: NS, labelSelector: `app=${cj}` })).items
    .filter((j: Json) => !j.metadata.deletionTimestamp)
    .sort((a: Json, b: Json) => a.metadata.name.localeCompare(b.metadata.name))
const getCronJob = (name: string): Promise<Json> => f.client.get(CRONJOB, NS, name)
const eventsOf = async (name: string): Promise<Json[]> =>
  (await f.client.list(EVENT, { namespace: NS })).items.filter(
    (e: Json) => e.involvedObject.name === name
  )
const minuteAfter = (ms: number): number => Math.floor(ms / MINUTE) * MINUTE + MINUTE
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')

/** Creates the CronJob and moves the clock to its creation; answers the first schedule minute. */
async function create(obj: Json): Promise<number> {
  const created: Json = await f.client.create(obj)
  clock.set(Date.parse(created.metadata.creationTimestamp))
  return minuteAfter(clock.now())
}

/** Moves the clock just past `ms` and waits for the CronJob to have `count` Jobs. */
async function runAt(ms: number, cj: string, count: number): Promise<Json[]> {
  clock.set(ms + 1000)
  return until(`${count} jobs of ${cj}`, async () => {
    const jobs = await jobsOf(cj)
    return jobs.length === count && jobs
  })
}

/** Marks a Job finished, as the Job controller would. */
async function finishJob(job: Json, type: 'Complete' | 'Failed', at: number): Promise<void> {
  const status: Json = {
    startTime: stamp(at),
    conditions: [{ type, status: 'True', lastTransitionTime: stamp(at + 1000) }]
  }
  if (type === 'Complete') status.completionTime = stamp(at + 1000)
  await f.client.patch(JOB, NS, job.metadata.name, 'merge', { status }, { subresource: 'status' })
}

describe('cronjob controller', () => {
  it('creates a Job at each scheduled minute, named by the minute, and tracks it in status', async () => {
    const first = await create(cronJob('tick', '* * * * *'))
    clock.set(first - 1000)
    await new Promise((r) => setTimeout(r, 100))
    expect(await jobsOf('tick')).toHaveLength(0)

    const [job] = await runAt(first, 'tick', 1)
    const cj = await getCronJob('tick')
    expect(job.metadata.name).toBe(`tick-${first / MINUTE}`)
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(
      stamp(first)
    )
    expect(job.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'tick',
        uid: cj.metadata.uid,
        controller: true,
        blockOwnerDeletion: true
      }
    ])
    const status = await until('status.active', async () => {
      const s = (await getCronJob('tick')).status
      return s?.active?.length === 1 && s
    })
    expect(status.active[0]).toMatchObject({
      kind: 'Job',
      name: job.metadata.name,
      uid: job.metadata.uid
    })
    expect(status.lastScheduleTime).toBe(stamp(first))

    const jobs = await runAt(first + MINUTE, 'tick', 2)
    expect(jobs.map((j: Json) => j.metadata.name)).toEqual([
      `tick-${first / MINUTE}`,
      `tick-${first / MINUTE + 1}`
    ])
    const created = await until('2 SuccessfulCreate events', async () => {
      const e = (await eventsOf('tick')).filter((x) => x.reason === 'SuccessfulCreate')
      return e.length === 2 && e
    })
    expect(created.map((e: Json) => e.message).sort()).toEqual(
      jobs.map((j: Json) => `Created job ${j.metadata.name}`)
    )
    await f.client.patch(CRONJOB, NS, 'tick', 'merge', { spec: { suspend: true } })
  })

  it('reads the schedule in spec.timeZone and stamps the scheduled time in that zone', async () => {
    // Minute 30 of every hour in Kolkata (UTC+05:30) is minute 0 of an hour in UTC.
    const start = await create(cronJob('kolkata', '30 * * * *', { timeZone: 'Asia/Kolkata' }))
    const hour = Math.ceil(start / 3_600_000) * 3_600_000
    clock.set(hour - MINUTE)
    await new Promise((r) => setTimeout(r, 100))
    expect(await jobsOf('kolkata')).toHaveLength(0)
    const [job] = await runAt(hour, 'kolkata', 1)
    expect(job.metadata.name).toBe(`kolkata-${hour / MINUTE}`)
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toMatch(
      /:30:00\+05:30$/
    )
    await f.client.patch(CRONJOB, NS, 'kolkata', 'merge', { spec: { suspend: true } })
  })

  it('Forbid holds a run back while the previous Job is active', async () => {
    const first = await create(cronJob('forbid', '* * * * *', { concurrencyPolicy: 'Forbid' }))
    const [job] = await runAt(first, 'forbid', 1)
    clock.set(first + MINUTE + 1000)
    await until('JobAlreadyActive', async () =>
      (await eventsOf('forbid')).some(
        (e) =>
          e.reason === 'JobAlreadyActive' &&
          e.message ===
            'Not starting job because prior execution is running and concurrency policy is Forbid'
      )
    )
    expect(await jobsOf('forbid')).toHaveLength(1)
    // Once it finishes, the run it held back starts (there is no startingDeadlineSeconds).
    await finishJob(job, 'Complete', first)
    const jobs = await until('the held-back run', async () => {
      const j = await jobsOf('forbid')
      return j.length === 2 && j
    })
    expect(jobs[1].metadata.name).toBe(`forbid-${first / MINUTE + 1}`)
    const status = await until('lastSuccessfulTime', async () => {
      const s = (await getCronJob('forbid')).status
      return s?.lastSuccessfulTime && s
    })
    expect(status.lastSuccessfulTime).toBe(stamp(first + 1000))
    expect(status.active.map((r: Json) => r.name)).toEqual([jobs[1].metadata.name])
    await until('SawCompletedJob', async () =>
      (await eventsOf('forbid')).some(
        (e) =>
          e.reason === 'SawCompletedJob' &&
          e.message === `Saw completed job: ${job.metadata.name}, status: Complete`
      )
    )
    await f.client.patch(CRONJOB, NS, 'forbid', 'merge', { spec: { suspend: true } })
  })

  it('Forbid with startingDeadlineSeconds drops a run held back too long', async () => {
    const first = await create(
      cronJob('forbid-late', '* * * * *', {
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 20
      })
    )
    const [job] = await runAt(first, 'forbid-late', 1)
    clock.set(first + MINUTE + 1000)
    await until('JobAlreadyActive', async () =>
      (await eventsOf('forbid-late')).some((e) => e.reason === 'JobAlreadyActive')
    )
    // It finishes 30 s into the next minute: past the deadline, that run is dropped.
    clock.set(first + MINUTE + 30_000)
    await finishJob(job, 'Complete', first)
    await until(
      'off the active list',
      async () => !(await getCronJob('forbid-late')).status?.active
    )
    await new Promise((r) => setTimeout(r, 200))
    expect(await jobsOf('forbid-late')).toHaveLength(1)
    const jobs = await runAt(first + 2 * MINUTE, 'forbid-late', 2)
    expect(jobs[1].metadata.name).toBe(`forbid-late-${first / MINUTE + 2}`)
    await f.client.patch(CRONJOB, NS, 'forbid-late', 'merge', { spec: { suspend: true } })
  })

  it('Replace deletes the active Job and starts the new one', async () => {
    const first = await create(cronJob('replace', '* * * * *', { concurrencyPolicy: 'Replace' }))
    const [old] = await runAt(first, 'replace', 1)
    const [fresh] = await until('the old job replaced', async () => {
      clock.set(first + MINUTE + 1000)
      const jobs = await jobsOf('replace')
      return jobs.length === 1 && jobs[0].metadata.name !== old.metadata.name && jobs
    })
    expect(fresh.metadata.name).toBe(`replace-${first / MINUTE + 1}`)
    const status = await until('active is the new job', async () => {
      const s = (await getCronJob('replace')).status
      return s?.active?.length === 1 && s.active[0].uid === fresh.metadata.uid && s
    })
    expect(status.active).toHaveLength(1)
    expect((await eventsOf('replace')).map((e: Json) => e.message)).toContain(
      `Deleted job ${old.metadata.name}`
    )
    await f.client.patch(CRONJOB, NS, 'replace', 'merge', { spec: { suspend: true } })
  })

  it('keeps successfulJobsHistoryLimit Complete and failedJobsHistoryLimit Failed Jobs', async () => {
    const first = await create(
      cronJob('history', '* * * * *', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 })
    )
    const outcomes: ('Complete' | 'Failed')[] = [
      'Complete',
      'Failed',
      'Complete',
      'Failed',
      'Complete'
    ]
    const names: string[] = []
    for (const [i, outcome] of outcomes.entries()) {
      const at = first + i * MINUTE
      const jobs = await runAt(at, 'history', Math.min(i, 3) + 1)
      const job = jobs.find((j: Json) => !names.includes(j.metadata.name))
      names.push(job.metadata.name)
      await finishJob(job, outcome, at)
      await until(
        'the job off the active list',
        async () => !(await getCronJob('history')).status?.active
      )
    }
    // Newest two Complete (runs 2 and 4) and the newest Failed (run 3) stay.
    const left = await until('history pruned', async () => {
      const jobs = await jobsOf('history')
      return jobs.length === 3 && jobs
    })
    expect(left.map((j: Json) => j.metadata.name).sort()).toEqual(
      [names[2], names[3], names[4]].sort()
    )
    const deleted = (await eventsOf('history')).filter((e: Json) => e.reason === 'SuccessfulDelete')
    expect(deleted.map((e: Json) => e.message).sort()).toEqual(
      [`Deleted job ${names[0]}`, `Deleted job ${names[1]}`].sort()
    )
    await f.client.patch(CRONJOB, NS, 'history', 'merge', { spec: { suspend: true } })
  })

  it('creates nothing while suspended, nor when startingDeadlineSeconds has passed', async () => {
    const first = await create(cronJob('paused', '* * * * *', { suspend: true }))
    clock.set(first + 1000)
    await new Promise((r) => setTimeout(r, 200))
    expect(await jobsOf('paused')).toHaveLength(0)
    // Resumed within the minute, it starts the run it skipped.
    await f.client.patch(CRONJOB, NS, 'paused', 'merge', { spec: { suspend: false } })
    const [resumed] = await until('a job after resuming', async () => {
      const jobs = await jobsOf('paused')
      return jobs.length === 1 && jobs
    })
    expect(resumed.metadata.name).toBe(`paused-${first / MINUTE}`)
    await f.client.patch(CRONJOB, NS, 'paused', 'merge', { spec: { suspend: true } })

    // Hourly at a minute five minutes ahead of the clock: the clock may already be up to a
    // minute past the CronJob's creation (above), and no schedule time may fall in between.
    const minute = (new Date(clock.now()).getUTCMinutes() + 5) % 60
    const start = await create(
      cronJob('late', `${minute} * * * *`, { startingDeadlineSeconds: 30 })
    )
    const due = start + ((minute - new Date(start).getUTCMinutes() + 60) % 60) * MINUTE
    // The controller looks only 40 s after the schedule time: too late to start.
    clock.set(due + 40_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(await jobsOf('late')).toHaveLength(0)
    // The next one, seen in time, runs.
    const [job] = await runAt(due + 60 * MINUTE, 'late', 1)
    expect(job.metadata.name).toBe(`late-${due / MINUTE + 60}`)
  })
})
