import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startJobController } from '../../src/main/controllers/job/job-controller'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import {
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const JOB = { apiVersion: 'batch/v1', kind: 'Job' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'

const job = (name: string, spec: Json = {}, restartPolicy = 'Never'): Json => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: NS },
  spec: {
    ...spec,
    template: {
      spec: { restartPolicy, containers: [{ name: 'c', image: 'busybox' }] }
    }
  }
})

let f: ControllerFixture
let controller: RunningController

beforeAll(async () => {
  f = await startControllerFixture()
  // A short back-off keeps the failure test quick; times have second precision, so not shorter.
  controller = startJobController({ client: f.client, log: f.log, podFailureBackoffMs: 1500 })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const podsOf = async (name: string, all = false): Promise<Json[]> =>
  (
    await f.client.list(POD, {
      namespace: NS,
      labelSelector: `batch.kubernetes.io/job-name=${name}`
    })
  ).items.filter((p: Json) => all || !p.metadata.deletionTimestamp)
const activePods = async (name: string): Promise<Json[]> =>
  (await podsOf(name)).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase))
const getJob = (name: string): Promise<Json> => f.client.get(JOB, NS, name)
const condition = (j: Json, type: string): Json =>
  j.status?.conditions?.find((c: Json) => c.type === type)
const eventsOf = async (name: string): Promise<Json[]> =>
  (await f.client.list(EVENT, { namespace: NS })).items.filter(
    (e: Json) => e.involvedObject.name === name
  )
const finish = (pod: Json, phase: 'Succeeded' | 'Failed'): Promise<unknown> =>
  f.client.patch(
    POD,
    NS,
    pod.metadata.name,
    'merge',
    { status: { phase } },
    { subresource: 'status' }
  )

describe('job controller', () => {
  it('runs completions 3 with parallelism 2, never more than 2 active, then Complete', async () => {
    const created: Json = await f.client.create(job('pi', { completions: 3, parallelism: 2 }))
    let maxActive = 0
    const finished = new Set<string>()
    const done = await until('the job complete', async () => {
      const active = await activePods('pi')
      maxActive = Math.max(maxActive, active.length)
      // Finish one pod at a time, as a kubelet would.
      if (active[0] && !finished.has(active[0].metadata.name)) {
        finished.add(active[0].metadata.name)
        await finish(active[0], 'Succeeded')
      }
      const j = await getJob('pi')
      return condition(j, 'Complete')?.status === 'True' && j
    })
    expect(maxActive).toBe(2)
    expect(finished.size).toBe(3)
    expect(done.status.succeeded).toBe(3)
    expect(done.status.active).toBeUndefined()
    expect(done.status.completionTime).toBeTruthy()
    expect(done.status.uncountedTerminatedPods).toEqual({})
    expect(condition(done, 'SuccessCriteriaMet')).toMatchObject({
      status: 'True',
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods'
    })
    const pod = (await podsOf('pi'))[0]
    expect(pod.metadata.name).toMatch(/^pi-[a-z0-9]{5}$/)
    expect(pod.metadata.labels).toMatchObject({
      'batch.kubernetes.io/job-name': 'pi',
      'job-name': 'pi',
      'batch.kubernetes.io/controller-uid': created.metadata.uid,
      'controller-uid': created.metadata.uid
    })
    expect(pod.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: 'pi',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true
      }
    ])
    // Counted pods lose the tracking finalizer.
    await until('finalizers removed', async () =>
      (await podsOf('pi')).every(
        (p) => !p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')
      )
    )
    const events = await until('Completed event', async () => {
      const e = await eventsOf('pi')
      return e.some((x) => x.reason === 'Completed') && e
    })
    expect(events.find((e: Json) => e.reason === 'Completed').message).toBe('Job completed')
    expect(events.filter((e: Json) => e.reason === 'SuccessfulCreate')).toHaveLength(3)
    expect(events[0].source.component).toBe('job-controller')
  })

  it('counts ready pods', async () => {
    await f.client.create(job('ready'))
    const [pod] = await until('a pod', async () => {
      const p = await podsOf('ready')
      return p.length === 1 && p
    })
    await markReady(f.client, NS, pod.metadata.name)
    await until('status.ready 1', async () => (await getJob('ready')).status?.ready === 1)
    expect((await getJob('ready')).status.active).toBe(1)
  })

  it('fails with BackoffLimitExceeded once failures pass backoffLimit 1', async () => {
    await f.client.create(job('flaky', { backoffLimit: 1 }))
    const failedPods = new Set<string>()
    const failedAt: number[] = []
    const seenAt: number[] = []
    const failed = await until('the job failed', async () => {
      for (const p of await activePods('flaky')) {
        if (failedPods.has(p.metadata.name)) continue
        seenAt.push(Date.now())
        failedPods.add(p.metadata.name)
        await finish(p, 'Failed')
        failedAt.push(Date.now())
      }
      const j = await getJob('flaky')
      return condition(j, 'Failed')?.status === 'True' && j
    })
    expect(failedPods.size).toBe(2)
    // The replacement waited for the back-off (1.5 s from a failure time rounded down to seconds).
    expect(seenAt[1] - failedAt[0]).toBeGreaterThanOrEqual(400)
    expect(failed.status.failed).toBe(2)
    expect(condition(failed, 'FailureTarget')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded'
    })
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit'
    })
    expect(failed.status.completionTime).toBeUndefined()
    const events = await until('the warning event', async () => {
      const e = (await eventsOf('flaky')).filter((x) => x.reason === 'BackoffLimitExceeded')
      return e.length === 1 && e
    })
    expect(events[0]).toMatchObject({
      type: 'Warning',
      message: 'Job has reached the specified backoff limit'
    })
    // No third pod: the back-off limit stops replacements.
    expect(await podsOf('flaky', true)).toHaveLength(2)
  })

  it('counts container restarts toward backoffLimit with restartPolicy OnFailure', async () => {
    await f.client.create(job('restarts', { backoffLimit: 2 }, 'OnFailure'))
    const [pod] = await until('a pod', async () => {
      const p = await podsOf('restarts')
      return p.length === 1 && p
    })
    await f.client.patch(
      POD,
      NS,
      pod.metadata.name,
      'merge',
      {
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'c',
              image: 'busybox',
              imageID: '',
              ready: false,
              restartCount: 2,
              state: { running: {} }
            }
          ]
        }
      },
      { subresource: 'status' }
    )
    const failed = await until('the job failed', async () => {
      const j = await getJob('restarts')
      return condition(j, 'Failed')?.status === 'True' && j
    })
    expect(condition(failed, 'Failed').reason).toBe('BackoffLimitExceeded')
    await until(
      'the running pod deleted',
      async () => (await podsOf('restarts', true)).length === 0
    )
  })

  it('fails with DeadlineExceeded after activeDeadlineSeconds and deletes the active pods', async () => {
    await f.client.create(job('slow', { activeDeadlineSeconds: 1, parallelism: 2, completions: 4 }))
    await until('2 pods', async () => (await podsOf('slow')).length === 2)
    const failed = await until(
      'the job failed',
      async () => {
        const j = await getJob('slow')
        return condition(j, 'Failed')?.status === 'True' && j
      },
      5000
    )
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline'
    })
    expect(await podsOf('slow', true)).toHaveLength(0)
    expect(failed.status.failed).toBe(2)
    expect(failed.status.active).toBeUndefined()
    const reasons = (await eventsOf('slow')).map((e: Json) => e.reason)
    expect(reasons.filter((r: string) => r === 'SuccessfulDelete')).toHaveLength(2)
    await until('DeadlineExceeded event', async () =>
      (await eventsOf('slow')).some((e) => e.reason === 'DeadlineExceeded' && e.type === 'Warning')
    )
  })

  it('suspend deletes the active pods without counting failures; resume starts them again', async () => {
    await f.client.create(job('pause', { parallelism: 2, completions: 2 }))
    await until('2 pods', async () => (await podsOf('pause')).length === 2)
    await f.client.patch(JOB, NS, 'pause', 'merge', { spec: { suspend: true } })
    const suspended = await until('suspended with no pods', async () => {
      const j = await getJob('pause')
      return (
        condition(j, 'Suspended')?.status === 'True' &&
        (await podsOf('pause', true)).length === 0 &&
        j
      )
    })
    expect(condition(suspended, 'Suspended')).toMatchObject({
      reason: 'JobSuspended',
      message: 'Job suspended'
    })
    await until('status.active 0', async () => !(await getJob('pause')).status.active)
    expect((await getJob('pause')).status.failed).toBeUndefined()
    await f.client.patch(JOB, NS, 'pause', 'merge', { spec: { suspend: false } })
    await until('2 pods again', async () => (await podsOf('pause')).length === 2)
    const resumed = await until('resumed', async () => {
      const j = await getJob('pause')
      return condition(j, 'Suspended')?.status === 'False' && j
    })
    expect(condition(resumed, 'Suspended').reason).toBe('JobResumed')
    const reasons = (await eventsOf('pause')).map((e: Json) => e.reason)
    expect(reasons).toEqual(expect.arrayContaining(['Suspended', 'Resumed', 'SuccessfulDelete']))
  })

  it('runs an Indexed job with one pod per completion index', async () => {
    await f.client.create(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }))
    const pods = await until('3 pods', async () => {
      const p = await podsOf('idx')
      return p.length === 3 && p
    })
    const byIndex = new Map(
      pods.map((p: Json) => [p.metadata.annotations['batch.kubernetes.io/job-completion-index'], p])
    )
    expect([...byIndex.keys()].sort()).toEqual(['0', '1', '2'])
    for (const [i, p] of byIndex) {
      expect(p.metadata.name).toMatch(new RegExp(`^idx-${i}-[a-z0-9]{5}$`))
      expect(p.spec.hostname).toBe(`idx-${i}`)
      expect(p.metadata.labels['batch.kubernetes.io/job-completion-index']).toBe(i)
    }
    await finish(byIndex.get('2'), 'Succeeded')
    await until(
      'completedIndexes 2',
      async () => (await getJob('idx')).status?.completedIndexes === '2'
    )
    await finish(byIndex.get('0'), 'Succeeded')
    await finish(byIndex.get('1'), 'Succeeded')
    const done = await until('complete', async () => {
      const j = await getJob('idx')
      return condition(j, 'Complete')?.status === 'True' && j
    })
    expect(done.status.completedIndexes).toBe('0-2')
    expect(done.status.succeeded).toBe(3)
  })

  it('adopts a matching orphan pod with manualSelector, adding the tracking finalizer', async () => {
    await f.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', namespace: NS, labels: { app: 'manual' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] }
    })
    const manual: Json = await f.client.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'manual', namespace: NS },
      spec: {
        manualSelector: true,
        selector: { matchLabels: { app: 'manual' } },
        template: {
          metadata: { labels: { app: 'manual' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] }
        }
      }
    })
    const stray: Json = await until('the orphan adopted', async () => {
      const p: Json = await f.client.get(POD, NS, 'stray')
      return p.metadata.ownerReferences?.[0]?.uid === manual.metadata.uid && p
    })
    expect(stray.metadata.finalizers).toContain('batch.kubernetes.io/job-tracking')
    await new Promise((r) => setTimeout(r, 200))
    // The adopted pod is the one pod parallelism 1 wants: none is created.
    const pods = (await f.client.list(POD, { namespace: NS, labelSelector: 'app=manual' })).items
    expect(pods.map((p: Json) => p.metadata.name)).toEqual(['stray'])
    await finish(stray, 'Succeeded')
    await until(
      'complete',
      async () => condition(await getJob('manual'), 'Complete')?.status === 'True'
    )
  })
})
