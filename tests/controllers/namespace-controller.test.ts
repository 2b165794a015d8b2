import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNamespaceController } from '../../src/main/controllers/namespace-controller'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'

const NS = { apiVersion: 'v1', kind: 'Namespace' }
const POD = { apiVersion: 'v1', kind: 'Pod' }
const KINDS = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'Service' },
  POD
]

let f: ControllerFixture
let controller: RunningController

beforeAll(async () => {
  f = await startControllerFixture()
  controller = startNamespaceController({ client: f.client, log: f.log })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const getNs = (name: string): Promise<Json | undefined> =>
  f.client.get(NS, undefined, name).catch(() => undefined)
const condition = (ns: Json, type: string): Json =>
  ns?.status?.conditions?.find((c: Json) => c.type === type)
/** Every object of the test kinds left in `namespace`, as `Kind/name`. */
const contentOf = async (namespace: string): Promise<string[]> => {
  const all = await Promise.all(KINDS.map((k) => f.client.list(k)))
  return all.flatMap((l, i) =>
    l.items
      .filter((o) => o.metadata.namespace === namespace)
      .map((o) => `${KINDS[i].kind}/${o.metadata.name}`)
  )
}

/** A namespace holding a configmap, a secret, a service and a pod (on `nodeName` if given). */
async function populated(name: string, nodeName?: string): Promise<void> {
  await f.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  await f.client.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: name },
    data: { a: '1' }
  })
  await f.client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'token', namespace: name },
    stringData: { t: 'x' }
  })
  await f.client.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: name },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] }
  })
  const spec: Json = { containers: [{ name: 'c', image: 'busybox' }] }
  if (nodeName) spec.nodeName = nodeName
  await f.client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: name },
    spec
  })
  expect(await contentOf(name)).toHaveLength(4)
}

describe('namespace controller', () => {
  it('empties a deleted namespace and finalizes it', async () => {
    await populated('doomed')
    const deleted: Json = await f.client.delete(NS, undefined, 'doomed')
    expect(deleted.status.phase).toBe('Terminating')
    await until('the namespace gone', async () => !(await getNs('doomed')))
    expect(await contentOf('doomed')).toEqual([])
    // Nothing was left to wait for: no pass reported content remaining.
    expect(f.log.lines.filter((l) => l.includes('content remaining'))).toEqual([])
  })

  it('waits, Terminating with NamespaceContentRemaining, for a pod on a node to go', async () => {
    await populated('draining', 'node-1')
    await f.client.delete(NS, undefined, 'draining')
    const ns = await until('the content-remaining condition', async () => {
      const n = await getNs('draining')
      return condition(n, 'NamespaceContentRemaining')?.status === 'True' && n
    })
    expect(ns.status.phase).toBe('Terminating')
    expect(condition(ns, 'NamespaceContentRemaining')).toMatchObject({
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: pods. has 1 resource instances'
    })
    expect(condition(ns, 'NamespaceDeletionContentFailure')).toMatchObject({
      status: 'False',
      reason: 'ContentDeleted'
    })
    expect(condition(ns, 'NamespaceFinalizersRemaining')).toMatchObject({
      status: 'False',
      reason: 'ContentRemoved'
    })
    expect(ns.spec.finalizers).toEqual(['kubernetes'])
    // Everything else is gone; the pod is terminating, waiting for its kubelet.
    expect(await contentOf('draining')).toEqual(['Pod/p'])
    const pod: Json = await f.client.get(POD, 'draining', 'p')
    expect(pod.metadata.deletionTimestamp).toBeDefined()

    // The kubelet has stopped the containers: it removes the pod with a grace-0 delete.
    await f.client.delete(POD, 'draining', 'p', { gracePeriodSeconds: 0 })
    await until('the namespace gone', async () => !(await getNs('draining')), 5000)
  })

  it('reports objects held by finalizers in NamespaceFinalizersRemaining', async () => {
    await f.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'held' } })
    await f.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kept', namespace: 'held', finalizers: ['example.com/hold'] }
    })
    await f.client.delete(NS, undefined, 'held')
    const ns = await until('the finalizers-remaining condition', async () => {
      const n = await getNs('held')
      return condition(n, 'NamespaceFinalizersRemaining')?.status === 'True' && n
    })
    expect(condition(ns, 'NamespaceFinalizersRemaining')).toMatchObject({
      reason: 'SomeFinalizerRemain',
      message: 'Some finalizers are remaining: example.com/hold in 1 resource instances'
    })
    expect(condition(ns, 'NamespaceContentRemaining')?.message).toBe(
      'Some resources are remaining: configmaps. has 1 resource instances'
    )
  })

  it('logs no sync errors', () => {
    expect(f.log.lines.filter((l) => !l.startsWith('I '))).toEqual([])
  })
})
