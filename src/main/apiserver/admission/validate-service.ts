/**
 * Service and Endpoints validation (pkg/apis/core/validation ValidateService, ValidateEndpoints):
 * ports, types, session affinity, cluster IPs and node ports, with kube-apiserver's messages.
 */
import type { FieldCause, KubeObject } from '../types'
import {
  child,
  duplicate,
  forbidden,
  index,
  invalidValue,
  notSupported,
  Rendered,
  required
} from './field-errors'
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSSubdomain
} from './formats'
import { num, obj, objects, str } from './shape'
import { validatePortNumOrName } from './validate-container'
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './validate-meta'

const PROTOCOLS = ['SCTP', 'TCP', 'UDP']
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']
const AFFINITIES = ['ClientIP', 'None']
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack']
const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'

/** The node port range kube-apiserver allocates from (--service-node-port-range default). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 }

/** `core.ServicePort{…}` as Go's %#v prints the (protocol, port) key of a duplicate. */
function goServicePortKey(protocol: string, port: unknown): Rendered {
  return new Rendered(
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${String(port)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`
  )
}

function validateServicePorts(spec: Record<string, unknown>, headless: boolean): FieldCause[] {
  const causes: FieldCause[] = []
  const ports = objects(spec.ports)
  const names = new Set<string>()
  ports.forEach((p, i) => {
    const pp = index('spec.ports', i)
    const name = str(p.name)
    if (ports.length > 1 && !name) causes.push(required(child(pp, 'name')))
    else if (name) {
      causes.push(...isDNS1123Label(name).map((m) => invalidValue(child(pp, 'name'), name, m)))
      if (names.has(name)) causes.push(duplicate(child(pp, 'name'), name))
      names.add(name)
    }
    causes.push(
      ...isValidPortNum(num(p.port) ?? 0).map((m) =>
        invalidValue(child(pp, 'port'), p.port ?? 0, m)
      )
    )
    const protocol = str(p.protocol)
    if (!protocol) causes.push(required(child(pp, 'protocol')))
    else if (!PROTOCOLS.includes(protocol))
      causes.push(notSupported(child(pp, 'protocol'), protocol, PROTOCOLS))
    if (!headless || p.targetPort !== undefined)
      causes.push(...validatePortNumOrName(p.targetPort, child(pp, 'targetPort')))
  })
  const nodePorts = new Set<string>()
  const keys = new Set<string>()
  ports.forEach((p, i) => {
    const pp = index('spec.ports', i)
    const nodePort = num(p.nodePort) ?? 0
    if (nodePort !== 0) {
      if (spec.type === 'ClusterIP')
        causes.push(forbidden(child(pp, 'nodePort'), "may not be used when `type` is 'ClusterIP'"))
      else if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        causes.push(
          invalidValue(
            child(pp, 'nodePort'),
            nodePort,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`
          )
        )
      }
      const k = `${str(p.protocol)}/${nodePort}`
      if (nodePorts.has(k)) causes.push(duplicate(child(pp, 'nodePort'), nodePort))
      nodePorts.add(k)
    }
    const key = `${str(p.protocol)}/${String(p.port)}`
    if (keys.has(key)) causes.push(duplicate(pp, goServicePortKey(str(p.protocol), p.port)))
    keys.add(key)
  })
  return causes
}

function validateClusterIPs(spec: Record<string, unknown>): FieldCause[] {
  const causes: FieldCause[] = []
  const ips = Array.isArray(spec.clusterIPs)
    ? spec.clusterIPs.map(String)
    : spec.clusterIP
      ? [str(spec.clusterIP)]
      : []
  ips.forEach((ip, i) => {
    if (ip === 'None' && i === 0) return
    if (!isIP(ip)) causes.push(invalidValue(index('spec.clusterIPs', i), ip, IP_ERROR))
  })
  if (spec.clusterIP && ips.length > 0 && ips[0] !== spec.clusterIP) {
    causes.push(
      invalidValue(
        'spec.clusterIPs',
        new Rendered(`[]string{${ips.map((v) => JSON.stringify(v)).join(', ')}}`),
        'first value must match `clusterIP`'
      )
    )
  }
  const policy = spec.ipFamilyPolicy
  if (policy != null && !IP_FAMILY_POLICIES.includes(str(policy))) {
    causes.push(notSupported('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES))
  }
  const headlessNoSelector =
    spec.clusterIP === 'None' && Object.keys(obj(spec.selector)).length === 0
  if (policy === 'RequireDualStack' && !headlessNoSelector) {
    causes.push(
      invalidValue(
        'spec.ipFamilyPolicy',
        policy,
        'this cluster is not configured for dual-stack services'
      )
    )
  }
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : []
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6')
      causes.push(notSupported(index('spec.ipFamilies', i), f, ['IPv4', 'IPv6']))
  })
  return causes
}

/** ValidateService (and ValidateServiceUpdate with `old`). */
export function validateService(svc: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label)
  if (old) causes.push(...validateObjectMetaUpdate(svc.metadata, old.metadata))
  const spec = obj(svc.spec)
  const type = str(spec.type)
  const headless = spec.clusterIP === 'None'
  if (objects(spec.ports).length === 0 && !headless && type !== 'ExternalName')
    causes.push(required('spec.ports'))
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    causes.push(
      invalidValue('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`)
    )
  }
  if (type === 'ExternalName') {
    if (spec.clusterIP || (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0)) {
      causes.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'))
    }
    if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0)
      causes.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'))
    if (spec.ipFamilyPolicy != null)
      causes.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'))
    const cname = str(spec.externalName).replace(/\.$/, '')
    if (!cname) causes.push(required('spec.externalName'))
    else
      causes.push(
        ...isDNS1123Subdomain(cname).map((m) => invalidValue('spec.externalName', cname, m))
      )
  } else {
    causes.push(...validateClusterIPs(spec))
  }
  causes.push(...validateServicePorts(spec, headless))
  if (spec.selector != null) causes.push(...validateLabels(spec.selector, 'spec.selector'))
  const affinity = str(spec.sessionAffinity)
  if (!affinity) causes.push(required('spec.sessionAffinity'))
  else if (!AFFINITIES.includes(affinity))
    causes.push(notSupported('spec.sessionAffinity', affinity, AFFINITIES))
  else if (affinity === 'None' && spec.sessionAffinityConfig != null) {
    causes.push(
      forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None')
    )
  } else if (affinity === 'ClientIP') {
    const timeout = obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds
    if (typeof timeout !== 'number' || timeout <= 0 || timeout > 86400) {
      causes.push(
        invalidValue(
          'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
          timeout ?? 0,
          'must be greater than 0 and less than 86400'
        )
      )
    }
  }
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : []
  externalIPs.forEach((ip, i) => {
    if (!isIP(String(ip)))
      causes.push(invalidValue(index('spec.externalIPs', i), String(ip), IP_ERROR))
  })
  if (!type) causes.push(required('spec.type'))
  else if (!SERVICE_TYPES.includes(type))
    causes.push(notSupported('spec.type', type, SERVICE_TYPES))
  const etp = spec.externalTrafficPolicy
  if (etp != null && etp !== '' && !['Cluster', 'Local'].includes(str(etp))) {
    causes.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']))
  }
  if (old) {
    const oldSpec = obj(old.spec)
    const oldIPs = Array.isArray(oldSpec.clusterIPs)
      ? oldSpec.clusterIPs.map(String)
      : oldSpec.clusterIP
        ? [str(oldSpec.clusterIP)]
        : []
    const newIPs = Array.isArray(spec.clusterIPs)
      ? spec.clusterIPs.map(String)
      : spec.clusterIP
        ? [str(spec.clusterIP)]
        : []
    const externalNameInvolved = type === 'ExternalName' || oldSpec.type === 'ExternalName'
    if (!externalNameInvolved && oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
      causes.push(invalidValue('spec.clusterIPs[0]', newIPs, 'may not change once set'))
    }
  }
  return causes
}

/** ValidateEndpoints (and the update checks with `old`). */
export function validateEndpoints(ep: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain)
  if (old) causes.push(...validateObjectMetaUpdate(ep.metadata, old.metadata))
  objects(ep.subsets).forEach((subset, i) => {
    const sp = index('subsets', i)
    const addresses = objects(subset.addresses)
    const notReady = objects(subset.notReadyAddresses)
    if (addresses.length === 0 && notReady.length === 0) {
      causes.push(required(sp, 'must specify `addresses` or `notReadyAddresses`'))
    }
    for (const [list, field] of [
      [addresses, 'addresses'],
      [notReady, 'notReadyAddresses']
    ] as const) {
      list.forEach((a, j) => {
        const ap = index(child(sp, field), j)
        if (!isIP(str(a.ip))) causes.push(invalidValue(child(ap, 'ip'), str(a.ip), IP_ERROR))
        if (a.nodeName != null)
          causes.push(
            ...isDNS1123Subdomain(str(a.nodeName)).map((m) =>
              invalidValue(child(ap, 'nodeName'), str(a.nodeName), m)
            )
          )
      })
    }
    const ports = objects(subset.ports)
    ports.forEach((p, j) => {
      const pp = index(child(sp, 'ports'), j)
      const name = str(p.name)
      if (ports.length > 1 && !name) causes.push(required(child(pp, 'name')))
      else if (name)
        causes.push(...isDNS1123Label(name).map((m) => invalidValue(child(pp, 'name'), name, m)))
      causes.push(
        ...isValidPortNum(num(p.port) ?? 0).map((m) =>
          invalidValue(child(pp, 'port'), p.port ?? 0, m)
        )
      )
      const protocol = str(p.protocol)
      if (!protocol) causes.push(required(child(pp, 'protocol')))
      else if (!PROTOCOLS.includes(protocol))
        causes.push(notSupported(child(pp, 'protocol'), protocol, PROTOCOLS))
    })
  })
  return causes
}
