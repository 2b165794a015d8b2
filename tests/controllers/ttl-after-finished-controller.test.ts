import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeClock, type FakeClock } from '../../src/main/controllers/shared/clock'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startTtlAfterFinishedController } from '../../src/main/controllers/ttl-after-finished-controller'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'

const JOB = { apiVersion: 'batch/v1', kind: 'Job' }
const NS = 'default'

const job = (name: string, ttl?: number): Json => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: NS },
  spec: {
    ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }),
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }
  }
})

let f: ControllerFixture
let clock: FakeClock
let controller: RunningController
const finishedAt = Date.parse('2026-01-01T00:00:00Z')

beforeAll(async () => {
  f = await startControllerFixture()
  clock = createFakeClock(finishedAt)
  controller = startTtlAfterFinishedController({ client: f.client, log: f.log, clock })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const finish = (name: string, type: 'Complete' | 'Failed'): Promise<unknown> =>
  f.client.patch(
    JOB,
    NS,
    name,
    'merge',
    {
      status: {
        startTime: '2025-12-31T23:59:00Z',
        conditions: [{ type, status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        ...(type === 'Complete' ? { completionTime: '2026-01-01T00:00:00Z' } : {})
      }
    },
    { subresource: 'status' }
  )
const deleting = async (name: string): Promise<Json | undefined> => {
  const j: Json = await f.client.get(JOB, NS, name).catch(() => undefined)
  return j?.metadata.deletionTimestamp ? j : undefined
}

describe('ttl-after-finished controller', () => {
  it('deletes finished Jobs ttlSecondsAfterFinished after they finished, cascading in the foreground', async () => {
    await f.client.create(job('done', 60))
    await f.client.create(job('broken', 30))
    await f.client.create(job('keep'))
    await f.client.create(job('running', 1))
    await finish('done', 'Complete')
    await finish('broken', 'Failed')
    await finish('keep', 'Complete')

    clock.set(finishedAt + 29_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(await deleting('broken')).toBeUndefined()

    clock.set(finishedAt + 31_000)
    const broken = await until('the failed job deleted', () => deleting('broken'))
    // Foreground: the garbage collector deletes its pods, then the Job.
    expect(broken.metadata.finalizers).toContain('foregroundDeletion')
    expect(await deleting('done')).toBeUndefined()

    clock.set(finishedAt + 61_000)
    await until('the complete job deleted', () => deleting('done'))
    await new Promise((r) => setTimeout(r, 200))
    expect(await deleting('keep')).toBeUndefined()
    expect(await deleting('running')).toBeUndefined()
  })

  it('uses the TTL of the live Job when it changed', async () => {
    await f.client.create(job('extended', 90))
    await finish('extended', 'Complete')
    await f.client.patch(JOB, NS, 'extended', 'merge', { spec: { ttlSecondsAfterFinished: 3600 } })
    clock.set(finishedAt + 91_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(await deleting('extended')).toBeUndefined()
    clock.set(finishedAt + 3_601_000)
    await until('deleted after the new TTL', () => deleting('extended'))
  })
})
