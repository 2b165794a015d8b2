/**
 * The ClusterIP and NodePort allocators and the Service registry's transactions over them:
 * ranges, exhaustion, reuse after delete, type changes, dry runs, failed writes and a restart
 * (allocations rebuilt from the stored Services).
 */
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import { findResource, type RegistryEntry } from '../../../src/main/apiserver/registry'
import {
  ClusterIPAllocator,
  DEFAULT_SERVICE_CIDR,
  parseIPv4
} from '../../../src/main/apiserver/service-allocation/cluster-ip-allocator'
import { NodePortAllocator } from '../../../src/main/apiserver/service-allocation/node-port-allocator'
import { RangeFullError } from '../../../src/main/apiserver/service-allocation/range-allocator'
import { ServiceAllocator } from '../../../src/main/apiserver/service-allocation/service-allocator'
import type { KubeObject } from '../../../src/main/apiserver/types'

const SERVICES = findResource('', 'v1', 'services') as RegistryEntry

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Svc = KubeObject & { spec: Record<string, any> }

function service(name: string, spec: Record<string, unknown>): Svc {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec }
  } as Svc
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ApiError) return err
    throw err
  }
  throw new Error('no error thrown')
}

/** Creates `svc` through the allocator as the create handler does, with the write succeeding. */
function create(alloc: ServiceAllocator, svc: Svc): Svc {
  alloc.beginCreate(SERVICES, svc, false).commit()
  return svc
}

describe('ClusterIPAllocator', () => {
  it('hands out addresses inside 10.96.0.0/12, never the network or broadcast address', () => {
    const ips = new ClusterIPAllocator()
    const low = parseIPv4('10.96.0.0')!
    const high = parseIPv4('10.111.255.255')!
    const seen = new Set<string>()
    for (let i = 0; i < 500; i++) {
      const ip = ips.allocateNext()
      const v = parseIPv4(ip)!
      expect(v).toBeGreaterThan(low)
      expect(v).toBeLessThan(high)
      seen.add(ip)
    }
    expect(seen.size).toBe(500)
    expect(ips.first).toBe('10.96.0.1')
  })

  it.each([
    ['the first address', '10.96.0.1', undefined],
    ['the last usable address', '10.111.255.254', undefined],
    [
      'the network address',
      '10.96.0.0',
      `the provided IP (10.96.0.0) is not in the valid range. The range of valid IPs is ${DEFAULT_SERVICE_CIDR}`
    ],
    [
      'the broadcast address',
      '10.111.255.255',
      `the provided IP (10.111.255.255) is not in the valid range. The range of valid IPs is ${DEFAULT_SERVICE_CIDR}`
    ],
    [
      'an address elsewhere',
      '192.168.1.1',
      `the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is ${DEFAULT_SERVICE_CIDR}`
    ]
  ])('allocate(%s)', (_what, ip, error) => {
    const ips = new ClusterIPAllocator()
    if (error) expect(() => ips.allocate(ip)).toThrow(error)
    else {
      ips.allocate(ip)
      expect(() => ips.allocate(ip)).toThrow('provided IP is already allocated')
    }
  })

  it('runs out in a small range, and a released address is handed out again', () => {
    const ips = new ClusterIPAllocator('10.0.0.0/29')
    const all = Array.from({ length: 6 }, () => ips.allocateNext())
    expect(new Set(all).size).toBe(6)
    expect(() => ips.allocateNext()).toThrow(RangeFullError)
    ips.release(all[3]!)
    expect(ips.allocateNext()).toBe(all[3])
  })

  it('keeps the lower addresses for static requests while the upper ones last', () => {
    // 10.0.0.0/24: 254 addresses, the lowest 16 kept for addresses asked for by number.
    const ips = new ClusterIPAllocator('10.0.0.0/24')
    const dynamic = Array.from({ length: 238 }, () => parseIPv4(ips.allocateNext())! % 256)
    expect(Math.min(...dynamic)).toBeGreaterThan(16)
    expect(parseIPv4(ips.allocateNext())! % 256).toBeLessThanOrEqual(16)
  })
})

describe('NodePortAllocator', () => {
  it('hands out distinct ports in 30000-32767 until the range is full', () => {
    const ports = new NodePortAllocator()
    const seen = new Set<number>()
    for (let i = 0; i < 2768; i++) {
      const p = ports.allocateNext()
      expect(p).toBeGreaterThanOrEqual(30000)
      expect(p).toBeLessThanOrEqual(32767)
      seen.add(p)
    }
    expect(seen.size).toBe(2768)
    expect(() => ports.allocateNext()).toThrow('range is full')
    ports.release(31000)
    expect(ports.allocateNext()).toBe(31000)
  })

  it.each([
    [30000, undefined],
    [32767, undefined],
    [29999, 'provided port is not in the valid range. The range of valid ports is 30000-32767'],
    [32768, 'provided port is not in the valid range. The range of valid ports is 30000-32767']
  ])('allocate(%d)', (port, error) => {
    const ports = new NodePortAllocator()
    if (error) expect(() => ports.allocate(port)).toThrow(error)
    else {
      ports.allocate(port)
      expect(() => ports.allocate(port)).toThrow('provided port is already allocated')
    }
  })
})

describe('ServiceAllocator', () => {
  it('gives ClusterIP, NodePort and LoadBalancer services an IP; headless and ExternalName none', () => {
    const alloc = new ServiceAllocator()
    const cases: [string, Record<string, unknown>, boolean, boolean][] = [
      ['ClusterIP', {}, true, false],
      ['NodePort', { type: 'NodePort' }, true, true],
      ['LoadBalancer', { type: 'LoadBalancer' }, true, true],
      [
        'LoadBalancer without node ports',
        { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false },
        true,
        false
      ],
      ['headless', { clusterIP: 'None' }, false, false],
      ['ExternalName', { type: 'ExternalName', externalName: 'example.com' }, false, false]
    ]
    for (const [name, spec, ip, nodePort] of cases) {
      const svc = create(alloc, service(name.toLowerCase().replace(/ /g, '-'), spec))
      if (ip) {
        expect(alloc.ips.contains(svc.spec.clusterIP), name).toBe(true)
        expect(svc.spec.clusterIPs, name).toEqual([svc.spec.clusterIP])
      } else {
        expect(svc.spec.clusterIP ?? 'None', name).toBe('None')
      }
      expect(typeof svc.spec.ports[0].nodePort === 'number', name).toBe(nodePort)
    }
  })

  it('honours requested addresses and ports and refuses taken or foreign ones with a 422', () => {
    const alloc = new ServiceAllocator()
    create(
      alloc,
      service('a', {
        type: 'NodePort',
        clusterIP: '10.96.0.10',
        ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }]
      })
    )
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'taken IP',
        { clusterIP: '10.96.0.10' },
        'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated'
      ],
      [
        'IP out of range',
        { clusterIP: '1.1.1.1' },
        'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12'
      ],
      [
        'taken node port',
        { type: 'NodePort', ports: [{ port: 81, protocol: 'TCP', nodePort: 30080 }] },
        'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
      ]
    ]
    for (const [what, spec, message] of cases) {
      const before = { ips: alloc.ips.free, ports: alloc.nodePorts.free }
      const err = errorOf(() => alloc.beginCreate(SERVICES, service('b', spec), false))
      expect(err.code, what).toBe(422)
      expect(err.message, what).toBe(message)
      // Nothing taken by the failed request stays taken.
      expect({ ips: alloc.ips.free, ports: alloc.nodePorts.free }, what).toEqual(before)
    }
  })

  it('shares one node port between TCP and UDP of the same service port', () => {
    const alloc = new ServiceAllocator()
    const svc = create(
      alloc,
      service('dns', {
        type: 'NodePort',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' }
        ]
      })
    )
    expect(svc.spec.ports[0].nodePort).toBe(svc.spec.ports[1].nodePort)
  })

  it('releases on delete, on a failed write, after a dry run, and on a change of type', () => {
    const alloc = new ServiceAllocator()
    const ipsFree = alloc.ips.free
    const portsFree = alloc.nodePorts.free
    const svc = create(alloc, service('web', { type: 'NodePort' }))
    expect(alloc.nodePorts.free).toBe(portsFree - 1)
    alloc.afterDelete(SERVICES, svc)
    expect([alloc.ips.free, alloc.nodePorts.free]).toEqual([ipsFree, portsFree])

    const failed = service('web', { type: 'NodePort' })
    alloc.beginCreate(SERVICES, failed, false).revert()
    expect([alloc.ips.free, alloc.nodePorts.free]).toEqual([ipsFree, portsFree])

    const dry = service('web', { type: 'NodePort' })
    alloc.beginCreate(SERVICES, dry, true).commit()
    expect(dry.spec.clusterIP).toBeTruthy()
    expect([alloc.ips.free, alloc.nodePorts.free]).toEqual([ipsFree, portsFree])

    const old = create(alloc, service('web', { type: 'NodePort' }))
    const port = old.spec.ports[0].nodePort as number
    const toClusterIP = structuredClone(old)
    toClusterIP.spec.type = 'ClusterIP'
    delete toClusterIP.spec.ports[0].nodePort
    alloc.beginUpdate(SERVICES, toClusterIP, old, false).commit()
    expect(alloc.nodePorts.has(port)).toBe(false)
    expect(alloc.ips.has(old.spec.clusterIP)).toBe(true)

    const back = structuredClone(toClusterIP)
    back.spec.type = 'NodePort'
    const txn = alloc.beginUpdate(SERVICES, back, toClusterIP, false)
    expect(back.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000)
    txn.revert()
    expect(alloc.nodePorts.free).toBe(portsFree)
  })

  it('survives a restart: a new allocator restored from the stored services refuses their values', () => {
    const first = new ServiceAllocator()
    const stored = [
      create(first, service('a', { type: 'NodePort' })),
      create(first, service('b', {})),
      create(first, service('h', { clusterIP: 'None' }))
    ]
    const restarted = new ServiceAllocator()
    restarted.restore(stored)
    expect(restarted.ips.free).toBe(first.ips.free)
    expect(restarted.nodePorts.free).toBe(first.nodePorts.free)
    const again = service('c', {
      type: 'NodePort',
      clusterIP: stored[1]!.spec.clusterIP,
      ports: [{ port: 80, protocol: 'TCP', nodePort: stored[0]!.spec.ports[0].nodePort }]
    })
    expect(errorOf(() => restarted.beginCreate(SERVICES, again, false)).message).toMatch(
      /failed to allocate IP .*: provided IP is already allocated/
    )
  })

  it('answers 500 with kube-apiserver words when a range is exhausted', () => {
    const alloc = new ServiceAllocator(
      new ClusterIPAllocator('10.0.0.0/30'),
      new NodePortAllocator(30000, 30001)
    )
    create(alloc, service('a', { type: 'NodePort' }))
    create(alloc, service('b', { type: 'NodePort' }))
    const ipFull = errorOf(() => alloc.beginCreate(SERVICES, service('c', {}), false))
    expect([ipFull.code, ipFull.message]).toEqual([
      500,
      'Internal error occurred: failed to allocate a serviceIP: range is full'
    ])
    const alloc2 = new ServiceAllocator(
      new ClusterIPAllocator(),
      new NodePortAllocator(30000, 30000)
    )
    create(alloc2, service('a', { type: 'NodePort' }))
    const portFull = errorOf(() =>
      alloc2.beginCreate(SERVICES, service('b', { type: 'NodePort' }), false)
    )
    expect([portFull.code, portFull.message]).toEqual([
      500,
      'Internal error occurred: failed to allocate a nodePort: range is full'
    ])
    // The failed request gave its IP back.
    expect(alloc2.ips.free).toBe(new ClusterIPAllocator().free - 1)
  })
})
