/**
 * `metadata.managedFields`: which manager owns which fields, and how every write changes that.
 * Follows kube-apiserver's field manager (k8s.io/apimachinery `util/managedfields/internal`):
 * entries are identified by manager, operation, subresource and (for updates) apiVersion; a
 * non-apply write gives its manager the fields it changed and takes them from everyone else.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1'
import { ApiError } from '../api-errors'
import type { FieldCause, KubeObject } from '../types'
import { createdFields } from './created-fields'
import { FieldSet, fieldElement, pathString, type FieldPath } from './field-set'
import type { PatchSchema } from './patch-schema'
import { compareObjects, excludeFields, isMap, objectSchema, type JsonMap } from './typed-fields'

export {
  FIELD_MANAGER_MAX_LENGTH,
  defaultFieldManager,
  validateFieldManager
} from './field-manager-name'

/** Who wrote a set of fields, and how. */
export interface ManagerInfo {
  manager: string
  operation: 'Apply' | 'Update'
  /** The version the fields were written in; not part of an applier's identity. */
  apiVersion: string
  subresource?: string
  time?: string
}

/** One decoded managedFields entry. */
export interface ManagedSet extends ManagerInfo {
  set: FieldSet
}

/** Entries by identity (see managerIdentity). */
export type ManagedSets = Map<string, ManagedSet>

// Update entries beyond this many are merged, oldest first, into `ancient-changes`.
const MAX_UPDATE_MANAGERS = 10

/**
 * The identity of an entry, as kube-apiserver's BuildManagerIdentifier builds it: appliers are
 * one entry whatever version they apply; updaters get one entry per version.
 */
export function managerIdentity(info: Omit<ManagerInfo, 'time'>): string {
  return JSON.stringify({
    manager: info.manager,
    operation: info.operation,
    ...(info.operation === 'Update' ? { apiVersion: info.apiVersion } : {}),
    ...(info.subresource ? { subresource: info.subresource } : {})
  })
}

/** How conflict messages name a manager: `"kubectl-client-side-apply" using apps/v1`. */
export function describeManager(info: Omit<ManagerInfo, 'time'>): string {
  let text = JSON.stringify(info.manager)
  if (info.subresource) text += ` with subresource ${JSON.stringify(info.subresource)}`
  if (info.operation === 'Update') text += ` using ${info.apiVersion}`
  return text
}

/** Fields that never belong to anyone: identity and bookkeeping the server owns (stripmeta.go). */
export const STRIPPED_FIELDS = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion'
  ].map((name) => [fieldElement('metadata'), fieldElement(name)])
)

/**
 * Fields a write through `subresource` may not touch, so nobody gains or loses them by it: the
 * main resource leaves status alone, the status subresource leaves spec alone.
 */
export function ignoredFieldsFor(subresource: string | undefined): FieldSet {
  return FieldSet.of([fieldElement(subresource === 'status' ? 'spec' : 'status')])
}

/** Reads managedFields entries; an invalid entry is an error (as kube-apiserver's decoder). */
export function decodeManagedFields(
  entries: readonly ManagedFieldsEntry[] | undefined
): ManagedSets {
  const out: ManagedSets = new Map()
  for (const [i, entry] of (entries ?? []).entries()) {
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') {
      throw new Error('operation must be `Apply` or `Update`')
    }
    if (!entry.apiVersion) throw new Error('apiVersion must not be empty')
    if (entry.fieldsType !== 'FieldsV1') {
      throw new Error(
        entry.fieldsType
          ? `invalid fieldsType "${entry.fieldsType}" in managed fields entry ${i}`
          : `missing fieldsType in managed fields entry ${i}`
      )
    }
    const info: ManagerInfo = {
      manager: entry.manager ?? '',
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      ...(entry.subresource ? { subresource: entry.subresource } : {}),
      ...(entry.time ? { time: entry.time } : {})
    }
    out.set(managerIdentity(info), { ...info, set: FieldSet.fromFieldsV1(entry.fieldsV1 ?? {}) })
  }
  return out
}

/** Writes entries in kube-apiserver's order: Apply before Update, then oldest first, then name. */
export function encodeManagedFields(sets: ManagedSets): ManagedFieldsEntry[] | undefined {
  const entries = [...sets.values()].filter((m) => !m.set.isEmpty())
  if (entries.length === 0) return undefined
  const seconds = (t?: string): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0)
  entries.sort(
    (p, q) =>
      compare(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      compare(p.manager, q.manager) ||
      compare(p.apiVersion, q.apiVersion) ||
      compare(p.subresource ?? '', q.subresource ?? '')
  )
  return entries.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time ? { time: m.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: m.set.toFieldsV1(),
    ...(m.subresource ? { subresource: m.subresource } : {})
  }))
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Merges the oldest Update entries into `ancient-changes` until at most ten remain (capmanagers.go). */
export function capUpdateManagers(sets: ManagedSets): void {
  const updaters = [...sets.entries()].filter(([, m]) => m.operation === 'Update')
  if (updaters.length <= MAX_UPDATE_MANAGERS) return
  const seconds = (t?: string): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0)
  updaters.sort(([a, p], [b, q]) => seconds(p.time) - seconds(q.time) || compare(a, b))
  const firstOfVersion = new Map<string, string>()
  let count = updaters.length
  for (const [id, m] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break
    const first = firstOfVersion.get(m.apiVersion)
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id)
      continue
    }
    const info = {
      manager: 'ancient-changes',
      operation: 'Update',
      apiVersion: m.apiVersion
    } as const
    const bucketId = managerIdentity(info)
    if (id === bucketId) continue
    if (!sets.has(bucketId)) {
      // The first entry of this version becomes the bucket.
      sets.set(bucketId, { ...info, set: sets.get(first)!.set })
      sets.delete(first)
    }
    const bucket = sets.get(bucketId)!
    sets.set(bucketId, { ...info, set: m.set.union(bucket.set), time: m.time })
    sets.delete(id)
    count--
  }
}

/** One field another manager owns and an apply would change. */
export interface Conflict {
  owner: ManagerInfo
  path: FieldPath
}

/**
 * The 409 kube-apiserver answers for apply conflicts, worded as kubectl prints it:
 * `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`.
 */
export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes: FieldCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.owner)}`,
    field: pathString(c.path)
  }))
  let message: string
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0].owner)}: ${pathString(conflicts[0].path)}`
  } else {
    const byManager = new Map<string, Conflict[]>()
    for (const c of conflicts) {
      const id = managerIdentity(c.owner)
      byManager.set(id, [...(byManager.get(id) ?? []), c])
    }
    const lines: string[] = []
    for (const id of [...byManager.keys()].sort(compare)) {
      const group = byManager.get(id)!
      lines.push(`conflicts with ${describeManager(group[0].owner)}:`)
      for (const c of group) lines.push(`- ${pathString(c.path)}`)
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
  }
  return new ApiError(409, 'Conflict', message, { causes })
}

/** Options of recordUpdate. */
export interface RecordUpdateOptions {
  manager: string
  operation: 'Update'
  subresource?: string
  schema?: PatchSchema
  /** RFC 3339 time of the write. */
  now: string
}

/**
 * managedFields after a create, update or non-apply patch: the manager takes ownership of the
 * fields it added or changed (one `Update` entry per manager, version and subresource), other
 * managers lose the fields that changed or disappeared. Managed fields sent by the client are
 * kept when it sends any (an empty list resets them), except on subresources. Never fails: if
 * the object does not fit its schema the previous managedFields are kept, as kube-apiserver does.
 */
export function recordUpdate(
  old: KubeObject | undefined,
  updated: KubeObject,
  opts: RecordUpdateOptions
): KubeObject {
  const sent = updated.metadata.managedFields
  const plainCreate = !old && opts.subresource === undefined && (!sent || sent.length === 0)
  return plainCreate ? recordCreate(updated, opts) : recordComparedUpdate(old, updated, opts)
}

/**
 * recordUpdate for a create that sends no managedFields: the manager owns every field the
 * object sets (createdFields), the same entry recordComparedUpdate gives, without comparing.
 */
function recordCreate(created: KubeObject, opts: RecordUpdateOptions): KubeObject {
  const result: KubeObject = { ...created, metadata: { ...created.metadata } }
  let entries: ManagedFieldsEntry[] | undefined
  try {
    const fieldsV1 = createdFields(withoutManagedFields(created), objectSchema(opts.schema), {
      ignored: ignoredFieldsFor(undefined),
      stripped: STRIPPED_FIELDS
    })
    if (fieldsV1) {
      const entry: ManagedFieldsEntry = {
        manager: opts.manager || 'unknown',
        operation: 'Update',
        apiVersion: created.apiVersion
      }
      if (opts.now) entry.time = opts.now
      entry.fieldsType = 'FieldsV1'
      entry.fieldsV1 = fieldsV1
      entries = [entry]
    }
  } catch {
    // An object that does not fit its schema: nobody owns anything yet.
  }
  setManagedFields(result, entries)
  return result
}

/**
 * recordUpdate by comparing the object before and after the write, for every write (creates
 * included: recordUpdate only takes a shortcut for them).
 */
export function recordComparedUpdate(
  old: KubeObject | undefined,
  updated: KubeObject,
  opts: RecordUpdateOptions
): KubeObject {
  const result: KubeObject = { ...updated, metadata: { ...updated.metadata } }
  try {
    const sets = liveOrNewSets(old, updated, opts.subresource !== undefined)
    const ignored = ignoredFieldsFor(opts.subresource)
    const schema = objectSchema(opts.schema)
    const before = old ? withoutManagedFields(old) : {}
    const diff = excludeFields(
      compareObjects(before, withoutManagedFields(updated), schema),
      ignored
    )
    const changed = diff.modified.union(diff.added)
    for (const [id, m] of sets) {
      m.set = m.set.difference(changed).difference(diff.removed)
      if (m.set.isEmpty()) sets.delete(id)
    }
    const taken = changed.difference(STRIPPED_FIELDS)
    if (!taken.isEmpty()) {
      const info: ManagerInfo = {
        manager: opts.manager || 'unknown',
        operation: 'Update',
        apiVersion: updated.apiVersion,
        ...(opts.subresource ? { subresource: opts.subresource } : {})
      }
      const id = managerIdentity(info)
      const previous = sets.get(id)
      const set = previous ? previous.set.union(taken) : taken
      sets.set(id, { ...info, set, time: opts.now })
    }
    capUpdateManagers(sets)
    setManagedFields(result, encodeManagedFields(sets))
  } catch {
    setManagedFields(result, old?.metadata.managedFields)
  }
  return result
}

function liveOrNewSets(
  old: KubeObject | undefined,
  updated: KubeObject,
  subresource: boolean
): ManagedSets {
  const fromOld = (): ManagedSets => {
    try {
      return decodeManagedFields(old?.metadata.managedFields)
    } catch {
      return new Map()
    }
  }
  if (subresource) return fromOld()
  const sent = updated.metadata.managedFields
  // An empty list, or a list of one empty entry, is how a client resets managedFields.
  if (sent && (sent.length === 0 || (sent.length === 1 && Object.keys(sent[0]).length === 0))) {
    return new Map()
  }
  try {
    const decoded = decodeManagedFields(sent)
    return decoded.size > 0 ? decoded : fromOld()
  } catch {
    return fromOld()
  }
}

/** The object's fields without `metadata.managedFields`, which are never compared or merged. */
export function withoutManagedFields(object: KubeObject): JsonMap {
  const copy: JsonMap = { ...object }
  if (isMap(object.metadata)) {
    const metadata: JsonMap = { ...object.metadata }
    delete metadata.managedFields
    copy.metadata = metadata
  }
  return copy
}

/** Sets or removes `metadata.managedFields`. */
export function setManagedFields(
  object: KubeObject,
  entries: ManagedFieldsEntry[] | undefined
): void {
  object.metadata = { ...object.metadata }
  if (entries && entries.length > 0) object.metadata.managedFields = entries
  else delete object.metadata.managedFields
}
