/**
 * The Service registry's allocators (kube-apiserver's pkg/registry/core/service/storage/alloc.go,
 * rewritten): ClusterIPs and node ports are taken when a Service is created or updated and given
 * back when it is deleted or no longer needs them.
 *
 * Each write runs as a transaction around the store write: `beginCreate`/`beginUpdate` allocate
 * (synchronously, so concurrent requests can never get the same value), the handler writes, then
 * `commit` (the write landed: release what the old object held and the new one does not) or
 * `revert` (it failed: give back what was just taken). A dry run allocates to check and to show
 * the values, then gives everything back. The state is rebuilt from the stored Services when the
 * API server starts (`restore`), so it survives restarts without being stored itself.
 */
import { ApiError, invalid } from '../api-errors'
import { index, invalidValue } from '../admission/field-errors'
import { findResource, type RegistryEntry } from '../registry'
import type { WriteHooks, WriteTransaction } from '../rest/context'
import type { ObjectStorage } from '../storage/object-storage'
import type { KubeObject } from '../types'
import { ClusterIPAllocator } from './cluster-ip-allocator'
import { NodePortAllocator } from './node-port-allocator'
import { RangeFullError } from './range-allocator'

type Obj = Record<string, unknown>

interface ServicePort {
  port?: number
  protocol?: string
  nodePort?: number
}

/** What a stored Service holds in the allocators. */
interface Held {
  ips: string[]
  ports: number[]
}

const NO_TRANSACTION: WriteTransaction = { commit() {}, revert() {} }

function specOf(svc: KubeObject): Obj {
  if (typeof svc.spec !== 'object' || svc.spec === null) svc.spec = {}
  return svc.spec as Obj
}

function portsOf(spec: Obj): ServicePort[] {
  return Array.isArray(spec.ports) ? (spec.ports as ServicePort[]) : []
}

function needsNodePorts(spec: Obj): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer'
}

/** kube's shouldAllocateNodePorts: LoadBalancers may opt out. */
function allocatesNodePorts(spec: Obj): boolean {
  if (spec.type === 'NodePort') return true
  return spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false
}

/** kube's NeedsHealthCheck: a LoadBalancer that keeps client source IPs. */
function needsHealthCheck(spec: Obj): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local'
}

/** kube's normalizeClusterIPs: `clusterIP` and `clusterIPs[0]` say the same. */
function normalizeClusterIPs(spec: Obj): void {
  if (spec.type === 'ExternalName') return
  const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : []
  if (spec.clusterIP && ips.length === 0) spec.clusterIPs = [spec.clusterIP]
  else if (!spec.clusterIP && ips.length > 0) spec.clusterIP = ips[0]
}

/** The IPs and ports a stored Service holds. */
function heldBy(svc: KubeObject | undefined): Held {
  if (!svc) return { ips: [], ports: [] }
  const spec = (svc.spec ?? {}) as Obj
  const listed = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : []
  // Objects written before clusterIPs existed carry only clusterIP.
  const all =
    listed.length > 0 ? listed : typeof spec.clusterIP === 'string' ? [spec.clusterIP] : []
  const ips = spec.type === 'ExternalName' ? [] : all.filter((ip) => ip && ip !== 'None')
  const ports = portsOf(spec)
    .map((p) => p.nodePort ?? 0)
    .filter((p) => p > 0)
  if (typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0) {
    ports.push(spec.healthCheckNodePort)
  }
  return { ips, ports: [...new Set(ports)] }
}

function isService(entry: Pick<RegistryEntry, 'group' | 'kind'>): boolean {
  return entry.group === '' && entry.kind === 'Service'
}

function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`)
}

/** ClusterIPs and node ports of Services, as WriteHooks for the generic handlers. */
export class ServiceAllocator implements WriteHooks {
  constructor(
    readonly ips: ClusterIPAllocator = new ClusterIPAllocator(),
    readonly nodePorts: NodePortAllocator = new NodePortAllocator()
  ) {}

  /**
   * Marks what the stored Services hold (at API server start). A stored value outside the
   * ranges or held twice is left as it is: the Service keeps working, nothing else gets it.
   */
  restore(services: KubeObject[]): void {
    for (const svc of services) {
      const held = heldBy(svc)
      for (const ip of held.ips)
        if (this.ips.contains(ip) && !this.ips.has(ip)) this.ips.allocate(ip)
      for (const port of held.ports) {
        if (port >= this.nodePorts.min && port <= this.nodePorts.max && !this.nodePorts.has(port)) {
          this.nodePorts.allocate(port)
        }
      }
    }
  }

  /** Reads every stored Service and restores the allocations (see `restore`). */
  async restoreFrom(storage: ObjectStorage): Promise<void> {
    const entry = findResource('', 'v1', 'services') as RegistryEntry
    this.restore((await storage.list(entry, undefined, {})).items)
  }

  beginCreate(entry: RegistryEntry, obj: KubeObject, dryRun: boolean): WriteTransaction {
    if (!isService(entry)) return NO_TRANSACTION
    return this.begin(obj, undefined, dryRun)
  }

  beginUpdate(
    entry: RegistryEntry,
    obj: KubeObject,
    old: KubeObject,
    dryRun: boolean
  ): WriteTransaction {
    if (!isService(entry)) return NO_TRANSACTION
    return this.begin(obj, old, dryRun)
  }

  afterDelete(entry: RegistryEntry, obj: KubeObject): void {
    if (!isService(entry)) return
    const held = heldBy(obj)
    for (const ip of held.ips) this.ips.release(ip)
    for (const port of held.ports) this.nodePorts.release(port)
  }

  private begin(svc: KubeObject, old: KubeObject | undefined, dryRun: boolean): WriteTransaction {
    const name = svc.metadata?.name ?? ''
    const spec = specOf(svc)
    normalizeClusterIPs(spec)
    const before = heldBy(old)
    const taken: Held = { ips: [], ports: [] }
    const giveBack = (): void => {
      for (const ip of taken.ips) this.ips.release(ip)
      for (const port of taken.ports) this.nodePorts.release(port)
    }
    try {
      this.allocateClusterIPs(name, spec, before, taken)
      this.allocateNodePorts(name, spec, before, taken)
    } catch (err) {
      giveBack()
      throw err
    }
    return {
      commit: () => {
        if (dryRun) return giveBack()
        const after = heldBy(svc)
        for (const ip of before.ips) if (!after.ips.includes(ip)) this.ips.release(ip)
        for (const port of before.ports) {
          if (!after.ports.includes(port)) this.nodePorts.release(port)
        }
      },
      revert: giveBack
    }
  }

  private allocateClusterIPs(name: string, spec: Obj, before: Held, taken: Held): void {
    if (spec.type === 'ExternalName') return
    const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : []
    if (ips[0] === 'None') return
    // A single-stack IPv4 cluster (headless Services, which get no IP, returned above).
    const families = Array.isArray(spec.ipFamilies) ? (spec.ipFamilies as string[]) : []
    const unsupported = families.findIndex((f) => f !== 'IPv4')
    if (unsupported >= 0) {
      throw invalid('Service', '', name, [
        invalidValue(
          index('spec.ipFamilies', unsupported),
          families[unsupported],
          'not configured on this cluster'
        )
      ])
    }
    const wanted = ips[0]
    if (wanted && before.ips.includes(wanted)) return
    if (wanted) {
      try {
        this.ips.allocate(wanted)
      } catch (err) {
        throw invalid('Service', '', name, [
          invalidValue(
            'spec.clusterIPs',
            ips,
            `failed to allocate IP ${wanted}: ${(err as Error).message}`
          )
        ])
      }
      taken.ips.push(wanted)
      return
    }
    let ip: string
    try {
      ip = this.ips.allocateNext()
    } catch (err) {
      if (err instanceof RangeFullError) {
        throw internalError(`failed to allocate a serviceIP: ${err.message}`)
      }
      throw err
    }
    taken.ips.push(ip)
    spec.clusterIP = ip
    spec.clusterIPs = [ip]
  }

  private allocateNodePorts(name: string, spec: Obj, before: Held, taken: Held): void {
    const claim = (port: number, at: number): void => {
      if (before.ports.includes(port) || taken.ports.includes(port)) return
      try {
        this.nodePorts.allocate(port)
      } catch (err) {
        throw invalid('Service', '', name, [
          invalidValue(`spec.ports[${at}].nodePort`, port, (err as Error).message)
        ])
      }
      taken.ports.push(port)
    }
    const next = (): number => {
      try {
        const port = this.nodePorts.allocateNext()
        taken.ports.push(port)
        return port
      } catch (err) {
        if (err instanceof RangeFullError) {
          throw internalError(`failed to allocate a nodePort: ${err.message}`)
        }
        throw err
      }
    }
    if (needsNodePorts(spec)) {
      // kube's initNodePorts: ports with the same number (TCP and UDP 53) share one node port.
      const byServicePort = new Map<number, number>()
      portsOf(spec).forEach((p, i) => {
        if (p.nodePort) {
          claim(p.nodePort, i)
          if (p.port !== undefined && !byServicePort.has(p.port))
            byServicePort.set(p.port, p.nodePort)
          return
        }
        if (!allocatesNodePorts(spec)) return
        const shared = p.port === undefined ? undefined : byServicePort.get(p.port)
        p.nodePort = shared ?? next()
        if (p.port !== undefined && shared === undefined) byServicePort.set(p.port, p.nodePort)
      })
    }
    if (needsHealthCheck(spec)) {
      const hc = spec.healthCheckNodePort
      if (typeof hc === 'number' && hc > 0) {
        if (!before.ports.includes(hc) && !taken.ports.includes(hc)) {
          try {
            this.nodePorts.allocate(hc)
          } catch (err) {
            throw internalError(
              `failed to allocate requested HealthCheck NodePort ${hc}: ${(err as Error).message}`
            )
          }
          taken.ports.push(hc)
        }
      } else {
        spec.healthCheckNodePort = next()
      }
    }
  }
}
