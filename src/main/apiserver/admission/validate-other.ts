/**
 * Validation of the kinds outside core and apps/batch: coordination.k8s.io Leases,
 * discovery.k8s.io EndpointSlices and events.k8s.io Events.
 */
import type { FieldCause, KubeObject } from '../types'
import {
  child,
  duplicate,
  immutable,
  index,
  invalidValue,
  notSupported,
  required
} from './field-errors'
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isQualifiedName,
  isValidPortNum,
  nameIsDNSSubdomain
} from './formats'
import { jsonEqual, num, obj, objects, str } from './shape'
import { validateLegacyEvent } from './validate-core'
import { validateObjectMeta, validateObjectMetaUpdate } from './validate-meta'

function metaCauses(o: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(o.metadata, true, nameIsDNSSubdomain)
  if (old) causes.push(...validateObjectMetaUpdate(o.metadata, old.metadata))
  return causes
}

/** ValidateLease: positive duration, non-negative transitions. */
export function validateLease(lease: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = metaCauses(lease, old)
  const spec = obj(lease.spec)
  const duration = spec.leaseDurationSeconds
  if (duration != null && !(typeof duration === 'number' && duration > 0)) {
    causes.push(invalidValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'))
  }
  const transitions = spec.leaseTransitions
  if (transitions != null && !(typeof transitions === 'number' && transitions >= 0)) {
    causes.push(
      invalidValue('spec.leaseTransitions', transitions, 'must be greater than or equal to 0')
    )
  }
  return causes
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6']
const PROTOCOLS = ['SCTP', 'TCP', 'UDP']

function addressError(type: string, address: string): string | undefined {
  if (type === 'IPv4')
    return /^\d+\.\d+\.\d+\.\d+$/.test(address) && isIP(address)
      ? undefined
      : 'must be a valid IPv4 address'
  if (type === 'IPv6')
    return address.includes(':') && isIP(address) ? undefined : 'must be a valid IPv6 address'
  if (type === 'FQDN')
    return isDNS1123Subdomain(address).length === 0 && address.includes('.')
      ? undefined
      : 'should be a domain with at least two segments separated by dots'
  return undefined
}

/** ValidateEndpointSlice (and update: addressType is immutable). */
export function validateEndpointSlice(slice: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = metaCauses(slice, old)
  const type = str(slice.addressType)
  objects(slice.endpoints).forEach((e, i) => {
    const ep = index('endpoints', i)
    const addresses = Array.isArray(e.addresses) ? e.addresses.map(String) : []
    if (addresses.length === 0)
      causes.push(required(child(ep, 'addresses'), 'must contain at least 1 address'))
    else if (addresses.length > 100)
      causes.push(
        invalidValue(child(ep, 'addresses'), addresses.length, 'must contain at most 100 addresses')
      )
    addresses.forEach((a, j) => {
      const err = addressError(type, a)
      if (err) causes.push(invalidValue(index(child(ep, 'addresses'), j), a, err))
    })
    if (e.nodeName != null)
      causes.push(
        ...isDNS1123Subdomain(str(e.nodeName)).map((m) =>
          invalidValue(child(ep, 'nodeName'), str(e.nodeName), m)
        )
      )
    if (e.hostname != null)
      causes.push(
        ...isDNS1123Label(str(e.hostname)).map((m) =>
          invalidValue(child(ep, 'hostname'), str(e.hostname), m)
        )
      )
  })
  if (!type) causes.push(required('addressType'))
  else if (!ADDRESS_TYPES.includes(type))
    causes.push(notSupported('addressType', type, ADDRESS_TYPES))
  const names = new Set<string>()
  objects(slice.ports).forEach((p, i) => {
    const pp = index('ports', i)
    const name = str(p.name)
    if (name)
      causes.push(...isDNS1123Label(name).map((m) => invalidValue(child(pp, 'name'), name, m)))
    if (names.has(name)) causes.push(duplicate(child(pp, 'name'), name))
    names.add(name)
    const protocol = str(p.protocol)
    if (!protocol) causes.push(required(child(pp, 'protocol')))
    else if (!PROTOCOLS.includes(protocol))
      causes.push(notSupported(child(pp, 'protocol'), protocol, PROTOCOLS))
    if (p.port != null)
      causes.push(
        ...isValidPortNum(num(p.port) ?? 0).map((m) => invalidValue(child(pp, 'port'), p.port, m))
      )
    if (p.appProtocol != null)
      causes.push(
        ...isQualifiedName(str(p.appProtocol)).map((m) =>
          invalidValue(child(pp, 'appProtocol'), str(p.appProtocol), m)
        )
      )
  })
  if (old && str(old.addressType) !== type) causes.push(immutable('addressType', type))
  return causes
}

/** Fields of an events.k8s.io Event that may not change once written. */
const EVENT_IMMUTABLE: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['related', 'related'],
  ['reason', 'reason'],
  ['note', 'message'],
  ['type', 'type'],
  ['action', 'action'],
  ['reportingController', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
  ['eventTime', 'eventTime']
]

/** ValidateEventCreate/Update for events.k8s.io/v1 (strict rules; internal field names). */
export function validateEventsV1(ev: KubeObject, old?: KubeObject): FieldCause[] {
  const regarding = obj(ev.regarding)
  const causes = validateLegacyEvent({
    namespace: str(ev.metadata.namespace),
    involvedNamespace: str(regarding.namespace),
    eventTime: ev.eventTime,
    reportingController: str(ev.reportingController),
    reportingControllerPath: 'reportingController',
    reportingInstance: str(ev.reportingInstance),
    action: str(ev.action),
    reason: str(ev.reason),
    message: str(ev.note)
  })
  causes.push(...metaCauses(ev, old))
  if (!ev.eventTime) causes.push(required('eventTime'))
  if (ev.type !== 'Normal' && ev.type !== 'Warning') {
    causes.push(invalidValue('type', '', `has invalid value: ${str(ev.type)}`))
  }
  for (const [field, internal] of [
    ['deprecatedFirstTimestamp', 'firstTimestamp'],
    ['deprecatedLastTimestamp', 'lastTimestamp'],
    ['deprecatedCount', 'count']
  ]) {
    if (ev[field] != null && ev[field] !== 0)
      causes.push(invalidValue(internal, '', 'needs to be unset'))
  }
  const source = obj(ev.deprecatedSource)
  if (str(source.component) || str(source.host))
    causes.push(invalidValue('source', '', 'needs to be unset'))
  if (old) {
    for (const [field, internal] of EVENT_IMMUTABLE) {
      if (!jsonEqual(ev[field], old[field])) causes.push(immutable(internal, ev[field] ?? ''))
    }
  }
  return causes
}
