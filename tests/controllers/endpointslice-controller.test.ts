import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEndpointSliceController } from '../../src/main/controllers/endpointslice-controller'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'
import { createNamespace, createPod, service, setPodStatus } from './service-pods-fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const SVC = { apiVersion: 'v1', kind: 'Service' }
const SLICE = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }
const NS = 'eps-test'
// Small slices, so that three pods need two.
const MAX = 2

let f: ControllerFixture
let controller: RunningController
const pods: Record<string, Json> = {}

beforeAll(async () => {
  f = await startControllerFixture()
  controller = startEndpointSliceController({
    client: f.client,
    log: f.log,
    maxEndpointsPerSlice: MAX
  })
  await createNamespace(f.client, NS)
  for (const p of [
    { name: 'web-a', ip: '10.2.0.1', ready: true, nodeName: 'node-1' },
    { name: 'web-b', ip: '10.2.0.2', ready: true, nodeName: 'node-2' },
    { name: 'web-c', ip: '10.2.0.3', ready: false, nodeName: 'node-1' },
    { name: 'web-pending' }
  ]) {
    pods[p.name] = await createPod(f.client, NS, p)
  }
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const slicesOf = async (svc: string): Promise<Json[]> =>
  (
    await f.client.list(SLICE, {
      namespace: NS,
      labelSelector: `kubernetes.io/service-name=${svc}`
    })
  ).items
const endpointsOf = (slices: Json[]): Record<string, Json> =>
  Object.fromEntries(
    slices.flatMap((s) => s.endpoints ?? []).map((e: Json) => [e.targetRef.name, e])
  )
const conditions = (ready: boolean, serving: boolean, terminating: boolean): Json => ({
  ready,
  serving,
  terminating
})

describe('endpointslice controller', () => {
  it('writes labelled, owned IPv4 slices of at most maxEndpointsPerSlice endpoints', async () => {
    const svc: Json = await f.client.create(service(NS, 'web'))
    const slices = await until('slices holding 3 endpoints', async () => {
      const s = await slicesOf('web')
      return Object.keys(endpointsOf(s)).length === 3 && s
    })
    expect(slices).toHaveLength(2)
    for (const s of slices) {
      expect(s.endpoints.length).toBeLessThanOrEqual(MAX)
      expect(s.metadata.name).toMatch(/^web-[a-z0-9]{5}$/)
      expect(s.metadata.labels).toEqual({
        team: 'blue',
        'kubernetes.io/service-name': 'web',
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io'
      })
      expect(s.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: 'web',
          uid: svc.metadata.uid,
          controller: true,
          blockOwnerDeletion: true
        }
      ])
      expect(s.addressType).toBe('IPv4')
      expect(s.ports).toEqual([
        { name: 'http', protocol: 'TCP', port: 8080 },
        { name: 'metrics', protocol: 'TCP', port: 9091 }
      ])
    }
    expect(endpointsOf(slices)).toEqual({
      'web-a': {
        addresses: ['10.2.0.1'],
        conditions: conditions(true, true, false),
        targetRef: { kind: 'Pod', namespace: NS, name: 'web-a', uid: pods['web-a'].metadata.uid },
        nodeName: 'node-1'
      },
      'web-b': {
        addresses: ['10.2.0.2'],
        conditions: conditions(true, true, false),
        targetRef: { kind: 'Pod', namespace: NS, name: 'web-b', uid: pods['web-b'].metadata.uid },
        nodeName: 'node-2'
      },
      'web-c': {
        addresses: ['10.2.0.3'],
        conditions: conditions(false, false, false),
        targetRef: { kind: 'Pod', namespace: NS, name: 'web-c', uid: pods['web-c'].metadata.uid },
        nodeName: 'node-1'
      }
    })
  })

  it('follows readiness and termination in the endpoint conditions', async () => {
    const before = (await slicesOf('web')).map((s) => s.metadata.name).sort()
    await setPodStatus(f.client, NS, 'web-c', '10.2.0.3', true)
    await until(
      'web-c ready',
      async () => endpointsOf(await slicesOf('web'))['web-c']?.conditions.ready
    )
    await f.client.delete(POD, NS, 'web-a')
    const eps = await until('web-a terminating', async () => {
      const e = endpointsOf(await slicesOf('web'))
      return e['web-a']?.conditions.terminating && e
    })
    // Terminating: still serving while ready, never ready.
    expect(eps['web-a'].conditions).toEqual(conditions(false, true, true))
    // Changed in place: no slice was replaced.
    expect((await slicesOf('web')).map((s) => s.metadata.name).sort()).toEqual(before)
  })

  it('keeps one empty placeholder slice for a Service selecting no pod', async () => {
    await f.client.create(service(NS, 'empty', { selector: { app: 'nothing' } }))
    const [slice] = await until('the placeholder', async () => {
      const s = await slicesOf('empty')
      return s.length === 1 && s
    })
    expect(slice.endpoints ?? []).toEqual([])
    expect(slice.ports).toBeUndefined()
  })

  it('leaves a Service without selector alone, and deletes the slices with their Service', async () => {
    await f.client.create({ ...service(NS, 'manual'), spec: { ports: [{ port: 80 }] } })
    await f.client.delete(SVC, NS, 'web')
    await until('the slices of web deleted', async () => (await slicesOf('web')).length === 0)
    expect(await slicesOf('manual')).toEqual([])
  })

  it('replaces a slice left by an earlier Service of the same name', async () => {
    const stale: Json = await f.client.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'again-old',
        namespace: NS,
        labels: {
          'kubernetes.io/service-name': 'again',
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io'
        },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Service', name: 'again', uid: 'old-uid', controller: true }
        ]
      },
      addressType: 'IPv4',
      endpoints: []
    })
    const svc: Json = await f.client.create(service(NS, 'again'))
    const slices = await until('only slices owned by the new Service', async () => {
      const s = await slicesOf('again')
      const owned = s.every((x) => x.metadata.ownerReferences?.[0]?.uid === svc.metadata.uid)
      return s.length > 0 && owned && s
    })
    expect(slices.map((x: Json) => x.metadata.name)).not.toContain(stale.metadata.name)
  })

  it('logs no sync errors', () => {
    expect(f.log.lines.filter((l) => !l.startsWith('I '))).toEqual([])
  })
})
