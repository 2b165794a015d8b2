/**
 * Validation of the simpler core/v1 kinds (pkg/apis/core/validation): ConfigMaps and Secrets
 * (keys, size, immutability, typed secrets), Namespaces, Nodes, ServiceAccounts and core Events.
 * Services and Endpoints are in validate-service.ts.
 */
import type { FieldCause, KubeObject } from '../types'
import {
  child,
  forbidden,
  immutable,
  index,
  invalidValue,
  key,
  notSupported,
  required,
  tooLong
} from './field-errors'
import {
  isCIDR,
  isConfigMapKey,
  isDNS1123Subdomain,
  isQualifiedName,
  nameIsDNSLabel,
  nameIsDNSSubdomain
} from './formats'
import { jsonEqual, obj, objects, parseQuantity, QUANTITY_ERROR, str } from './shape'
import { validateObjectMeta, validateObjectMetaUpdate } from './validate-meta'

/** 1 MiB: the most data a ConfigMap or Secret may hold. */
export const MAX_SECRET_SIZE = 1024 * 1024

function metaCauses(
  o: KubeObject,
  namespaced: boolean,
  old: KubeObject | undefined,
  check = nameIsDNSSubdomain
): FieldCause[] {
  const causes = validateObjectMeta(o.metadata, namespaced, check)
  if (old) causes.push(...validateObjectMetaUpdate(o.metadata, old.metadata))
  return causes
}

function immutableData(o: KubeObject, old: KubeObject | undefined, fields: string[]): FieldCause[] {
  if (!old || old.immutable !== true) return []
  const causes: FieldCause[] = []
  if (o.immutable !== true)
    causes.push(forbidden('immutable', 'field is immutable when `immutable` is set'))
  for (const f of fields) {
    if (!jsonEqual(o[f] ?? {}, old[f] ?? {}))
      causes.push(forbidden(f, 'field is immutable when `immutable` is set'))
  }
  return causes
}

function base64Size(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 === 1) return undefined
  return Buffer.from(v, 'base64').length
}

/** ValidateConfigMap (and ValidateConfigMapUpdate with `old`). */
export function validateConfigMap(cm: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = metaCauses(cm, true, old)
  const binary = obj(cm.binaryData)
  let total = 0
  for (const [k, v] of Object.entries(obj(cm.data))) {
    causes.push(...isConfigMapKey(k).map((m) => invalidValue(key('data', k), k, m)))
    if (k in binary)
      causes.push(invalidValue(key('data', k), k, 'duplicate of key present in binaryData'))
    total += Buffer.byteLength(typeof v === 'string' ? v : '')
  }
  for (const [k, v] of Object.entries(binary)) {
    causes.push(...isConfigMapKey(k).map((m) => invalidValue(key('binaryData', k), k, m)))
    total += base64Size(v) ?? 0
  }
  if (total > MAX_SECRET_SIZE) causes.push(tooLong('', MAX_SECRET_SIZE))
  causes.push(...immutableData(cm, old, ['data', 'binaryData']))
  return causes
}

/** The keys a typed Secret must carry. */
const REQUIRED_SECRET_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey']
}

/** ValidateSecret (and ValidateSecretUpdate with `old`). */
export function validateSecret(secret: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = metaCauses(secret, true, old)
  const data = obj(secret.data)
  let total = 0
  for (const [k, v] of Object.entries(data)) {
    causes.push(...isConfigMapKey(k).map((m) => invalidValue(key('data', k), k, m)))
    const size = base64Size(v)
    if (size === undefined)
      causes.push(invalidValue(key('data', k), '<secret contents redacted>', 'illegal base64 data'))
    total += size ?? 0
  }
  if (total > MAX_SECRET_SIZE) causes.push(tooLong('data', MAX_SECRET_SIZE))
  const type = str(secret.type)
  if (type === 'kubernetes.io/service-account-token') {
    if (!str(obj(secret.metadata.annotations)['kubernetes.io/service-account.name'])) {
      causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'))
    }
  } else if (type === 'kubernetes.io/basic-auth') {
    if (!('username' in data) && !('password' in data))
      causes.push(required('data[username]'), required('data[password]'))
  } else {
    for (const k of REQUIRED_SECRET_KEYS[type] ?? [])
      if (!(k in data)) causes.push(required(key('data', k)))
  }
  for (const k of ['.dockercfg', '.dockerconfigjson']) {
    if (REQUIRED_SECRET_KEYS[type]?.includes(k) && typeof data[k] === 'string') {
      try {
        JSON.parse(Buffer.from(data[k] as string, 'base64').toString('utf8'))
      } catch (err) {
        causes.push(
          invalidValue(key('data', k), '<secret contents redacted>', (err as Error).message)
        )
      }
    }
  }
  if (old && str(old.type) !== type) causes.push(immutable('type', type))
  causes.push(...immutableData(secret, old, ['data']))
  return causes
}

/** ValidateNamespace (and update): DNS-label names, qualified finalizer names. */
export function validateNamespace(ns: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = metaCauses(ns, false, old, nameIsDNSLabel)
  const finalizers = obj(ns.spec).finalizers
  ;(Array.isArray(finalizers) ? finalizers : []).forEach((f, i) => {
    const name = String(f)
    const path = index('spec.finalizers', i)
    const msgs = isQualifiedName(name)
    if (msgs.length) causes.push(...msgs.map((m) => invalidValue(path, name, m)))
    else if (!name.includes('/') && name !== 'kubernetes') {
      causes.push(
        invalidValue(
          path,
          name,
          'name is neither a standard finalizer name nor is it fully qualified'
        )
      )
    }
  })
  const phase = obj(ns.status).phase
  if (phase != null && !['Active', 'Terminating'].includes(str(phase))) {
    causes.push(notSupported('status.phase', phase, ['Active', 'Terminating']))
  }
  return causes
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute']

function validateResourceList(list: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  for (const [name, q] of Object.entries(obj(list))) {
    const n = parseQuantity(q)
    if (n === undefined) causes.push(invalidValue(key(path, name), q, QUANTITY_ERROR))
    else if (n < 0)
      causes.push(invalidValue(key(path, name), String(q), 'must be greater than or equal to 0'))
  }
  return causes
}

/** ValidateNode (and ValidateNodeUpdate with `old`). */
export function validateNode(node: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = metaCauses(node, false, old)
  const spec = obj(node.spec)
  const seen = new Set<string>()
  objects(spec.taints).forEach((t, i) => {
    const tp = index('spec.taints', i)
    const k = str(t.key)
    causes.push(...isQualifiedName(k).map((m) => invalidValue(child(tp, 'key'), k, m)))
    const effect = str(t.effect)
    if (!effect) causes.push(required(child(tp, 'effect')))
    else if (!TAINT_EFFECTS.includes(effect))
      causes.push(notSupported(child(tp, 'effect'), effect, TAINT_EFFECTS))
    const id = `${k}:${effect}`
    if (seen.has(id))
      causes.push(
        invalidValue(tp, `${k}:${effect}`, 'taints must be unique by key and effect pair')
      )
    seen.add(id)
  })
  const cidrs = Array.isArray(spec.podCIDRs)
    ? spec.podCIDRs.map(String)
    : spec.podCIDR
      ? [str(spec.podCIDR)]
      : []
  cidrs.forEach((c, i) => {
    if (!isCIDR(c))
      causes.push(
        invalidValue(
          index('spec.podCIDRs', i),
          c,
          'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'
        )
      )
  })
  const status = obj(node.status)
  causes.push(...validateResourceList(status.capacity, 'status.capacity'))
  causes.push(...validateResourceList(status.allocatable, 'status.allocatable'))
  if (old) {
    const oldSpec = obj(old.spec)
    const oldCIDRs = Array.isArray(oldSpec.podCIDRs)
      ? oldSpec.podCIDRs.map(String)
      : oldSpec.podCIDR
        ? [str(oldSpec.podCIDR)]
        : []
    if (oldCIDRs.length > 0 && !jsonEqual(oldCIDRs, cidrs)) {
      causes.push(
        forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')
      )
    }
    if (str(oldSpec.providerID) && str(oldSpec.providerID) !== str(spec.providerID)) {
      causes.push(
        forbidden(
          'spec.providerID',
          'node updates may not change providerID except from "" to valid'
        )
      )
    }
  }
  return causes
}

/** ValidateServiceAccount: metadata, and secret references that name something. */
export function validateServiceAccount(sa: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = metaCauses(sa, true, old)
  objects(sa.imagePullSecrets).forEach((s, i) => {
    if (!str(s.name)) causes.push(required(child(index('imagePullSecrets', i), 'name')))
  })
  return causes
}

/** Field length limits of Events. */
const EVENT_LIMITS = { reportingInstance: 128, action: 128, reason: 128, message: 1024 }

/**
 * legacyValidateEvent: what core/v1 Events must satisfy. Field names follow the internal Event
 * (`involvedObject`, `message`), as kube-apiserver reports them for both event APIs.
 */
export function validateLegacyEvent(fields: {
  namespace: string
  involvedNamespace: string
  eventTime: unknown
  reportingController: string
  reportingControllerPath: string
  reportingInstance: string
  action: string
  reason: string
  message: string
}): FieldCause[] {
  const causes: FieldCause[] = []
  const f = fields
  const mismatch = invalidValue(
    'involvedObject.namespace',
    f.involvedNamespace,
    'does not match event.namespace'
  )
  if (!f.eventTime) {
    if (
      !f.involvedNamespace
        ? f.namespace !== '' && f.namespace !== 'default'
        : f.namespace !== f.involvedNamespace
    )
      causes.push(mismatch)
  } else {
    if (!f.involvedNamespace && f.namespace !== 'default' && f.namespace !== 'kube-system')
      causes.push(mismatch)
    if (!f.reportingController) causes.push(required(f.reportingControllerPath))
    else
      causes.push(
        ...isQualifiedName(f.reportingController).map((m) =>
          invalidValue(f.reportingControllerPath, f.reportingController, m)
        )
      )
    for (const field of ['reportingInstance', 'action', 'reason'] as const) {
      if (!f[field]) causes.push(required(field))
      else if (f[field].length > EVENT_LIMITS[field])
        causes.push(invalidValue(field, '', `can have at most ${EVENT_LIMITS[field]} characters`))
    }
    if (f.message.length > EVENT_LIMITS.message)
      causes.push(
        invalidValue('message', '', `can have at most ${EVENT_LIMITS.message} characters`)
      )
  }
  causes.push(
    ...isDNS1123Subdomain(f.namespace).map((m) => invalidValue('namespace', f.namespace, m))
  )
  return causes
}

/** ValidateEventCreate/Update for core/v1 Events (legacy rules only, as kube-apiserver does). */
export function validateCoreEvent(ev: KubeObject): FieldCause[] {
  const involved = obj(ev.involvedObject)
  return validateLegacyEvent({
    namespace: str(ev.metadata.namespace),
    involvedNamespace: str(involved.namespace),
    eventTime: ev.eventTime,
    reportingController: str(ev.reportingComponent),
    reportingControllerPath: 'reportingComponent',
    reportingInstance: str(ev.reportingInstance),
    action: str(ev.action),
    reason: str(ev.reason),
    message: str(ev.message)
  })
}

/** Light checks for a node's status update (capacity quantities, condition types). */
export function validateNodeStatus(node: KubeObject): FieldCause[] {
  const status = obj(node.status)
  const causes = [
    ...validateResourceList(status.capacity, 'status.capacity'),
    ...validateResourceList(status.allocatable, 'status.allocatable')
  ]
  objects(status.conditions).forEach((c, i) => {
    if (!str(c.type)) causes.push(required(child(index('status.conditions', i), 'type')))
  })
  return causes
}
