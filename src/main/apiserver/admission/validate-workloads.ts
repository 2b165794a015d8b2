/**
 * Validation of apps/v1 kinds (pkg/apis/apps/validation): selectors that must match the template,
 * strategies, counts, and what an update may not change. Jobs and CronJobs are in validate-batch.ts.
 */
import type { FieldCause, KubeObject } from '../types'
import {
  child,
  forbidden,
  goLabelSelector,
  invalidValue,
  notSupported,
  Rendered,
  required
} from './field-errors'
import { IS_NEGATIVE_ERROR, isValidPercent, nameIsDNSSubdomain } from './formats'
import { jsonEqual, num, obj, str, type Obj } from './shape'
import { validatePodTemplate } from './validate-pod'
import {
  isEmptySelector,
  selectorMatches,
  selectorMismatch,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate
} from './validate-meta'

/** `must be greater than or equal to 0` for a numeric field when it is set. */
export function nonNegative(spec: Obj, field: string, path: string): FieldCause[] {
  const v = spec[field]
  if (v === undefined || v === null) return []
  return typeof v === 'number' && v >= 0
    ? []
    : [invalidValue(child(path, field), v, IS_NEGATIVE_ERROR)]
}

/** `intstr.IntOrString{…}` as Go's %#v prints it in strategy messages. */
function goIntOrString(v: unknown): Rendered {
  return typeof v === 'number'
    ? new Rendered(`intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`)
    : new Rendered(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(str(v))}}`)
}

/** The value an int-or-percent stands for (percent as its number), for the "both zero" checks. */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v
  const m = /^(\d+)%$/.exec(str(v))
  return m ? Number(m[1]) : 0
}

function validateIntOrPercent(v: unknown, path: string): FieldCause[] {
  if (v === undefined || v === null) return []
  if (typeof v === 'string')
    return isValidPercent(v).map((m) => invalidValue(path, goIntOrString(v), m))
  return typeof v === 'number' && v >= 0 ? [] : [invalidValue(path, v, IS_NEGATIVE_ERROR)]
}

function notOver100Percent(v: unknown, path: string): FieldCause[] {
  return typeof v === 'string' && isValidPercent(v).length === 0 && intOrPercentValue(v) > 100
    ? [invalidValue(path, goIntOrString(v), 'must not be greater than 100%')]
    : []
}

/** The selector rules shared by apps kinds: required, valid, not empty, matches the template. */
function validateSelectorAndTemplate(
  spec: Obj,
  kindWord: string,
  appsTemplate: string | undefined
): FieldCause[] {
  const causes: FieldCause[] = []
  const selector = spec.selector
  if (selector === undefined || selector === null) causes.push(required('spec.selector'))
  else {
    causes.push(...validateLabelSelector(selector, 'spec.selector'))
    if (isEmptySelector(selector)) {
      causes.push(
        invalidValue(
          'spec.selector',
          new Rendered(goLabelSelector(selector)),
          `empty selector is invalid for ${kindWord}`
        )
      )
    }
  }
  const template = obj(spec.template)
  const labels = obj(template.metadata).labels
  if (selector && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    causes.push(selectorMismatch('spec.template.metadata.labels', labels))
  }
  causes.push(...validatePodTemplate(template, 'spec.template'))
  if (appsTemplate) {
    const podSpec = obj(template.spec)
    const restart = str(podSpec.restartPolicy)
    if (restart && restart !== 'Always') {
      causes.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']))
    }
    if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
      causes.push(
        forbidden(
          'spec.template.spec.activeDeadlineSeconds',
          `activeDeadlineSeconds in ${appsTemplate} is not Supported`
        )
      )
    }
  }
  return causes
}

function validateDeploymentStrategy(strategy: Obj): FieldCause[] {
  const path = 'spec.strategy'
  const type = str(strategy.type)
  if (type === 'Recreate') {
    return strategy.rollingUpdate != null
      ? [
          forbidden(
            child(path, 'rollingUpdate'),
            "may not be specified when strategy `type` is 'Recreate'"
          )
        ]
      : []
  }
  if (type !== 'RollingUpdate') {
    const shown = `apps.DeploymentStrategy{Type:${JSON.stringify(type)}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`
    return [notSupported(path, new Rendered(shown), ['Recreate', 'RollingUpdate'])]
  }
  const ru = obj(strategy.rollingUpdate)
  const rp = child(path, 'rollingUpdate')
  const causes = [
    ...validateIntOrPercent(ru.maxUnavailable, child(rp, 'maxUnavailable')),
    ...validateIntOrPercent(ru.maxSurge, child(rp, 'maxSurge'))
  ]
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    causes.push(
      invalidValue(
        child(rp, 'maxUnavailable'),
        goIntOrString(ru.maxUnavailable ?? 0),
        'may not be 0 when `maxSurge` is 0'
      )
    )
  }
  causes.push(...notOver100Percent(ru.maxUnavailable, child(rp, 'maxUnavailable')))
  return causes
}

/** Object metadata rules (and the update rules with `old`) shared by workloads. */
export function metaCauses(o: KubeObject, old?: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(o.metadata, true, nameIsDNSSubdomain)
  if (old) causes.push(...validateObjectMetaUpdate(o.metadata, old.metadata))
  return causes
}

function selectorImmutable(spec: Obj, old: KubeObject | undefined): FieldCause[] {
  if (!old) return []
  const before = obj(old.spec).selector
  return jsonEqual(spec.selector, before)
    ? []
    : [
        invalidValue(
          'spec.selector',
          new Rendered(goLabelSelector(spec.selector)),
          'field is immutable'
        )
      ]
}

/** Deployment create/update. */
export function validateDeployment(d: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = obj(d.spec)
  const causes = metaCauses(d, old)
  causes.push(...nonNegative(spec, 'replicas', 'spec'))
  causes.push(...validateSelectorAndTemplate(spec, 'deployment', 'ReplicaSet'))
  causes.push(...validateDeploymentStrategy(obj(spec.strategy)))
  causes.push(
    ...nonNegative(spec, 'minReadySeconds', 'spec'),
    ...nonNegative(spec, 'revisionHistoryLimit', 'spec')
  )
  const deadline = num(spec.progressDeadlineSeconds)
  if (spec.progressDeadlineSeconds != null) {
    causes.push(...nonNegative(spec, 'progressDeadlineSeconds', 'spec'))
    if (deadline !== undefined && deadline <= (num(spec.minReadySeconds) ?? 0)) {
      causes.push(
        invalidValue(
          'spec.progressDeadlineSeconds',
          deadline,
          'must be greater than minReadySeconds'
        )
      )
    }
  }
  causes.push(...selectorImmutable(spec, old))
  return causes
}

/** ReplicaSet create/update. */
export function validateReplicaSet(rs: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = obj(rs.spec)
  const causes = metaCauses(rs, old)
  causes.push(
    ...nonNegative(spec, 'replicas', 'spec'),
    ...nonNegative(spec, 'minReadySeconds', 'spec')
  )
  causes.push(...validateSelectorAndTemplate(spec, 'deployment', 'ReplicaSet'))
  causes.push(...selectorImmutable(spec, old))
  return causes
}

/** The spec fields a StatefulSet update may change. */
const STS_MUTABLE = [
  'replicas',
  'template',
  'updateStrategy',
  'minReadySeconds',
  'ordinals',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy'
]

/** StatefulSet create/update. */
export function validateStatefulSet(sts: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = obj(sts.spec)
  const causes = metaCauses(sts, old)
  const policy = str(spec.podManagementPolicy)
  if (!policy) causes.push(required('spec.podManagementPolicy'))
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    causes.push(
      invalidValue('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'")
    )
  }
  const strategy = obj(spec.updateStrategy)
  const type = str(strategy.type)
  if (!type) causes.push(required('spec.updateStrategy'))
  else if (type === 'OnDelete' && strategy.rollingUpdate != null) {
    causes.push(
      invalidValue(
        'spec.updateStrategy.rollingUpdate',
        strategy.rollingUpdate,
        "only allowed for updateStrategy 'RollingUpdate'"
      )
    )
  } else if (type === 'RollingUpdate') {
    causes.push(
      ...nonNegative(obj(strategy.rollingUpdate), 'partition', 'spec.updateStrategy.rollingUpdate')
    )
  } else if (type !== 'OnDelete') {
    causes.push(
      invalidValue('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'")
    )
  }
  causes.push(
    ...nonNegative(spec, 'replicas', 'spec'),
    ...nonNegative(spec, 'minReadySeconds', 'spec')
  )
  // Containers may mount the volumeClaimTemplates by name: each becomes a volume of the pods.
  const podSpec = obj(obj(spec.template).spec)
  const volumes = Array.isArray(podSpec.volumes) ? (podSpec.volumes as unknown[]) : []
  const claimVolumes = (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [])
    .map((c: unknown) => ({ name: str(obj(obj(c).metadata).name), emptyDir: {} }))
    .filter((v: Obj) => !volumes.some((w) => obj(w).name === v.name))
  const withClaims =
    claimVolumes.length === 0
      ? spec
      : {
          ...spec,
          template: {
            ...obj(spec.template),
            spec: { ...podSpec, volumes: [...volumes, ...claimVolumes] }
          }
        }
  causes.push(...validateSelectorAndTemplate(withClaims, 'statefulset', 'StatefulSet'))
  if (old) {
    const oldSpec = obj(old.spec)
    const clone: Obj = { ...spec }
    for (const f of STS_MUTABLE) clone[f] = oldSpec[f]
    if (!jsonEqual(clone, oldSpec)) {
      causes.push(
        forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        )
      )
    }
  }
  return causes
}

/** DaemonSet create/update. */
export function validateDaemonSet(ds: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = obj(ds.spec)
  const causes = metaCauses(ds, old)
  causes.push(...validateSelectorAndTemplate(spec, 'daemonset', 'DaemonSet'))
  causes.push(
    ...nonNegative(spec, 'minReadySeconds', 'spec'),
    ...nonNegative(spec, 'revisionHistoryLimit', 'spec')
  )
  const strategy = obj(spec.updateStrategy)
  const type = str(strategy.type)
  const rp = 'spec.updateStrategy.rollingUpdate'
  if (type === 'RollingUpdate') {
    if (strategy.rollingUpdate == null) causes.push(required(rp))
    else {
      const ru = obj(strategy.rollingUpdate)
      causes.push(
        ...validateIntOrPercent(ru.maxUnavailable, child(rp, 'maxUnavailable')),
        ...validateIntOrPercent(ru.maxSurge, child(rp, 'maxSurge'))
      )
      causes.push(
        ...notOver100Percent(ru.maxUnavailable, child(rp, 'maxUnavailable')),
        ...notOver100Percent(ru.maxSurge, child(rp, 'maxSurge'))
      )
      const unavailable = intOrPercentValue(ru.maxUnavailable) !== 0
      const surge = intOrPercentValue(ru.maxSurge) !== 0
      if (unavailable && surge)
        causes.push(
          invalidValue(
            child(rp, 'maxSurge'),
            goIntOrString(ru.maxSurge),
            'may not be set when maxUnavailable is non-zero'
          )
        )
      if (!unavailable && !surge)
        causes.push(required(child(rp, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'))
    }
  } else if (type !== 'OnDelete') {
    causes.push(notSupported('spec.updateStrategy', strategy, ['RollingUpdate', 'OnDelete']))
  }
  causes.push(...selectorImmutable(spec, old))
  return causes
}

/** Status updates of workloads: the counters must not be negative. */
export function validateWorkloadStatus(o: KubeObject): FieldCause[] {
  const status = obj(o.status)
  const causes: FieldCause[] = []
  for (const f of [
    'replicas',
    'readyReplicas',
    'availableReplicas',
    'updatedReplicas',
    'unavailableReplicas',
    'currentReplicas',
    'fullyLabeledReplicas',
    'observedGeneration',
    'active',
    'succeeded',
    'failed',
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'numberAvailable',
    'numberUnavailable',
    'updatedNumberScheduled'
  ]) {
    causes.push(...nonNegative(status, f, 'status'))
  }
  return causes
}
