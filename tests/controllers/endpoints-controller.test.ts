import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startEndpointsController,
  truncateSubsets
} from '../../src/main/controllers/endpoints-controller'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'
import { createNamespace, createPod, service, setPodStatus } from './service-pods-fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const SVC = { apiVersion: 'v1', kind: 'Service' }
const EP = { apiVersion: 'v1', kind: 'Endpoints' }
const NS = 'ep-test'

let f: ControllerFixture
let controller: RunningController
const pods: Record<string, Json> = {}

beforeAll(async () => {
  f = await startControllerFixture()
  controller = startEndpointsController({ client: f.client, log: f.log })
  await createNamespace(f.client, NS)
  for (const p of [
    { name: 'web-a', ip: '10.1.0.3', ready: true, nodeName: 'node-1' },
    { name: 'web-b', ip: '10.1.0.2', ready: true, nodeName: 'node-2' },
    { name: 'web-c', ip: '10.1.0.1', ready: false, nodeName: 'node-1' },
    // Not started yet (no IP), and not selected: neither is listed.
    { name: 'web-pending' },
    { name: 'other', ip: '10.1.0.9', ready: true, labels: { app: 'other' } }
  ]) {
    pods[p.name] = await createPod(f.client, NS, p)
  }
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const getEndpoints = async (name: string): Promise<Json | undefined> =>
  f.client.get(EP, NS, name).catch(() => undefined)
const address = (name: string, ip: string, nodeName: string): Json => ({
  ip,
  nodeName,
  targetRef: { kind: 'Pod', namespace: NS, name, uid: pods[name].metadata.uid }
})
const PORTS = [
  { name: 'http', port: 8080, protocol: 'TCP' },
  { name: 'metrics', port: 9091, protocol: 'TCP' }
]

describe('endpoints controller', () => {
  it('lists ready pods in addresses, the not-ready one in notReadyAddresses, named ports resolved', async () => {
    await f.client.create(service(NS, 'web'))
    const ep = await until('endpoints of web', async () => {
      const e = await getEndpoints('web')
      return e?.subsets?.[0]?.notReadyAddresses && e
    })
    expect(ep.metadata.labels).toEqual({
      team: 'blue',
      'endpoints.kubernetes.io/managed-by': 'endpoint-controller'
    })
    expect(ep.subsets).toEqual([
      {
        addresses: [address('web-b', '10.1.0.2', 'node-2'), address('web-a', '10.1.0.3', 'node-1')],
        notReadyAddresses: [address('web-c', '10.1.0.1', 'node-1')],
        ports: PORTS
      }
    ])
  })

  it('moves a pod that turns not ready, and drops a terminating one', async () => {
    await setPodStatus(f.client, NS, 'web-b', '10.1.0.2', false)
    const moved = await until('web-b not ready', async () => {
      const e = await getEndpoints('web')
      return e?.subsets?.[0]?.notReadyAddresses?.length === 2 && e
    })
    expect(moved.subsets[0].addresses).toEqual([address('web-a', '10.1.0.3', 'node-1')])
    // Bound to a node, the pod stays (terminating) until its kubelet stops it.
    await f.client.delete(POD, NS, 'web-c')
    const after = await until('web-c gone from the endpoints', async () => {
      const e = await getEndpoints('web')
      return e?.subsets?.[0]?.notReadyAddresses?.length === 1 && e
    })
    expect(after.subsets[0].notReadyAddresses).toEqual([address('web-b', '10.1.0.2', 'node-2')])
  })

  it.each([
    {
      what: 'publishNotReadyAddresses puts every pod in addresses, the terminating one too',
      name: 'publish-all',
      spec: { publishNotReadyAddresses: true },
      addresses: ['10.1.0.1', '10.1.0.2', '10.1.0.3'],
      notReady: []
    },
    {
      what: 'a port no pod has gives no subset for it',
      name: 'no-grpc',
      spec: { ports: [{ name: 'grpc', port: 50051, targetPort: 'grpc' }] },
      addresses: [],
      notReady: []
    }
  ])('$what', async ({ name, spec, addresses, notReady }) => {
    await f.client.create(service(NS, name, spec))
    const ep = await until(`endpoints of ${name}`, () => getEndpoints(name))
    const subsets: Json[] = ep.subsets ?? []
    expect(subsets.flatMap((s) => s.addresses ?? []).map((a: Json) => a.ip)).toEqual(addresses)
    expect(subsets.flatMap((s) => s.notReadyAddresses ?? []).map((a: Json) => a.ip)).toEqual(
      notReady
    )
  })

  it('leaves a Service without selector to its user, and deletes endpoints with their Service', async () => {
    await f.client.create({ ...service(NS, 'manual'), spec: { ports: [{ port: 80 }] } })
    const manual = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual', namespace: NS },
      subsets: [{ addresses: [{ ip: '192.168.1.10' }], ports: [{ port: 80 }] }]
    }
    await f.client.create(manual)
    await f.client.delete(SVC, NS, 'web')
    await until('endpoints of web deleted', async () => !(await getEndpoints('web')))
    expect((await getEndpoints('manual'))?.subsets).toEqual([
      { addresses: [{ ip: '192.168.1.10' }], ports: [{ port: 80, protocol: 'TCP' }] }
    ])
  })

  it('logs no sync errors', () => {
    expect(f.log.lines.filter((l) => !l.startsWith('I '))).toEqual([])
  })
})

describe('truncateSubsets', () => {
  const addrs = (prefix: string, n: number): Json[] =>
    Array.from({ length: n }, (_, i) => ({ ip: `10.9.${prefix}.${i}` }))
  it.each([
    {
      what: 'under the cap: untouched',
      ready: [2, 1],
      notReady: [1, 0],
      max: 4,
      want: [
        [2, 1],
        [1, 0]
      ],
      cut: false
    },
    {
      what: 'not-ready ones cut first, by share',
      ready: [2, 1],
      notReady: [2, 2],
      max: 5,
      want: [
        [2, 1],
        [1, 1]
      ],
      cut: true
    },
    {
      what: 'too many ready: only ready ones, by share',
      ready: [4, 2],
      notReady: [1, 1],
      max: 3,
      want: [
        [2, 1],
        [0, 0]
      ],
      cut: true
    }
  ])('$what', ({ ready, notReady, max, want, cut }) => {
    const subsets: Json[] = ready.map((r, i) => ({
      addresses: addrs(`${i}`, r),
      notReadyAddresses: addrs(`${i + 5}`, notReady[i]),
      ports: [{ port: 80 + i, protocol: 'TCP' }]
    }))
    expect(truncateSubsets(subsets, max)).toBe(cut)
    expect(subsets.map((s) => s.addresses?.length ?? 0)).toEqual(want[0])
    expect(subsets.map((s) => s.notReadyAddresses?.length ?? 0)).toEqual(want[1])
  })
})
