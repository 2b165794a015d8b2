/**
 * Defaults of the core kinds other than pods (k8s.io/kubernetes pkg/apis/core/v1/defaults.go and
 * discovery/v1), plus the two things kube-apiserver's registry does that a user sees as defaults:
 * a Secret's `stringData` folded into `data`, and a Service update keeping its allocated
 * clusterIPs and nodePorts when the client left them out.
 */
import type { KubeObject } from '../types'
import { ensureObj, isObj, obj, objects, setDefault, str, type Obj } from './shape'

function isExternallyAccessible(spec: Obj): boolean {
  return (
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0)
  )
}

function defaultIPFamilies(spec: Obj): void {
  if (spec.type === 'ExternalName') return
  const headlessNoSelector =
    spec.clusterIP === 'None' && Object.keys(obj(spec.selector)).length === 0
  setDefault(spec, 'ipFamilyPolicy', headlessNoSelector ? 'RequireDualStack' : 'SingleStack')
  if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) {
    const ip = str(spec.clusterIP)
    spec.ipFamilies = [ip.includes(':') ? 'IPv6' : 'IPv4']
  }
  // kube's initIPFamilyFields: a headless Service without selector may list both families even
  // on a single-stack cluster, and unless it asked for SingleStack it gets the other one too.
  const families = spec.ipFamilies as string[]
  if (headlessNoSelector && spec.ipFamilyPolicy !== 'SingleStack' && families.length === 1) {
    spec.ipFamilies = [...families, families[0] === 'IPv6' ? 'IPv4' : 'IPv6']
  }
}

/**
 * kube's dropTypeDependentFields: a type change away from NodePort/LoadBalancer drops the node
 * ports (and the health check port) the client sent back unchanged, so `kubectl patch` of the
 * type alone works; the registry then releases them.
 */
function dropTypeDependentFields(spec: Obj, oldSpec: Obj): void {
  const nodePorts = (s: Obj): boolean => s.type === 'NodePort' || s.type === 'LoadBalancer'
  if (nodePorts(oldSpec) && !nodePorts(spec)) {
    const oldPorts = objects(oldSpec.ports)
    const unchanged = objects(spec.ports).every(
      (p) => !p.nodePort || oldPorts.some((o) => o.nodePort === p.nodePort)
    )
    if (unchanged) for (const p of objects(spec.ports)) delete p.nodePort
  }
  const healthCheck = (s: Obj): boolean =>
    s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local'
  if (
    healthCheck(oldSpec) &&
    !healthCheck(spec) &&
    spec.healthCheckNodePort === oldSpec.healthCheckNodePort
  ) {
    delete spec.healthCheckNodePort
  }
  if (spec.type !== 'LoadBalancer' && oldSpec.type === 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts
    }
  }
}

/** Copies what the allocator assigned from `old` when an update omits it (kube's registry does). */
function keepAllocated(spec: Obj, oldSpec: Obj): void {
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return
  if (!spec.clusterIP && oldSpec.clusterIP) {
    spec.clusterIP = oldSpec.clusterIP
    if (!Array.isArray(spec.clusterIPs) || spec.clusterIPs.length === 0) {
      spec.clusterIPs = oldSpec.clusterIPs
    }
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    const oldPorts = objects(oldSpec.ports)
    for (const p of objects(spec.ports)) {
      if (p.nodePort) continue
      const same = oldPorts.find(
        (o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP') && o.nodePort
      )
      if (same) p.nodePort = same.nodePort
    }
  }
  if (!spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort
  }
}

/** SetDefaults_Service, the single-stack IP family fields, and update carry-over. */
export function defaultService(svc: KubeObject, old?: KubeObject): void {
  const spec = ensureObj(svc as Obj, 'spec')
  setDefault(spec, 'sessionAffinity', 'None')
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig
  if (spec.sessionAffinity === 'ClientIP') {
    const config = ensureObj(spec, 'sessionAffinityConfig')
    const clientIP = ensureObj(config, 'clientIP')
    setDefault(clientIP, 'timeoutSeconds', 10800)
  }
  setDefault(spec, 'type', 'ClusterIP')
  for (const p of objects(spec.ports)) {
    setDefault(p, 'protocol', 'TCP')
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') {
      p.targetPort = p.port
    }
  }
  if (isExternallyAccessible(spec)) setDefault(spec, 'externalTrafficPolicy', 'Cluster')
  if (['ClusterIP', 'NodePort', 'LoadBalancer'].includes(str(spec.type))) {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster')
  }
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true)
  if (old) {
    keepAllocated(spec, obj(old.spec))
    dropTypeDependentFields(spec, obj(old.spec))
  }
  defaultIPFamilies(spec)
}

/** SetDefaults_Secret plus the v1 conversion that folds `stringData` into base64 `data`. */
export function defaultSecret(secret: KubeObject): void {
  setDefault(secret as Obj, 'type', 'Opaque')
  if (isObj(secret.stringData)) {
    const data = ensureObj(secret as Obj, 'data')
    for (const [k, v] of Object.entries(secret.stringData)) {
      if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64')
    }
    delete secret.stringData
  }
}

/** The namespace name label, `spec.finalizers: [kubernetes]` on create, `status.phase: Active`. */
export function defaultNamespace(ns: KubeObject, operation: 'CREATE' | 'UPDATE'): void {
  const name = ns.metadata.name
  if (name)
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name }
  const spec = ensureObj(ns as Obj, 'spec')
  if (operation === 'CREATE' && !Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes']
  setDefault(ensureObj(ns as Obj, 'status'), 'phase', 'Active')
}

/** SetDefaults_NodeStatus: allocatable is capacity until the kubelet says otherwise. */
export function defaultNode(node: KubeObject): void {
  if (!isObj(node.status)) return
  const status = node.status
  if (status.allocatable === undefined && isObj(status.capacity)) {
    status.allocatable = { ...status.capacity }
  }
}

/** SetDefaults_Endpoints: ports default to TCP. */
export function defaultEndpoints(ep: KubeObject): void {
  for (const subset of objects(ep.subsets)) {
    for (const p of objects(subset.ports)) setDefault(p, 'protocol', 'TCP')
  }
}

/** discovery/v1 SetDefaults_EndpointPort: name '' and protocol TCP. */
export function defaultEndpointSlice(slice: KubeObject): void {
  for (const p of objects(slice.ports)) {
    if (p.name === undefined || p.name === null) p.name = ''
    setDefault(p, 'protocol', 'TCP')
  }
}
