import { describe, expect, it } from 'vitest'
import { reconcileSlices, type SliceObj } from '../../src/main/controllers/endpointslice-reconciler'
import type { Json } from './fixture'

const HTTP = [{ name: 'http', protocol: 'TCP', port: 8080 }]
const GRPC = [{ name: 'grpc', protocol: 'TCP', port: 50051 }]
const LABELS = { 'kubernetes.io/service-name': 'web' }

const ep = (pod: string, ready = true): Json => ({
  addresses: [`10.0.0.${pod.charCodeAt(0) - 96}`],
  conditions: { ready, serving: ready, terminating: false },
  targetRef: { kind: 'Pod', namespace: 'ns', name: pod, uid: `uid-${pod}` }
})
const slice = (name: string, pods: string[], ports: Json[] | undefined = HTTP): SliceObj => {
  const s: Json = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'ns', labels: LABELS },
    addressType: 'IPv4',
    endpoints: pods.map((p) => ep(p))
  }
  if (ports) s.ports = ports
  return s
}
const names = (eps: Json[] | undefined): string[] => (eps ?? []).map((e) => e.targetRef.name)

describe('reconcileSlices', () => {
  it.each([
    {
      what: 'new endpoints fill new slices of at most max',
      existing: [],
      desired: [{ ports: HTTP, pods: ['a', 'b', 'c', 'd', 'e'] }],
      create: [['a', 'b'], ['c', 'd'], ['e']],
      update: [],
      remove: []
    },
    {
      what: 'a new endpoint goes where there is room',
      existing: [slice('s1', ['a', 'b']), slice('s2', ['c'])],
      desired: [{ ports: HTTP, pods: ['a', 'b', 'c', 'd'] }],
      create: [],
      update: [['s2', ['c', 'd']]],
      remove: []
    },
    {
      what: 'a full slice is left alone; the overflow makes a new one',
      existing: [slice('s1', ['a', 'b'])],
      desired: [{ ports: HTTP, pods: ['a', 'b', 'c'] }],
      create: [['c']],
      update: [],
      remove: []
    },
    {
      what: 'a slice emptied is deleted, the others untouched',
      existing: [slice('s1', ['a', 'b']), slice('s2', ['c'])],
      desired: [{ ports: HTTP, pods: ['a', 'b'] }],
      create: [],
      update: [],
      remove: ['s2']
    },
    {
      what: 'changed ports: new slices, the old ones deleted',
      existing: [slice('s1', ['a'])],
      desired: [{ ports: GRPC, pods: ['a'] }],
      create: [['a']],
      update: [],
      remove: ['s1']
    },
    {
      what: 'no endpoints: one slice kept as an empty placeholder',
      existing: [slice('s1', ['a', 'b']), slice('s2', ['c'])],
      desired: [],
      create: [],
      update: [['s1', []]],
      remove: ['s2']
    },
    {
      what: 'no endpoints and no slice: a placeholder is created',
      existing: [],
      desired: [],
      create: [[]],
      update: [],
      remove: []
    }
  ])('$what', ({ existing, desired, create, update, remove }) => {
    const plan = reconcileSlices({
      existing,
      desired: desired.map((d) => ({ ports: d.ports, endpoints: d.pods.map((p) => ep(p)) })),
      labels: LABELS,
      maxEndpointsPerSlice: 2,
      newSlice: () => slice('', [], undefined)
    })
    expect(plan.create.map((s) => names(s.endpoints))).toEqual(create)
    expect(plan.update.map((s) => [s.metadata.name, names(s.endpoints)])).toEqual(update)
    expect(plan.delete.map((s) => s.metadata.name)).toEqual(remove)
  })

  it('rewrites an endpoint whose conditions changed, in the slice it is in', () => {
    const plan = reconcileSlices({
      existing: [slice('s1', ['a', 'b'])],
      desired: [{ ports: HTTP, endpoints: [ep('a'), ep('b', false)] }],
      labels: LABELS,
      maxEndpointsPerSlice: 2,
      newSlice: () => slice('', [], undefined)
    })
    expect(plan.create).toEqual([])
    expect(plan.update).toHaveLength(1)
    expect(plan.update[0].endpoints?.[1].conditions).toEqual({
      ready: false,
      serving: false,
      terminating: false
    })
  })
})
