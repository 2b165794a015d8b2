/**
 * The pod garbage collector against a real API server, with passes every 100 ms and a 300 ms
 * quarantine: pods on a deleted node are marked Failed and force-deleted, pods on a live node
 * stay, and only the newest terminated pods beyond the threshold are kept (evicted ones go first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareForGc, startPodGcController } from '../../src/main/controllers/podgc-controller'
import { createInformerFactory } from '../../src/main/controllers/shared/informer-factory'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const NODE = { apiVersion: 'v1', kind: 'Node' }

let f: ControllerFixture
beforeAll(async () => {
  f = await startControllerFixture()
})
afterAll(async () => {
  await f?.close()
})

/** Runs `body` with a collector started with `threshold`; stops it afterwards. */
async function withPodGc(threshold: number, body: () => Promise<void>): Promise<void> {
  const informers = createInformerFactory(f.client)
  const gc: RunningController = startPodGcController({
    client: f.client,
    log: f.log,
    informers,
    terminatedPodGcThreshold: threshold,
    gcCheckPeriodMs: 100,
    quarantineMs: 300
  })
  await gc.ready
  try {
    await body()
  } finally {
    await gc.stop()
    informers.stop()
  }
}

const createPod = (ns: string, name: string, nodeName?: string): Promise<Json> =>
  f.client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] }
  })

const setStatus = (ns: string, name: string, status: Json): Promise<Json> =>
  f.client.patch(POD, ns, name, 'merge', { status }, { subresource: 'status' })

const podNames = async (ns: string): Promise<string[]> =>
  (await f.client.list<Json>(POD, { namespace: ns })).items.map((p) => p.metadata.name).sort()

const createNamespace = (name: string): Promise<Json> =>
  f.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })

describe('pod garbage collector', () => {
  it('force-deletes pods bound to a deleted node, marked Failed with DisruptionTarget', async () => {
    await createNamespace('orphans')
    await f.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'doomed' } })
    await f.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'alive' } })
    await createPod('orphans', 'on-doomed', 'doomed')
    await createPod('orphans', 'on-alive', 'alive')
    await setStatus('orphans', 'on-doomed', { phase: 'Running' })
    const seen: Json[] = []
    const watch = await f.client.watch(
      POD,
      { namespace: 'orphans', resourceVersion: '0' },
      (e) => void seen.push({ type: e.type, ...structuredClone(e.object) })
    )
    try {
      await withPodGc(0, async () => {
        await f.client.delete(NODE, undefined, 'doomed')
        await until(
          'on-doomed gone',
          async () => !(await podNames('orphans')).includes('on-doomed')
        )
      })
    } finally {
      watch.stop()
    }
    // Deleted at once (grace 0): a bound pod deleted gracefully would stay Terminating for 30 s.
    expect(await podNames('orphans')).toEqual(['on-alive'])
    const last = seen.filter((p) => p.metadata?.name === 'on-doomed').at(-1)
    expect(last.type).toBe('DELETED')
    expect(last.status.phase).toBe('Failed')
    expect(last.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByPodGC',
        message: 'PodGC: node no longer exists'
      })
    )
  })

  it('keeps only the newest terminated pods beyond the threshold, evicted ones deleted first', async () => {
    await createNamespace('finished')
    const terminated: [string, Json][] = [
      ['t0', { phase: 'Succeeded' }],
      ['t1', { phase: 'Failed' }],
      ['t2', { phase: 'Succeeded' }],
      ['t3', { phase: 'Failed' }],
      ['t4-evicted', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on memory.' }]
    ]
    for (const [name] of terminated) await createPod('finished', name)
    await createPod('finished', 'running')
    await setStatus('finished', 'running', { phase: 'Running' })
    for (const [name, status] of terminated) await setStatus('finished', name, status)

    await withPodGc(3, async () => {
      await until('2 pods collected', async () => (await podNames('finished')).length === 4)
      await new Promise((r) => setTimeout(r, 300)) // a few more passes change nothing
    })
    expect(await podNames('finished')).toEqual(['running', 't1', 't2', 't3'])
  })

  it('orders evicted first, then oldest, then by name', () => {
    const pod = (name: string, created: string, reason?: string): Json => ({
      metadata: { name, creationTimestamp: created },
      status: { phase: 'Failed', ...(reason ? { reason } : {}) }
    })
    const pods = [
      pod('b', '2024-01-01T00:00:02Z'),
      pod('a', '2024-01-01T00:00:02Z'),
      pod('new-evicted', '2024-01-01T00:00:09Z', 'Evicted'),
      pod('oldest', '2024-01-01T00:00:01Z')
    ]
    expect(pods.sort(compareForGc).map((p) => p.metadata.name)).toEqual([
      'new-evicted',
      'oldest',
      'a',
      'b'
    ])
  })
})
