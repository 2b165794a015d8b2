import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startStatefulSetController } from '../../src/main/controllers/statefulset/statefulset-controller'
import {
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'
// Long enough for a wrong controller to act on a change it should wait out.
const SETTLE_MS = 300

const statefulSet = (name: string, replicas: number, spec: Json = {}, podSpec: Json = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: NS },
  spec: {
    replicas,
    serviceName: `${name}-svc`,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...podSpec }
    },
    ...spec
  }
})

let f: ControllerFixture
let controller: RunningController

beforeAll(async () => {
  f = await startControllerFixture()
  controller = startStatefulSetController({ client: f.client, log: f.log })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS))
const getPod = async (name: string): Promise<Json | undefined> =>
  f.client.get(POD, NS, name).catch(() => undefined)
const getSts = (name: string): Promise<Json> => f.client.get(STS, NS, name)
/** Pods of the set, by name, terminating ones included. */
const podsOf = async (app: string): Promise<Json[]> =>
  (await f.client.list(POD, { namespace: NS, labelSelector: `app=${app}` })).items.sort(
    (a: Json, b: Json) => a.metadata.name.localeCompare(b.metadata.name)
  )
const names = async (app: string): Promise<string[]> =>
  (await podsOf(app)).map((p) => p.metadata.name)
const terminating = async (app: string): Promise<string[]> =>
  (await podsOf(app)).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name)
const messages = async (name: string, reason: string): Promise<string[]> =>
  (await f.client.list(EVENT, { namespace: NS })).items
    .filter((e: Json) => e.involvedObject.name === name && e.reason === reason)
    .map((e: Json) => e.message)
    .sort()
const revisionOf = async (pod: string): Promise<string | undefined> =>
  (await getPod(pod))?.metadata.labels['controller-revision-hash']
/** Removes a terminating pod, as its kubelet does once the containers stopped. */
const finishTermination = (pod: string) => f.client.delete(POD, NS, pod, { gracePeriodSeconds: 0 })

/** Records the order in which pods of `app` are added and deleted, from a watch. */
async function watchPods(app: string) {
  const added: string[] = []
  const deleted: string[] = []
  const handle = await f.client.watch(
    POD,
    { namespace: NS, labelSelector: `app=${app}`, resourceVersion: '0' },
    (e: Json) => {
      if (e.type === 'ADDED') added.push(e.object.metadata.name)
      if (e.type === 'DELETED') deleted.push(e.object.metadata.name)
    }
  )
  return { added, deleted, stop: () => handle.stop() }
}

/** Brings pods 0..n-1 of `app` up one by one, marking each Ready as a kubelet would. */
async function bringUp(app: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await until(`${app}-${i}`, () => getPod(`${app}-${i}`))
    await markReady(f.client, NS, `${app}-${i}`)
  }
  await until(`${app} ready`, async () => (await getSts(app)).status?.readyReplicas === n)
}

describe('statefulset controller', () => {
  it('OrderedReady creates web-0, then web-1 once web-0 is Ready, then web-2', async () => {
    const watch = await watchPods('web')
    const sts: Json = await f.client.create(statefulSet('web', 3))
    const web0 = await until('web-0', () => getPod('web-0'))
    expect(web0.metadata.labels).toMatchObject({
      app: 'web',
      'statefulset.kubernetes.io/pod-name': 'web-0',
      'apps.kubernetes.io/pod-index': '0'
    })
    expect(web0.metadata.labels['controller-revision-hash']).toMatch(/^web-[a-z0-9]+$/)
    expect(web0.spec.hostname).toBe('web-0')
    expect(web0.spec.subdomain).toBe('web-svc')
    expect(web0.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'web',
        uid: sts.metadata.uid,
        controller: true,
        blockOwnerDeletion: true
      }
    ])
    await settle()
    expect(await names('web')).toEqual(['web-0'])
    await markReady(f.client, NS, 'web-0')
    await until('web-1', () => getPod('web-1'))
    await settle()
    expect(await names('web')).toEqual(['web-0', 'web-1'])
    await markReady(f.client, NS, 'web-1')
    await until('web-2', () => getPod('web-2'))
    await markReady(f.client, NS, 'web-2')
    expect(watch.added).toEqual(['web-0', 'web-1', 'web-2'])
    watch.stop()
    await until('3 SuccessfulCreate events', async () => {
      return (await messages('web', 'SuccessfulCreate')).length === 3
    })
    expect(await messages('web', 'SuccessfulCreate')).toEqual([
      'create Pod web-0 in StatefulSet web successful',
      'create Pod web-1 in StatefulSet web successful',
      'create Pod web-2 in StatefulSet web successful'
    ])
  })

  it('reports the status kubectl rollout status reads', async () => {
    const status = await until('web status ready', async () => {
      const s = (await getSts('web')).status
      return s?.readyReplicas === 3 && s.availableReplicas === 3 && s
    })
    const revision = await revisionOf('web-0')
    expect(status).toEqual({
      observedGeneration: (await getSts('web')).metadata.generation,
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0
    })
  })

  it('scales 3 → 1 from the highest ordinal, each after the previous one terminated', async () => {
    // Pods bound to a node are deleted gracefully: they stay Terminating until "the kubelet" ends them.
    await f.client.create(statefulSet('db', 3, {}, { nodeName: 'node-a' }))
    await bringUp('db', 3)
    const watch = await watchPods('db')
    await f.client.patch(STS, NS, 'db', 'merge', { spec: { replicas: 1 } })
    await until('db-2 terminating', async () => (await terminating('db')).includes('db-2'))
    await settle()
    expect(await terminating('db')).toEqual(['db-2'])
    await finishTermination('db-2')
    await until('db-1 terminating', async () => (await terminating('db')).includes('db-1'))
    await settle()
    expect(await terminating('db')).toEqual(['db-1'])
    await finishTermination('db-1')
    await until('db status.replicas 1', async () => (await getSts('db')).status.replicas === 1)
    expect(await names('db')).toEqual(['db-0'])
    expect(watch.deleted).toEqual(['db-2', 'db-1'])
    watch.stop()
    expect(await messages('db', 'SuccessfulDelete')).toEqual([
      'delete Pod db-1 in StatefulSet db successful',
      'delete Pod db-2 in StatefulSet db successful'
    ])
  })

  it('Parallel creates all pods at once and deletes them at once', async () => {
    const spec = { podManagementPolicy: 'Parallel' }
    await f.client.create(statefulSet('par', 3, spec, { nodeName: 'node-a' }))
    await until('3 par pods', async () => (await names('par')).length === 3)
    expect(await names('par')).toEqual(['par-0', 'par-1', 'par-2'])
    await f.client.patch(STS, NS, 'par', 'merge', { spec: { replicas: 0 } })
    await until('3 terminating', async () => (await terminating('par')).length === 3)
  })

  it.each([
    { how: 'deleted', event: undefined },
    { how: 'failed', event: 'StatefulSet default/heal is recreating failed Pod heal-1' }
  ])('recreates a $how pod under the same name', async ({ how, event }) => {
    if (!(await getPod('heal-0'))) {
      await f.client.create(statefulSet('heal', 2))
      await bringUp('heal', 2)
    }
    const old = (await getPod('heal-1')).metadata.uid
    if (how === 'deleted') await f.client.delete(POD, NS, 'heal-1')
    else {
      await f.client.patch(
        POD,
        NS,
        'heal-1',
        'merge',
        { status: { phase: 'Failed' } },
        {
          subresource: 'status'
        }
      )
    }
    const fresh = await until('a new heal-1', async () => {
      const p = await getPod('heal-1')
      return p && p.metadata.uid !== old && p
    })
    expect(fresh.status.phase).toBe('Pending')
    expect(fresh.metadata.labels['statefulset.kubernetes.io/pod-name']).toBe('heal-1')
    if (event) expect(await messages('heal', 'RecreatingFailedPod')).toEqual([event])
    await markReady(f.client, NS, 'heal-1')
  })

  it.each([
    { policy: 'OrderedReady', set: 'roll' },
    { policy: 'Parallel', set: 'proll' }
  ])(
    '$policy rolls a template change from the highest ordinal down, each after the last is Ready',
    async ({ policy, set }) => {
      await f.client.create(statefulSet(set, 3, { podManagementPolicy: policy }))
      await bringUp(set, 3)
      const before = await revisionOf(`${set}-0`)
      const watch = await watchPods(set)
      await f.client.patch(STS, NS, set, 'merge', {
        spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } }
      })
      const updated = async (pod: string): Promise<boolean> => {
        const r = await revisionOf(pod)
        return r !== undefined && r !== before
      }
      for (const [next, rest] of [
        [`${set}-2`, [`${set}-0`, `${set}-1`]],
        [`${set}-1`, [`${set}-0`]],
        [`${set}-0`, []]
      ] as const) {
        await until(`${next} updated`, () => updated(next))
        expect((await getPod(next)).spec.containers[0].image).toBe('busybox:2')
        await settle()
        for (const pod of rest) expect(await revisionOf(pod)).toBe(before)
        const s = await until('rolling status', async () => {
          const st = (await getSts(set)).status
          return st.updateRevision !== before && st
        })
        expect(s).toMatchObject({ currentRevision: before, updateRevision: await revisionOf(next) })
        // kubectl rollout status keeps waiting: the replaced pod is not Ready yet.
        expect(s.readyReplicas).toBe(2)
        await markReady(f.client, NS, next)
      }
      expect(watch.deleted).toEqual([`${set}-2`, `${set}-1`, `${set}-0`])
      watch.stop()
      const after = await revisionOf(`${set}-0`)
      const status = await until('rollout complete', async () => {
        const s = (await getSts(set)).status
        return s.currentRevision === after && s.readyReplicas === 3 && s
      })
      expect(status).toMatchObject({
        currentReplicas: 3,
        updatedReplicas: 3,
        updateRevision: after
      })
      expect(status.observedGeneration).toBe((await getSts(set)).metadata.generation)
    }
  )

  it('updates only ordinals at or above the partition; lower ones come back at the old revision', async () => {
    await f.client.create(statefulSet('part', 3))
    await bringUp('part', 3)
    const before = await revisionOf('part-0')
    await f.client.patch(STS, NS, 'part', 'merge', {
      spec: {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } }
      }
    })
    await until('part-2 updated', async () => {
      const r = await revisionOf('part-2')
      return r !== undefined && r !== before
    })
    await markReady(f.client, NS, 'part-2')
    await until('part status', async () => (await getSts('part')).status.updatedReplicas === 1)
    await settle()
    expect([await revisionOf('part-0'), await revisionOf('part-1')]).toEqual([before, before])
    expect((await getSts('part')).status).toMatchObject({
      currentRevision: before,
      currentReplicas: 2,
      updatedReplicas: 1
    })
    // A pod below the partition is recreated from the current revision's template.
    const old = (await getPod('part-0')).metadata.uid
    await f.client.delete(POD, NS, 'part-0')
    const fresh = await until('new part-0', async () => {
      const p = await getPod('part-0')
      return p && p.metadata.uid !== old && p
    })
    expect(fresh.metadata.labels['controller-revision-hash']).toBe(before)
    expect(fresh.spec.containers[0].image).toBe('busybox:1')
  })

  it('OnDelete changes only the update revision until a pod is deleted', async () => {
    await f.client.create(statefulSet('ondel', 2, { updateStrategy: { type: 'OnDelete' } }))
    await bringUp('ondel', 2)
    const before = await revisionOf('ondel-1')
    await f.client.patch(STS, NS, 'ondel', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } }
    })
    const status = await until('new update revision', async () => {
      const s = (await getSts('ondel')).status
      return s.updateRevision !== before && s
    })
    expect(status).toMatchObject({ currentRevision: before, currentReplicas: 2 })
    expect(status.updatedReplicas ?? 0).toBe(0)
    await settle()
    expect([await revisionOf('ondel-0'), await revisionOf('ondel-1')]).toEqual([before, before])
    await f.client.delete(POD, NS, 'ondel-1')
    await until('ondel-1 at the update revision', async () => {
      return (await revisionOf('ondel-1')) === status.updateRevision
    })
  })

  it('waits minReadySeconds before the next ordinal and counts availability', async () => {
    await f.client.create(statefulSet('slow', 2, { minReadySeconds: 2 }))
    await until('slow-0', () => getPod('slow-0'))
    await markReady(f.client, NS, 'slow-0')
    const ready = await until('slow ready, not yet available', async () => {
      const s = (await getSts('slow')).status
      return s?.readyReplicas === 1 && s
    })
    expect(ready.availableReplicas).toBe(0)
    expect(await names('slow')).toEqual(['slow-0'])
    // markReady stamps whole seconds, so availability comes within 1-2 s.
    await until('slow-1', () => getPod('slow-1'), 4_000)
    await until(
      'slow-0 available',
      async () => (await getSts('slow')).status.availableReplicas === 1
    )
  })

  it('names pods from spec.ordinals.start', async () => {
    const spec = { podManagementPolicy: 'Parallel', ordinals: { start: 5 } }
    await f.client.create(statefulSet('ord', 2, spec))
    await until('2 ord pods', async () => (await names('ord')).length === 2)
    expect(await names('ord')).toEqual(['ord-5', 'ord-6'])
    expect((await getPod('ord-5')).metadata.labels['apps.kubernetes.io/pod-index']).toBe('5')
  })

  it('gives volumeClaimTemplates emptyDir volumes, with a log line', async () => {
    await f.client.create(
      statefulSet(
        'vol',
        1,
        {
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }
            }
          ]
        },
        {
          containers: [
            { name: 'c', image: 'busybox:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }
          ]
        }
      )
    )
    const pod = await until('vol-0', () => getPod('vol-0'))
    expect(pod.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} })
    expect(f.log.lines.some((l) => l.includes('volumeClaimTemplates ignored'))).toBe(true)
  })
})
