import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startReplicaSetController,
  type RunningController
} from '../../src/main/controllers/replicaset-controller'
import {
  activePods,
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'

const replicaSet = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
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
  controller = startReplicaSetController({ client: f.client, log: f.log })
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const podsOf = (app: string): Promise<Json[]> => activePods(f.client, NS, app)
const getRs = (name: string): Promise<Json> => f.client.get(RS, NS, name)
const eventsOf = async (name: string): Promise<Json[]> =>
  (await f.client.list(EVENT, { namespace: NS })).items.filter(
    (e: Json) => e.involvedObject.name === name
  )

describe('replicaset controller', () => {
  it('creates the replicas with controller owner references and events', async () => {
    const rs: Json = await f.client.create(replicaSet('web', 3))
    const pods = await until('3 pods', async () => {
      const p = await podsOf('web')
      return p.length === 3 && p
    })
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(/^web-[a-z0-9]{5}$/)
      expect(pod.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true
        }
      ])
    }
    await until('status.replicas 3', async () => (await getRs('web')).status?.replicas === 3)
    expect((await getRs('web')).status.observedGeneration).toBe(1)
    const events = await until('3 SuccessfulCreate events', async () => {
      const e = (await eventsOf('web')).filter((x) => x.reason === 'SuccessfulCreate')
      return e.length === 3 && e
    })
    expect(events.map((e: Json) => e.message).sort()).toEqual(
      pods.map((p: Json) => `Created pod: ${p.metadata.name}`).sort()
    )
    expect(events[0].source.component).toBe('replicaset-controller')
    // No extra pods appear after the controller settles (expectations hold).
    await new Promise((r) => setTimeout(r, 300))
    expect(await podsOf('web')).toHaveLength(3)
  })

  it('counts ready pods, then scales down to 1 keeping the ready one', async () => {
    const pods = await podsOf('web')
    await markReady(f.client, NS, pods[0].metadata.name)
    await until('readyReplicas 1', async () => (await getRs('web')).status?.readyReplicas === 1)
    expect((await getRs('web')).status.availableReplicas).toBe(1)
    await f.client.patch(RS, NS, 'web', 'merge', { spec: { replicas: 1 } })
    const left = await until('1 pod', async () => {
      const p = await podsOf('web')
      return p.length === 1 && p
    })
    expect(left[0].metadata.name).toBe(pods[0].metadata.name)
    await until('status.replicas 1', async () => (await getRs('web')).status?.replicas === 1)
    await until('2 SuccessfulDelete events', async () => {
      return (await eventsOf('web')).filter((x) => x.reason === 'SuccessfulDelete').length === 2
    })
  })

  it('replaces a deleted pod', async () => {
    const [pod] = await podsOf('web')
    await f.client.delete(POD, NS, pod.metadata.name)
    const [replacement] = await until('a replacement pod', async () => {
      const p = await podsOf('web')
      return p.length === 1 && p[0].metadata.name !== pod.metadata.name && p
    })
    expect(replacement.metadata.ownerReferences[0].name).toBe('web')
  })

  it('adopts a matching orphan instead of creating, and releases a pod that stops matching', async () => {
    await f.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: NS, labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] }
    })
    const rs: Json = await f.client.create(replicaSet('adopt', 2))
    await until('2 pods', async () => (await podsOf('adopt')).length === 2)
    const orphan: Json = await until('the orphan adopted', async () => {
      const p: Json = await f.client.get(POD, NS, 'orphan')
      return p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && p
    })
    expect(orphan.metadata.ownerReferences[0].controller).toBe(true)
    await new Promise((r) => setTimeout(r, 300))
    expect(await podsOf('adopt')).toHaveLength(2)

    // Relabelled out of the selector: released, and replaced.
    await f.client.patch(POD, NS, 'orphan', 'merge', { metadata: { labels: { app: 'other' } } })
    await until('the pod released', async () => {
      const p: Json = await f.client.get(POD, NS, 'orphan')
      return !p.metadata.ownerReferences
    })
    await until('a replacement', async () => (await podsOf('adopt')).length === 2)
  })

  it('never takes a pod another controller owns, even when its selector matches', async () => {
    // Two ReplicaSets with overlapping selectors: each keeps exactly its own pod.
    const first: Json = await f.client.create(replicaSet('overlap', 1))
    await until('the first pod', async () => (await podsOf('overlap')).length === 1)
    const second: Json = await f.client.create({
      ...replicaSet('overlap', 1),
      metadata: { name: 'overlap-2', namespace: NS }
    })
    const pods = await until('a pod for each', async () => {
      const p = await podsOf('overlap')
      return p.length === 2 && p
    })
    expect(pods.map((p: Json) => p.metadata.ownerReferences[0].uid).sort()).toEqual(
      [first.metadata.uid, second.metadata.uid].sort()
    )
  })
})
