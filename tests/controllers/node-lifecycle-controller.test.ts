/**
 * The node lifecycle controller's passes (`monitor`) against a real API server: the taints that
 * follow the Ready condition — not-ready for Ready=False, unreachable for an expired Lease — and
 * their removal once the node is Ready again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monitor } from '../../src/main/controllers/node-lifecycle-controller'
import { startControllerFixture, type ControllerFixture, type Json } from './fixture'

const NODE = { apiVersion: 'v1', kind: 'Node' }
const GRACE_MS = 20_000

let f: ControllerFixture
beforeAll(async () => {
  f = await startControllerFixture()
})
afterAll(async () => {
  await f?.close()
})

const micro = (d: Date): string => d.toISOString().replace('Z', '000Z')

async function nodeWithLease(name: string, ready: string, renewed: Date): Promise<void> {
  await f.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } })
  await setReady(name, ready)
  await f.client.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro(renewed) }
  })
}

const setReady = (name: string, status: string): Promise<Json> =>
  f.client.patch(
    NODE,
    undefined,
    name,
    'merge',
    { status: { conditions: [{ type: 'Ready', status, reason: 'KubeletReady' }] } },
    { subresource: 'status' }
  )

const taintsOf = async (name: string): Promise<string[]> =>
  ((await f.client.get<Json>(NODE, undefined, name)).spec?.taints ?? []).map(
    (t: Json) => `${t.key}:${t.effect}${t.timeAdded ? ' (timeAdded)' : ''}`
  )

const pass = (now = new Date()): Promise<void> =>
  monitor({ client: f.client, log: f.log }, GRACE_MS, now)

describe('node lifecycle taints', () => {
  it('Ready=False gets not-ready NoSchedule and NoExecute; Ready=True takes them off', async () => {
    await nodeWithLease('sick', 'False', new Date())
    await pass()
    expect(await taintsOf('sick')).toEqual([
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute (timeAdded)'
    ])
    await setReady('sick', 'True')
    await pass()
    expect(await taintsOf('sick')).toEqual([])
  })

  it('an expired Lease: Ready=Unknown, and unreachable taints replace not-ready', async () => {
    await nodeWithLease('gone', 'False', new Date(Date.now() - 2 * GRACE_MS))
    await f.client.patch(NODE, undefined, 'gone', 'merge', {
      spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }
    })
    await pass()
    const node = await f.client.get<Json>(NODE, undefined, 'gone')
    expect(node.status.conditions.find((c: Json) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.'
    })
    expect(await taintsOf('gone')).toEqual([
      'dedicated:NoSchedule',
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute (timeAdded)'
    ])
  })

  it('a new node without a Lease yet is judged by its creation time', async () => {
    await f.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'newborn' } })
    await pass()
    expect(await taintsOf('newborn')).toEqual([])
    await pass(new Date(Date.now() + 2 * GRACE_MS))
    const node = await f.client.get<Json>(NODE, undefined, 'newborn')
    expect(node.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.'
      })
    )
    expect(await taintsOf('newborn')).toContain('node.kubernetes.io/unreachable:NoSchedule')
  })
})
