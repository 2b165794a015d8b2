/**
 * Pod validation (pkg/apis/core/validation: ValidatePodSpec, ValidatePodUpdate and the pod
 * template checks the workloads share): volumes, containers, policies, tolerations, and the
 * short list of spec fields an existing pod may change.
 */
import type { FieldCause, KubeObject } from '../types'
import { volumeSourcesOf } from './defaults-pod'
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
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain
} from './formats'
import { validateContainers } from './validate-container'
import {
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate
} from './validate-meta'
import { isObj, jsonEqual, num, obj, objects, str, type Obj } from './shape'

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never']
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute']
const HOST_PATH_TYPES = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket'
]
const MAX_INT32 = 2147483647
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive'

function validateMode(mode: unknown, path: string): FieldCause[] {
  if (mode === undefined || mode === null) return []
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777
    ? []
    : [invalidValue(path, mode, FILE_MODE_ERROR)]
}

function validateItems(items: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  objects(items).forEach((item, i) => {
    const ip = index(path, i)
    if (!str(item.key)) causes.push(required(child(ip, 'key')))
    if (!str(item.path)) causes.push(required(child(ip, 'path')))
    else if (str(item.path).startsWith('/'))
      causes.push(invalidValue(child(ip, 'path'), item.path, 'must be a relative path'))
    causes.push(...validateMode(item.mode, child(ip, 'mode')))
  })
  return causes
}

function validateVolumeSource(v: Obj, path: string): FieldCause[] {
  const sources = volumeSourcesOf(v)
  if (sources.length === 0) return [required(path, 'must specify a volume type')]
  const causes = sources
    .slice(1)
    .map((s) => forbidden(child(path, s), 'may not specify more than 1 volume type'))
  const src = obj(v[sources[0]])
  const sp = child(path, sources[0])
  switch (sources[0]) {
    case 'configMap':
      if (!str(src.name)) causes.push(required(child(sp, 'name')))
      causes.push(
        ...validateMode(src.defaultMode, child(sp, 'defaultMode')),
        ...validateItems(src.items, child(sp, 'items'))
      )
      break
    case 'secret':
      if (!str(src.secretName)) causes.push(required(child(sp, 'secretName')))
      causes.push(
        ...validateMode(src.defaultMode, child(sp, 'defaultMode')),
        ...validateItems(src.items, child(sp, 'items'))
      )
      break
    case 'hostPath':
      if (!str(src.path)) causes.push(required(child(sp, 'path')))
      if (src.type !== undefined && !HOST_PATH_TYPES.includes(str(src.type))) {
        causes.push(notSupported(child(sp, 'type'), src.type, HOST_PATH_TYPES))
      }
      break
    case 'persistentVolumeClaim':
      if (!str(src.claimName)) causes.push(required(child(sp, 'claimName')))
      break
    case 'emptyDir':
      if (src.medium !== undefined && !['', 'Memory', 'HugePages'].includes(str(src.medium))) {
        causes.push(notSupported(child(sp, 'medium'), src.medium, ['', 'Memory', 'HugePages']))
      }
      break
  }
  return causes
}

/** ValidateVolumes; answers the causes and the names containers may mount. */
export function validateVolumes(
  volumes: unknown,
  path: string
): { causes: FieldCause[]; names: Set<string> } {
  const causes: FieldCause[] = []
  const names = new Set<string>()
  objects(volumes).forEach((v, i) => {
    const vp = index(path, i)
    const name = str(v.name)
    const sourceErrors = validateVolumeSource(v, vp)
    if (!name) causes.push(required(child(vp, 'name')))
    else causes.push(...isDNS1123Label(name).map((m) => invalidValue(child(vp, 'name'), name, m)))
    if (names.has(name)) causes.push(duplicate(child(vp, 'name'), name))
    // A broken volume is not mountable, so mounts naming it are reported too, as in kube.
    if (sourceErrors.length === 0) names.add(name)
    causes.push(...sourceErrors)
  })
  return { causes, names }
}

/** `core.Toleration{…}` as Go's %#v prints it. */
function goToleration(t: Obj): Rendered {
  const seconds = num(t.tolerationSeconds)
  const shown = seconds === undefined ? '(*int64)(nil)' : `&${seconds}`
  return new Rendered(
    `core.Toleration{Key:${JSON.stringify(str(t.key))}, Operator:${JSON.stringify(str(t.operator))}, Value:${JSON.stringify(str(t.value))}, Effect:${JSON.stringify(str(t.effect))}, TolerationSeconds:${shown}}`
  )
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  objects(tolerations).forEach((t, i) => {
    const tp = index(path, i)
    const k = str(t.key)
    const op = str(t.operator)
    const effect = str(t.effect)
    if (k) causes.push(...isQualifiedName(k).map((m) => invalidValue(child(tp, 'key'), k, m)))
    if (!k && op !== 'Exists') {
      causes.push(
        invalidValue(
          child(tp, 'operator'),
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"'
        )
      )
    }
    if (
      t.tolerationSeconds !== undefined &&
      t.tolerationSeconds !== null &&
      effect !== 'NoExecute'
    ) {
      causes.push(
        invalidValue(
          child(tp, 'effect'),
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set"
        )
      )
    }
    if (op === 'Equal' || op === '') {
      const errs = isValidLabelValue(str(t.value))
      if (errs.length)
        causes.push(invalidValue(child(tp, 'operator'), str(t.value), errs.join(';')))
    } else if (op === 'Exists') {
      if (str(t.value))
        causes.push(
          invalidValue(
            child(tp, 'operator'),
            goToleration(t),
            "value must be empty when `operator` is 'Exists'"
          )
        )
    } else {
      causes.push(notSupported(child(tp, 'operator'), op, ['Equal', 'Exists']))
    }
    if (effect && !TAINT_EFFECTS.includes(effect))
      causes.push(notSupported(child(tp, 'effect'), effect, TAINT_EFFECTS))
  })
  return causes
}

function validateNameField(
  value: unknown,
  path: string,
  check: (v: string) => string[]
): FieldCause[] {
  const v = str(value)
  return v ? check(v).map((m) => invalidValue(path, v, m)) : []
}

/** ValidatePodSpec: for pods and, with `template`, pod templates (`spec.template.spec`). */
export function validatePodSpec(specValue: unknown, path: string): FieldCause[] {
  const spec = obj(specValue)
  const { causes, names: volumes } = validateVolumes(spec.volumes, child(path, 'volumes'))
  const ctx = {
    volumes,
    names: new Set<string>(),
    hostNetwork: spec.hostNetwork === true,
    hostPorts: new Set<string>()
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0)
    causes.push(required(child(path, 'containers')))
  causes.push(...validateContainers(spec.initContainers, child(path, 'initContainers'), ctx, true))
  causes.push(...validateContainers(spec.containers, child(path, 'containers'), ctx, false))
  const restart = str(spec.restartPolicy)
  if (!restart) causes.push(required(child(path, 'restartPolicy')))
  else if (!RESTART_POLICIES.includes(restart))
    causes.push(notSupported(child(path, 'restartPolicy'), restart, RESTART_POLICIES))
  const dns = str(spec.dnsPolicy)
  if (!dns) causes.push(required(child(path, 'dnsPolicy')))
  else if (!DNS_POLICIES.includes(dns))
    causes.push(notSupported(child(path, 'dnsPolicy'), dns, DNS_POLICIES))
  else if (dns === 'None' && !isObj(spec.dnsConfig)) {
    causes.push(
      required(child(path, 'dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None')
    )
  }
  causes.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')))
  causes.push(
    ...validateNameField(
      spec.serviceAccountName,
      child(path, 'serviceAccountName'),
      isDNS1123Subdomain
    )
  )
  causes.push(...validateNameField(spec.nodeName, child(path, 'nodeName'), isDNS1123Subdomain))
  causes.push(...validateNameField(spec.hostname, child(path, 'hostname'), isDNS1123Label))
  causes.push(...validateNameField(spec.subdomain, child(path, 'subdomain'), isDNS1123Label))
  causes.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')))
  const deadline = spec.activeDeadlineSeconds
  if (
    deadline !== undefined &&
    deadline !== null &&
    (typeof deadline !== 'number' || deadline < 1 || deadline > MAX_INT32)
  ) {
    causes.push(
      invalidValue(
        child(path, 'activeDeadlineSeconds'),
        deadline,
        inclusiveRangeError(1, MAX_INT32)
      )
    )
  }
  objects(spec.imagePullSecrets).forEach((s, i) => {
    if (!str(s.name))
      causes.push(required(child(index(child(path, 'imagePullSecrets'), i), 'name')))
  })
  return causes
}

/** A pod template (`spec.template` of workloads): labels, annotations, spec. */
export function validatePodTemplate(templateValue: unknown, path: string): FieldCause[] {
  const template = obj(templateValue)
  const meta = obj(template.metadata)
  return [
    ...validateLabels(meta.labels, child(path, 'metadata', 'labels')),
    ...validateAnnotations(meta.annotations, child(path, 'metadata', 'annotations')),
    ...validatePodSpec(template.spec, child(path, 'spec'))
  ]
}

/** ValidatePod on create. */
export function validatePod(pod: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain)
  causes.push(...validatePodSpec(pod.spec, 'spec'))
  for (const [k, v] of Object.entries(obj(pod.metadata.annotations))) {
    if (k === 'controller.kubernetes.io/pod-deletion-cost' && !/^-?\d+$/.test(str(v))) {
      causes.push(invalidValue(`metadata.annotations[${k}]`, v, 'must be a 32bit integer'))
    }
  }
  return causes
}

/** The message kube-apiserver gives when a pod update touches anything but the mutable fields. */
export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'

/** A short `-old`/`+new` listing of the spec paths that differ, in place of kube's Go diff. */
function describeDiff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 20 || jsonEqual(a, b)) return
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      describeDiff(a[k], b[k], `${path}.${k}`, out)
    return
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => describeDiff(v, b[i], `${path}[${i}]`, out))
    return
  }
  out.push(
    `- ${path}: ${JSON.stringify(a) ?? '<unset>'}`,
    `+ ${path}: ${JSON.stringify(b) ?? '<unset>'}`
  )
}

function validateTolerationUpdate(newT: unknown, oldT: unknown, path: string): FieldCause[] {
  const news = objects(newT)
  for (const o of objects(oldT)) {
    const kept = news.find(
      (n) =>
        n.key === o.key &&
        (n.operator ?? 'Equal') === (o.operator ?? 'Equal') &&
        n.value === o.value &&
        n.effect === o.effect
    )
    const oldSeconds = num(o.tolerationSeconds)
    const newSeconds = kept ? num(kept.tolerationSeconds) : undefined
    if (
      !kept ||
      (oldSeconds !== undefined && (newSeconds === undefined || newSeconds > oldSeconds))
    ) {
      return [
        forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')
      ]
    }
  }
  return []
}

/** ValidatePodUpdate: metadata rules, then only the mutable spec fields may differ. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldCause[] {
  const causes = validateObjectMetaUpdate(pod.metadata, old.metadata)
  causes.push(...validatePod(pod))
  const spec = obj(pod.spec)
  const oldSpec = obj(old.spec)
  const deadline = spec.activeDeadlineSeconds
  const oldDeadline = num(oldSpec.activeDeadlineSeconds)
  if (typeof deadline === 'number' && oldDeadline !== undefined && deadline > oldDeadline) {
    causes.push(
      invalidValue(
        'spec.activeDeadlineSeconds',
        deadline,
        'must be less than or equal to previous value'
      )
    )
  } else if ((deadline === undefined || deadline === null) && oldDeadline !== undefined) {
    causes.push(
      invalidValue(
        'spec.activeDeadlineSeconds',
        null,
        'must not update from a positive integer to nil value'
      )
    )
  }
  causes.push(
    ...validateTolerationUpdate(spec.tolerations, oldSpec.tolerations, 'spec.tolerations')
  )
  // Copy every field that may change from the new spec onto the old one; what still differs is not allowed.
  const mutated: Obj = structuredClone(oldSpec)
  mutated.activeDeadlineSeconds = spec.activeDeadlineSeconds
  mutated.tolerations = spec.tolerations
  if (
    Array.isArray(oldSpec.schedulingGates) &&
    (!Array.isArray(spec.schedulingGates) ||
      spec.schedulingGates.length <= oldSpec.schedulingGates.length)
  ) {
    mutated.schedulingGates = spec.schedulingGates
  }
  const oldGrace = num(oldSpec.terminationGracePeriodSeconds)
  if (oldGrace !== undefined && oldGrace < 0 && spec.terminationGracePeriodSeconds === 1)
    mutated.terminationGracePeriodSeconds = 1
  for (const list of ['containers', 'initContainers']) {
    const newList = Array.isArray(spec[list]) ? (spec[list] as unknown[]) : []
    const oldList = Array.isArray(mutated[list]) ? (mutated[list] as unknown[]) : []
    if (newList.length !== oldList.length) continue
    oldList.forEach((c, i) => {
      if (isObj(c) && isObj(newList[i])) c.image = (newList[i] as Obj).image
    })
  }
  if (!jsonEqual(stripUndefined(mutated), stripUndefined(spec))) {
    const diff: string[] = []
    describeDiff(oldSpec, spec, 'spec', diff)
    causes.push(
      forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n${diff.map((l) => `  ${l}`).join('\n')}`)
    )
  }
  return causes
}

function stripUndefined(o: Obj): Obj {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null))
}

/** Light checks on a pod's status (the status subresource). */
export function validatePodStatus(pod: KubeObject): FieldCause[] {
  const status = obj(pod.status)
  const causes: FieldCause[] = []
  const phases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']
  if (status.phase !== undefined && !phases.includes(str(status.phase))) {
    causes.push(notSupported('status.phase', status.phase, phases))
  }
  objects(status.conditions).forEach((c, i) => {
    const cp = index('status.conditions', i)
    if (!str(c.type)) causes.push(required(child(cp, 'type')))
    if (c.status !== undefined && !['True', 'False', 'Unknown'].includes(str(c.status))) {
      causes.push(notSupported(child(cp, 'status'), c.status, ['True', 'False', 'Unknown']))
    }
  })
  return causes
}
