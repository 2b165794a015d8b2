/**
 * Container validation (pkg/apis/core/validation: validateContainers and what it calls): names,
 * images, ports, env, volume mounts, resources and probes, with kube-apiserver's field paths and
 * messages.
 */
import type { FieldCause } from '../types'
import {
  child,
  duplicate,
  forbidden,
  index,
  invalidValue,
  key,
  notFoundValue,
  notSupported,
  required
} from './field-errors'
import {
  IS_NEGATIVE_ERROR,
  isConfigMapKey,
  isDNS1123Label,
  isEnvVarName,
  isQualifiedName,
  isValidPortName,
  isValidPortNum
} from './formats'
import { isObj, num, obj, objects, parseQuantity, QUANTITY_ERROR, str, type Obj } from './shape'

const PROTOCOLS = ['SCTP', 'TCP', 'UDP']
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never']
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError']
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'
] // prettier-ignore

/** A port given as a number or an IANA name (probes, targetPort). */
export function validatePortNumOrName(port: unknown, path: string): FieldCause[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalidValue(path, port, m))
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalidValue(path, port, m))
  return [required(path)]
}

function validatePorts(ports: unknown, path: string, hostNetwork: boolean): FieldCause[] {
  const causes: FieldCause[] = []
  const names = new Set<string>()
  objects(ports).forEach((p, i) => {
    const pp = index(path, i)
    const name = str(p.name)
    if (name) {
      const msgs = isValidPortName(name)
      if (msgs.length) causes.push(...msgs.map((m) => invalidValue(child(pp, 'name'), name, m)))
      else if (names.has(name)) causes.push(duplicate(child(pp, 'name'), name))
      names.add(name)
    }
    const containerPort = p.containerPort
    if (!containerPort) causes.push(required(child(pp, 'containerPort')))
    else if (typeof containerPort !== 'number' || isValidPortNum(containerPort).length) {
      causes.push(
        invalidValue(
          child(pp, 'containerPort'),
          containerPort,
          'must be between 1 and 65535, inclusive'
        )
      )
    }
    if (p.hostPort) {
      if (typeof p.hostPort !== 'number' || isValidPortNum(p.hostPort).length) {
        causes.push(
          invalidValue(child(pp, 'hostPort'), p.hostPort, 'must be between 1 and 65535, inclusive')
        )
      } else if (hostNetwork && p.hostPort !== containerPort) {
        causes.push(
          invalidValue(
            child(pp, 'hostPort'),
            p.hostPort,
            'must match `containerPort` when `hostNetwork` is true'
          )
        )
      }
    }
    const protocol = str(p.protocol)
    if (!protocol) causes.push(required(child(pp, 'protocol')))
    else if (!PROTOCOLS.includes(protocol))
      causes.push(notSupported(child(pp, 'protocol'), protocol, PROTOCOLS))
  })
  return causes
}

function validateKeyRef(ref: Obj, path: string, nameField: string): FieldCause[] {
  const causes: FieldCause[] = []
  const k = str(ref.key)
  if (!k) causes.push(required(child(path, 'key')))
  else causes.push(...isConfigMapKey(k).map((m) => invalidValue(child(path, 'key'), k, m)))
  if (!str(ref[nameField])) causes.push(required(child(path, nameField)))
  return causes
}

function validateEnv(env: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  objects(env).forEach((e, i) => {
    const ep = index(path, i)
    const name = str(e.name)
    if (!name) causes.push(required(child(ep, 'name')))
    else causes.push(...isEnvVarName(name).map((m) => invalidValue(child(ep, 'name'), name, m)))
    if (!isObj(e.valueFrom)) return
    const vf = e.valueFrom
    const vp = child(ep, 'valueFrom')
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter(
      (s) => isObj(vf[s])
    )
    if (sources.length === 0) {
      causes.push(
        invalidValue(
          vp,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'
        )
      )
    }
    if (str(e.value) && sources.length)
      causes.push(invalidValue(vp, '', 'may not be specified when `value` is not empty'))
    if (sources.length > 1)
      causes.push(invalidValue(vp, '', 'may not have more than one field specified at a time'))
    if (isObj(vf.fieldRef)) {
      const fp = str(vf.fieldRef.fieldPath)
      const fpPath = child(vp, 'fieldRef', 'fieldPath')
      const subscripted = /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp)
      if (!fp) causes.push(required(fpPath))
      else if (!subscripted && !ENV_FIELD_PATHS.includes(fp))
        causes.push(notSupported(fpPath, fp, ENV_FIELD_PATHS))
    }
    if (isObj(vf.resourceFieldRef) && !str(vf.resourceFieldRef.resource)) {
      causes.push(required(child(vp, 'resourceFieldRef', 'resource')))
    }
    if (isObj(vf.configMapKeyRef))
      causes.push(...validateKeyRef(vf.configMapKeyRef, child(vp, 'configMapKeyRef'), 'name'))
    if (isObj(vf.secretKeyRef))
      causes.push(...validateKeyRef(vf.secretKeyRef, child(vp, 'secretKeyRef'), 'name'))
  })
  return causes
}

function validateVolumeMounts(mounts: unknown, path: string, volumes: Set<string>): FieldCause[] {
  const causes: FieldCause[] = []
  const paths = new Set<string>()
  objects(mounts).forEach((m, i) => {
    const mp = index(path, i)
    const name = str(m.name)
    if (!name) causes.push(required(child(mp, 'name')))
    else if (!volumes.has(name)) causes.push(notFoundValue(child(mp, 'name'), name))
    const mountPath = str(m.mountPath)
    if (!mountPath) causes.push(required(child(mp, 'mountPath')))
    else if (paths.has(mountPath))
      causes.push(invalidValue(child(mp, 'mountPath'), mountPath, 'must be unique'))
    paths.add(mountPath)
    const subPath = str(m.subPath)
    if (subPath.startsWith('/'))
      causes.push(invalidValue(child(mp, 'subPath'), subPath, 'must be a relative path'))
    else if (subPath.split('/').includes('..'))
      causes.push(invalidValue(child(mp, 'subPath'), subPath, "must not contain '..'"))
  })
  return causes
}

const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage']

function isOvercommitAllowed(name: string): boolean {
  const native = !name.includes('/') || name.startsWith('kubernetes.io/')
  return native && !name.startsWith('hugepages-')
}

function validateResourceName(name: string, path: string): FieldCause[] {
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-')) {
      return [invalidValue(path, name, 'must be a standard resource for containers')]
    }
    return []
  }
  const msgs = isQualifiedName(name)
  if (msgs.length) return msgs.map((m) => invalidValue(path, name, m))
  if (!name.startsWith('kubernetes.io/') && name.startsWith('requests.')) {
    return [invalidValue(path, name, "doesn't follow extended resource name standard")]
  }
  return []
}

/** ValidateContainerResourceRequirements: names, non-negative quantities, requests ≤ limits. */
export function validateResources(resources: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  const res = obj(resources)
  const limPath = child(path, 'limits')
  const reqPath = child(path, 'requests')
  const limits: Record<string, number> = {}
  const check = (name: string, value: unknown, at: string): number | undefined => {
    causes.push(...validateResourceName(name, at))
    const q = parseQuantity(value)
    if (q === undefined) causes.push(invalidValue(at, value, QUANTITY_ERROR))
    else if (q < 0) causes.push(invalidValue(at, String(value), IS_NEGATIVE_ERROR))
    else if (!isOvercommitAllowed(name) && !Number.isInteger(q))
      causes.push(invalidValue(at, String(value), 'must be an integer'))
    return q
  }
  for (const [name, value] of Object.entries(obj(res.limits))) {
    const q = check(name, value, key(limPath, name))
    if (q !== undefined) limits[name] = q
  }
  const limitsRaw = obj(res.limits)
  for (const [name, value] of Object.entries(obj(res.requests))) {
    const q = check(name, value, key(reqPath, name))
    if (q === undefined) continue
    const limit = limits[name]
    if (limit === undefined) {
      if (!isOvercommitAllowed(name) && !(name in limitsRaw)) {
        causes.push(required(limPath, 'Limit must be set for non overcommitable resources'))
      }
    } else if (q !== limit && !isOvercommitAllowed(name)) {
      causes.push(
        invalidValue(
          reqPath,
          String(value),
          `must be equal to ${name} limit of ${String(limitsRaw[name])}`
        )
      )
    } else if (q > limit) {
      causes.push(
        invalidValue(
          reqPath,
          String(value),
          `must be less than or equal to ${name} limit of ${String(limitsRaw[name])}`
        )
      )
    }
  }
  return causes
}

/** validateHandler: exactly one of exec, httpGet, tcpSocket, grpc (and sleep for lifecycle). */
export function validateHandler(handler: Obj, path: string, lifecycle: boolean): FieldCause[] {
  const causes: FieldCause[] = []
  const kinds = lifecycle
    ? ['exec', 'httpGet', 'tcpSocket', 'sleep']
    : ['exec', 'httpGet', 'tcpSocket', 'grpc']
  let count = 0
  for (const k of kinds) {
    if (!isObj(handler[k])) continue
    if (count++ > 0) {
      causes.push(forbidden(child(path, k), 'may not specify more than 1 handler type'))
      continue
    }
    const h = handler[k] as Obj
    const hp = child(path, k)
    if (k === 'exec' && (!Array.isArray(h.command) || h.command.length === 0))
      causes.push(required(child(hp, 'command')))
    if (k === 'httpGet') {
      if (!str(h.path)) causes.push(required(child(hp, 'path')))
      causes.push(...validatePortNumOrName(h.port, child(hp, 'port')))
      if (h.scheme !== undefined && !['HTTP', 'HTTPS'].includes(str(h.scheme))) {
        causes.push(notSupported(child(hp, 'scheme'), h.scheme, ['HTTP', 'HTTPS']))
      }
    }
    if (k === 'tcpSocket') causes.push(...validatePortNumOrName(h.port, child(hp, 'port')))
    if (k === 'grpc') {
      const port = num(h.port) ?? 0
      causes.push(
        ...isValidPortNum(port).map((m) => invalidValue(child(hp, 'port'), h.port ?? 0, m))
      )
    }
    if (k === 'sleep' && (num(h.seconds) ?? -1) < 0)
      causes.push(invalidValue(child(hp, 'seconds'), h.seconds ?? 0, IS_NEGATIVE_ERROR))
  }
  if (count === 0) causes.push(required(path, 'must specify a handler type'))
  return causes
}

function validateProbe(probe: unknown, path: string, successMustBeOne: boolean): FieldCause[] {
  if (!isObj(probe)) return []
  const causes = validateHandler(probe, path, false)
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold'
  ]) {
    const v = probe[f]
    if (v !== undefined && (typeof v !== 'number' || v < 0))
      causes.push(invalidValue(child(path, f), v, IS_NEGATIVE_ERROR))
  }
  if (successMustBeOne && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    causes.push(invalidValue(child(path, 'successThreshold'), probe.successThreshold, 'must be 1'))
  }
  return causes
}

/** What validateContainers needs to know about the rest of the pod. */
export interface ContainerContext {
  volumes: Set<string>
  /** Names already used by other containers of the pod (containers and initContainers share). */
  names: Set<string>
  hostNetwork: boolean
  /** Host ports in use (`8080/TCP`), to catch two containers binding the same one. */
  hostPorts: Set<string>
}

/** validateContainers for `spec.containers` or `spec.initContainers`. */
export function validateContainers(
  list: unknown,
  path: string,
  ctx: ContainerContext,
  init: boolean
): FieldCause[] {
  const causes: FieldCause[] = []
  objects(list).forEach((c, i) => {
    const cp = index(path, i)
    const name = str(c.name)
    if (!name) causes.push(required(child(cp, 'name')))
    else {
      causes.push(...isDNS1123Label(name).map((m) => invalidValue(child(cp, 'name'), name, m)))
      if (ctx.names.has(name)) causes.push(duplicate(child(cp, 'name'), name))
      ctx.names.add(name)
    }
    const image = str(c.image)
    if (!image) causes.push(required(child(cp, 'image')))
    else if (image.trim() !== image)
      causes.push(
        invalidValue(child(cp, 'image'), image, 'must not have leading or trailing whitespace')
      )
    if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(str(c.imagePullPolicy))) {
      causes.push(notSupported(child(cp, 'imagePullPolicy'), c.imagePullPolicy, PULL_POLICIES))
    }
    const tmp = c.terminationMessagePolicy
    if (tmp !== undefined && !TERMINATION_MESSAGE_POLICIES.includes(str(tmp))) {
      causes.push(
        notSupported(child(cp, 'terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES)
      )
    }
    causes.push(...validatePorts(c.ports, child(cp, 'ports'), ctx.hostNetwork))
    objects(c.ports).forEach((p, j) => {
      if (typeof p.hostPort !== 'number' || p.hostPort === 0) return
      const id = `${p.hostPort}/${str(p.protocol) || 'TCP'}`
      if (ctx.hostPorts.has(id))
        causes.push(duplicate(child(index(child(cp, 'ports'), j), 'hostPort'), id))
      ctx.hostPorts.add(id)
    })
    causes.push(...validateEnv(c.env, child(cp, 'env')))
    causes.push(...validateVolumeMounts(c.volumeMounts, child(cp, 'volumeMounts'), ctx.volumes))
    causes.push(...validateResources(c.resources, child(cp, 'resources')))
    const sidecar = init && c.restartPolicy === 'Always'
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (init && !sidecar && c[probe] !== undefined) {
        causes.push(
          forbidden(
            child(cp, probe),
            'may not be set for init containers without restartPolicy=Always'
          )
        )
        continue
      }
      causes.push(...validateProbe(c[probe], child(cp, probe), probe !== 'readinessProbe'))
    }
    if (isObj(c.lifecycle)) {
      for (const hook of ['postStart', 'preStop']) {
        if (isObj(c.lifecycle[hook]))
          causes.push(
            ...validateHandler(c.lifecycle[hook] as Obj, child(cp, 'lifecycle', hook), true)
          )
      }
    }
    if (c.restartPolicy !== undefined) {
      if (!init)
        causes.push(forbidden(child(cp, 'restartPolicy'), 'may not be set for non-init containers'))
      else if (c.restartPolicy !== 'Always')
        causes.push(notSupported(child(cp, 'restartPolicy'), c.restartPolicy, ['Always']))
    }
  })
  return causes
}
