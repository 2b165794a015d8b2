/**
 * ObjectMeta and label validation (k8s.io/apimachinery pkg/api/validation/objectmeta.go and
 * pkg/apis/meta/v1/validation): names, namespaces, labels, annotations, owner references,
 * finalizers, label selectors, and the metadata an update may not change.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1'
import type { FieldCause, ResourceInfo } from '../types'
import {
  child,
  forbidden,
  goValue,
  immutable,
  index,
  invalidValue,
  Rendered,
  required,
  tooLong
} from './field-errors'
import {
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  type NameCheck
} from './formats'
import { isObj, obj, objects, str, stringMap } from './shape'

/** 256 KiB: the most all annotations of an object may take together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

/** Kinds whose names must be DNS labels or DNS-1035 labels; every other kind is a subdomain. */
const NAME_CHECKS: Record<string, NameCheck> = {
  Namespace: nameIsDNSLabel,
  Service: nameIsDNS1035Label
}

/** The name rule of a kind. */
export function nameCheckFor(resource: Pick<ResourceInfo, 'kind'>): NameCheck {
  return NAME_CHECKS[resource.kind] ?? nameIsDNSSubdomain
}

/** ValidateLabels: keys are qualified names, values label values. */
export function validateLabels(labels: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  for (const [k, v] of Object.entries(obj(labels))) {
    for (const msg of isQualifiedName(k)) causes.push(invalidValue(path, k, msg))
    if (typeof v !== 'string') {
      causes.push(invalidValue(path, v, 'label values must be strings'))
      continue
    }
    for (const msg of isValidLabelValue(v)) causes.push(invalidValue(path, v, msg))
  }
  return causes
}

/** ValidateAnnotations: keys are (case-insensitive) qualified names; 256 KiB in total. */
export function validateAnnotations(annotations: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  let size = 0
  for (const [k, v] of Object.entries(obj(annotations))) {
    for (const msg of isQualifiedName(k.toLowerCase())) causes.push(invalidValue(path, k, msg))
    size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v))
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT))
  return causes
}

function validateOwnerReferences(refs: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = []
  const controllers: string[] = []
  for (const ref of objects(refs)) {
    const apiVersion = str(ref.apiVersion)
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion
    if (!version)
      causes.push(invalidValue(child(path, 'apiVersion'), apiVersion, 'version must not be empty'))
    if (!str(ref.kind))
      causes.push(invalidValue(child(path, 'kind'), str(ref.kind), 'kind must not be empty'))
    if (!str(ref.name))
      causes.push(invalidValue(child(path, 'name'), str(ref.name), 'name must not be empty'))
    if (!str(ref.uid))
      causes.push(invalidValue(child(path, 'uid'), str(ref.uid), 'uid must not be empty'))
    if (ref.controller === true) controllers.push(`${str(ref.kind)}/${str(ref.name)}`)
  }
  if (controllers.length > 1) {
    causes.push(
      invalidValue(
        path,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`
      )
    )
  }
  return causes
}

function validateFinalizers(finalizers: unknown, path: string): FieldCause[] {
  const list = Array.isArray(finalizers) ? finalizers.map((f) => String(f)) : []
  const causes: FieldCause[] = []
  for (const f of list)
    for (const msg of isQualifiedName(f)) causes.push(invalidValue(path, f, msg))
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    causes.push(
      invalidValue(path, list, 'finalizer orphan and foregroundDeletion cannot be both set')
    )
  }
  return causes
}

/**
 * ValidateObjectMeta on create (and on update, for the format rules). A missing name is fine when
 * generateName is set: the caller generates the name.
 */
export function validateObjectMeta(
  meta: ObjectMeta,
  namespaced: boolean,
  nameCheck: NameCheck,
  path = 'metadata'
): FieldCause[] {
  const causes: FieldCause[] = []
  const name = str(meta.name)
  const generateName = str(meta.generateName)
  if (generateName) {
    for (const msg of nameCheck(generateName, true)) {
      causes.push(invalidValue(child(path, 'generateName'), generateName, msg))
    }
  }
  if (!name) {
    if (!generateName)
      causes.push(required(child(path, 'name'), 'name or generateName is required'))
  } else {
    for (const msg of nameCheck(name, false))
      causes.push(invalidValue(child(path, 'name'), name, msg))
  }
  const namespace = str(meta.namespace)
  if (namespaced) {
    if (!namespace) causes.push(required(child(path, 'namespace')))
    else {
      for (const msg of nameIsDNSLabel(namespace, false)) {
        causes.push(invalidValue(child(path, 'namespace'), namespace, msg))
      }
    }
  } else if (namespace) {
    causes.push(forbidden(child(path, 'namespace'), 'not allowed on this type'))
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    causes.push(
      invalidValue(child(path, 'generation'), meta.generation, 'must be greater than or equal to 0')
    )
  }
  causes.push(...validateLabels(meta.labels, child(path, 'labels')))
  causes.push(...validateAnnotations(meta.annotations, child(path, 'annotations')))
  causes.push(...validateOwnerReferences(meta.ownerReferences, child(path, 'ownerReferences')))
  causes.push(...validateFinalizers(meta.finalizers, child(path, 'finalizers')))
  return causes
}

/** ValidateObjectMetaUpdate: what an update may not change in metadata. */
export function validateObjectMetaUpdate(
  meta: ObjectMeta,
  old: ObjectMeta,
  path = 'metadata'
): FieldCause[] {
  const causes: FieldCause[] = []
  for (const field of ['name', 'namespace', 'uid'] as const) {
    const now = str(meta[field])
    if (now !== str(old[field]) && (field !== 'uid' || now !== '')) {
      causes.push(immutable(child(path, field), now))
    }
  }
  if (old.deletionTimestamp) {
    const before = new Set(old.finalizers ?? [])
    const added = (Array.isArray(meta.finalizers) ? meta.finalizers : []).filter(
      (f) => !before.has(f)
    )
    if (added.length > 0) {
      causes.push(
        forbidden(
          child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goValue(added)}`
        )
      )
    }
  }
  return causes
}

/** ValidateLabelSelector. */
export function validateLabelSelector(selector: unknown, path: string): FieldCause[] {
  const sel = obj(selector)
  const causes = validateLabels(sel.matchLabels, child(path, 'matchLabels'))
  objects(sel.matchExpressions).forEach((expr, i) => {
    const p = index(child(path, 'matchExpressions'), i)
    const op = str(expr.operator)
    const values = Array.isArray(expr.values) ? expr.values : []
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) {
        causes.push(
          required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'")
        )
      }
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) {
        causes.push(
          forbidden(
            child(p, 'values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
          )
        )
      }
    } else {
      causes.push(invalidValue(child(p, 'operator'), op, 'not a valid selector operator'))
    }
    for (const msg of isQualifiedName(str(expr.key)))
      causes.push(invalidValue(child(p, 'key'), str(expr.key), msg))
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(String(v))) {
        causes.push(invalidValue(index(child(p, 'values'), j), String(v), msg))
      }
    })
  })
  return causes
}

/** Whether a LabelSelector selects nothing at all (no labels, no expressions). */
export function isEmptySelector(selector: unknown): boolean {
  const sel = obj(selector)
  return (
    Object.keys(obj(sel.matchLabels)).length === 0 &&
    (!Array.isArray(sel.matchExpressions) || sel.matchExpressions.length === 0)
  )
}

/** Whether `selector` (a LabelSelector object) matches `labels`. */
export function selectorMatches(selector: unknown, labels: unknown): boolean {
  const sel = obj(selector)
  const set = stringMap(labels)
  for (const [k, v] of Object.entries(stringMap(sel.matchLabels))) if (set[k] !== v) return false
  for (const expr of objects(sel.matchExpressions)) {
    const key = str(expr.key)
    const values = Array.isArray(expr.values) ? expr.values.map(String) : []
    const has = key in set
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(set[key])) return false
        break
      case 'NotIn':
        if (has && values.includes(set[key])) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
      default:
        return false
    }
  }
  return true
}

/** The template-labels mismatch cause: `` `selector` does not match template `labels` ``. */
export function selectorMismatch(path: string, labels: unknown): FieldCause {
  const map = isObj(labels) ? stringMap(labels) : null
  const shown = map ? goValue(map) : 'map[string]string(nil)'
  return invalidValue(path, new Rendered(shown), '`selector` does not match template `labels`')
}
