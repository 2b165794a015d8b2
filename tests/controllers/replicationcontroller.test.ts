import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReplicationManager } from '../../src/main/controllers/replication-controller'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import {
  activePods,
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const RC = { apiVersion: 'v1', kind: 'ReplicationController' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'

// A ReplicationController's selector is a plain label map, not a LabelSelector.
const rc = (name: string, replicas: number) => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name, namespace: NS },
  spec: {
    replicas,
    selector: { app: name },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] }
    }
  }
})

let f: ControllerFixture
let controller: RunningController

beforeAll(async () => {
  f = await startControllerFixture()
  controller = startReplicationManager({ client: f.client, log: f.log })
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const podsOf = (app: string): Promise<Json[]> => activePods(f.client, NS, app)
const getRc = (name: string): Promise<Json> => f.client.get(RC, NS, name)
const sized = (app: string, n: number) => async () => {
  const p = await podsOf(app)
  return p.length === n && p
}

describe('replication controller (the ReplicaSet controller for core/v1)', () => {
  it('creates the replicas, owned with kind ReplicationController, with events', async () => {
    const created: Json = await f.client.create(rc('web', 3))
    const pods = await until('3 pods', sized('web', 3))
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(/^web-[a-z0-9]{5}$/)
      expect(pod.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'v1',
          kind: 'ReplicationController',
          name: 'web',
          uid: created.metadata.uid,
          controller: true,
          blockOwnerDeletion: true
        }
      ])
    }
    const events = await until('3 SuccessfulCreate events', async () => {
      const e = (await f.client.list<Json>(EVENT, { namespace: NS })).items.filter(
        (x) => x.involvedObject.kind === 'ReplicationController' && x.reason === 'SuccessfulCreate'
      )
      return e.length === 3 && e
    })
    expect(events[0].source.component).toBe('replication-controller')
    await new Promise((r) => setTimeout(r, 300))
    expect(await podsOf('web')).toHaveLength(3)
  })

  it('reports status: replicas, fully labelled, ready, available, observed generation', async () => {
    const [first, second] = await podsOf('web')
    await markReady(f.client, NS, first.metadata.name)
    await markReady(f.client, NS, second.metadata.name)
    const rcNow = await until('2 ready', async () => {
      const r = await getRc('web')
      return r.status?.readyReplicas === 2 && r
    })
    expect(rcNow.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      observedGeneration: rcNow.metadata.generation
    })
  })

  it('scales up and down, deleting the not-ready pods first', async () => {
    await f.client.patch(RC, NS, 'web', 'merge', { spec: { replicas: 5 } })
    await until('5 pods', sized('web', 5))
    await until('status.replicas 5', async () => (await getRc('web')).status?.replicas === 5)
    const ready = (await podsOf('web')).filter((p) => p.status?.phase === 'Running')
    expect(ready).toHaveLength(2)
    await f.client.patch(RC, NS, 'web', 'merge', { spec: { replicas: 2 } })
    const left = await until('2 pods', sized('web', 2))
    expect(left.map((p: Json) => p.metadata.name).sort()).toEqual(
      ready.map((p) => p.metadata.name).sort()
    )
    const r = await until('status.replicas 2', async () => {
      const x = await getRc('web')
      return x.status?.replicas === 2 && x
    })
    expect(r.status.observedGeneration).toBe(r.metadata.generation)
  })

  it('adopts an orphan pod matching the selector instead of creating one', async () => {
    await f.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: NS, labels: { app: 'adopt', extra: 'x' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] }
    })
    const created: Json = await f.client.create(rc('adopt', 2))
    await until('2 pods', sized('adopt', 2))
    const orphan: Json = await until('the orphan adopted', async () => {
      const p: Json = await f.client.get(POD, NS, 'orphan')
      return p.metadata.ownerReferences?.[0]?.uid === created.metadata.uid && p
    })
    expect(orphan.metadata.ownerReferences[0]).toMatchObject({
      kind: 'ReplicationController',
      name: 'adopt',
      controller: true
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(await podsOf('adopt')).toHaveLength(2)
  })

  it('defaults the selector and labels from the template, as the API server does', async () => {
    const { selector: _, ...spec } = rc('bare', 1).spec
    const created: Json = await f.client.create({ ...rc('bare', 1), spec })
    expect(created.spec.selector).toEqual({ app: 'bare' })
    expect(created.metadata.labels).toEqual({ app: 'bare' })
    await until('1 pod', sized('bare', 1))
  })
})
