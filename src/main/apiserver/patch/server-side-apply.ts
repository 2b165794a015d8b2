/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`): merges a manager's applied
 * configuration into the live object, records that the manager now owns exactly the fields it
 * applied, removes fields it applied before and no longer does (unless someone else owns them),
 * and refuses to change fields other managers own unless forced. Follows structured-merge-diff's
 * `merge.Updater.Apply` and kube-apiserver's field manager.
 */
import { ApiError, invalid } from '../api-errors'
import type { KubeObject } from '../types'
import { FieldSet, fieldElement, serializePathElement, type PathElement } from './field-set'
import {
  STRIPPED_FIELDS,
  conflictError,
  decodeManagedFields,
  encodeManagedFields,
  ignoredFieldsFor,
  managerIdentity,
  setManagedFields,
  withoutManagedFields,
  type Conflict,
  type ManagedSets,
  type ManagerInfo
} from './managed-fields'
import type { PatchSchema } from './patch-schema'
import {
  TypedError,
  childSchema,
  compareObjects,
  excludeFields,
  isAtomicMap,
  isMap,
  itemElement,
  listKindOf,
  objectSchema,
  toFieldSet,
  type Comparison,
  type JsonMap,
  type ListKind,
  type Schema
} from './typed-fields'

export { defaultFieldManager, recordUpdate, validateFieldManager } from './managed-fields'

/** Options of serverSideApply. */
export interface ApplyOptions {
  /** The field manager (`?fieldManager=`, required for apply). */
  manager: string
  /** `?force=true` (`kubectl apply --server-side --force-conflicts`): take conflicting fields. */
  force: boolean
  schema?: PatchSchema
  /** RFC 3339 time of the write. */
  now: string
  subresource?: string
}

// Metadata the server owns: an applied configuration never changes it. resourceVersion is not
// among them: an applied resourceVersion is a precondition the caller checks.
const SERVER_OWNED_METADATA = [
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink'
] as const

/**
 * The object after `opts.manager` applies `applied` to `live` (undefined: the object is being
 * created), with `metadata.managedFields` updated. Throws 409 Conflict when the configuration
 * would change fields other managers own and `force` is false; 400 for an applied object of
 * another kind or with managedFields; 500 when it does not fit its schema.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions
): KubeObject {
  checkApplied(live, applied)
  const schema = objectSchema(opts.schema)
  const ignored = ignoredFieldsFor(opts.subresource)
  const sets = liveSets(live)
  const info: ManagerInfo = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {})
  }
  const id = managerIdentity(info)

  const config = withoutManagedFields(applied)
  for (const pe of ignored.elements()) if (pe.kind === 'field') delete config[pe.name]
  const liveBody = live ? withoutManagedFields(live) : {}
  const last = sets.get(id)
  sets.set(id, { ...info, set: new FieldSet(), time: last?.time })
  let merged: JsonMap
  // What the apply changed; on create everything it sets is new and nobody else owns anything,
  // so nothing is compared.
  let diff: Comparison | undefined
  try {
    sets.get(id)!.set = toFieldSet(config, schema)
    merged = mergeValue(structuredClone(liveBody), config, schema, []) as JsonMap
    if (last) {
      const owned = [...sets.values()].reduce((all, m) => all.union(m.set), new FieldSet())
      merged = pruneValue(merged, schema, last.set, owned, new Set()) as JsonMap
    }
    dropNulls(merged)
    keepServerOwnedMetadata(merged, live)
    if (live) diff = excludeFields(compareObjects(liveBody, merged, schema), ignored)
  } catch (err) {
    if (!(err instanceof TypedError)) throw err
    const where = `${applied.metadata.namespace ?? ''}/${applied.metadata.name ?? ''}`
    const gvk = groupVersionKind(applied)
    throw new ApiError(
      500,
      'InternalError',
      `failed to create typed patch object (${where}; ${gvk}): ${err.message}`
    )
  }

  // Unchanged: the apply changed nothing (a create always changes something: the name).
  let unchanged = false
  if (diff) {
    const changed = diff.modified.union(diff.added)
    unchanged = changed.isEmpty() && diff.removed.isEmpty()
    const conflicts: Conflict[] = []
    for (const [otherId, m] of sets) {
      if (otherId === id) continue
      for (const path of m.set.intersection(changed).paths()) conflicts.push({ owner: m, path })
    }
    if (conflicts.length > 0 && !opts.force) throw conflictError(conflicts)
    for (const [otherId, m] of sets) {
      if (otherId === id) continue
      m.set = m.set.difference(changed).difference(diff.removed)
      if (m.set.isEmpty()) sets.delete(otherId)
    }
  }

  const mine = sets.get(id)!
  mine.set = mine.set.difference(STRIPPED_FIELDS)
  // The time moves only when the apply changed the object, as in kube-apiserver.
  if (!unchanged) mine.time = opts.now
  if (mine.set.isEmpty()) sets.delete(id)

  const result = merged as KubeObject
  setManagedFields(result, encodeManagedFields(sets))
  return result
}

function checkApplied(live: KubeObject | undefined, applied: KubeObject): void {
  if (live && (applied.apiVersion !== live.apiVersion || applied.kind !== live.kind)) {
    throw new ApiError(400, 'BadRequest', `invalid object type: ${groupVersionKind(applied)}`)
  }
  if (applied.metadata?.managedFields != null) {
    throw new ApiError(400, 'BadRequest', 'metadata.managedFields must be nil')
  }
  if (!applied.metadata?.name) {
    const group = applied.apiVersion?.includes('/') ? applied.apiVersion.split('/')[0] : ''
    throw invalid(applied.kind ?? '', group, '', [
      {
        reason: 'FieldValueRequired',
        message: 'Required value: name is required',
        field: 'metadata.name'
      }
    ])
  }
}

/** `apps/v1, Kind=Deployment` (`/v1, Kind=Pod` for the core group), as Go prints a GVK. */
function groupVersionKind(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? ''
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  return `${group}/${version}, Kind=${obj.kind ?? ''}`
}

function liveSets(live: KubeObject | undefined): ManagedSets {
  try {
    return decodeManagedFields(live?.metadata.managedFields)
  } catch (err) {
    throw new ApiError(
      500,
      'InternalError',
      `failed to decode managed fields: ${(err as Error).message}`
    )
  }
}

/**
 * Merges the applied configuration into the live value: the configuration wins for scalars and
 * atomic values, granular maps merge key by key, associative lists and sets item by item.
 */
function mergeValue(live: unknown, config: unknown, s: Schema, path: PathElement[]): unknown {
  if (config === undefined) return live
  if (isMap(config)) {
    if (isAtomicMap(s) && path.length > 0) return structuredClone(config)
    const out: JsonMap = isMap(live) ? { ...live } : {}
    for (const [name, value] of Object.entries(config)) {
      if (name === '__proto__') continue
      const current = Object.hasOwn(out, name) ? out[name] : undefined
      out[name] = mergeValue(current, value, childSchema(s, name), [...path, fieldElement(name)])
    }
    return out
  }
  if (Array.isArray(config)) {
    const kind = listKindOf(s)
    if (kind.type === 'atomic') return structuredClone(config)
    return mergeList(Array.isArray(live) ? live : [], config, kind, s?.items(), path)
  }
  return config
}

interface Indexed {
  keys: string[]
  byKey: Map<string, { pe: PathElement; item: unknown }>
}

function indexList(
  items: unknown[],
  kind: ListKind,
  path: PathElement[],
  unique: boolean
): Indexed {
  const keys: string[] = []
  const byKey = new Map<string, { pe: PathElement; item: unknown }>()
  items.forEach((item, i) => {
    const pe = itemElement(kind, item, path, i)
    const key = serializePathElement(pe)
    if (byKey.has(key)) {
      if (unique) throw new TypedError(path, `duplicate entries for key ${pathElementKey(pe)}`)
      return
    }
    byKey.set(key, { pe, item })
    keys.push(key)
  })
  return { keys, byKey }
}

function pathElementKey(pe: PathElement): string {
  return pe.kind === 'key'
    ? `[${pe.fields.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`
    : `[=${JSON.stringify(pe.kind === 'value' ? pe.value : null)}]`
}

/**
 * Merges an associative list or set. Items only in the live list keep their place, items of the
 * configuration appear in its order, shared items are merged (structured-merge-diff's order).
 */
function mergeList(
  live: unknown[],
  config: unknown[],
  kind: ListKind,
  itemSchema: Schema,
  path: PathElement[]
): unknown[] {
  const right = indexList(config, kind, path, true)
  const left = indexList(live, kind, path, false)
  const shared = right.keys.filter((k) => left.byKey.has(k))
  let nextShared = 0
  const emitted = new Set<string>()
  const out: unknown[] = []
  const emit = (key: string): void => {
    const r = right.byKey.get(key)!
    const l = left.byKey.get(key)
    out.push(mergeValue(l?.item, r.item, itemSchema, [...path, r.pe]))
    emitted.add(key)
    if (shared[nextShared] === key) nextShared++
  }
  let li = 0
  let ri = 0
  while (li < left.keys.length || ri < right.keys.length) {
    const lk = left.keys[li]
    const rk = right.keys[ri]
    if (lk !== undefined && lk === rk) {
      emit(rk)
      li++
      ri++
      continue
    }
    if (lk !== undefined && rk !== undefined && right.byKey.has(lk) && !emitted.has(lk)) {
      // A shared item out of the configuration's order: wait for the configuration to reach it.
      if (shared[nextShared] !== lk) {
        li++
        continue
      }
    }
    if (lk !== undefined) {
      if (!right.byKey.has(lk)) {
        out.push(left.byKey.get(lk)!.item)
        li++
        continue
      }
      if (emitted.has(lk)) li++
    }
    if (rk !== undefined) {
      emit(rk)
      ri++
    }
  }
  return out
}

/**
 * Removes what the applier owned before (`last`) and no longer owns, unless another manager
 * (or the applier's new configuration) still owns it or something below it. `keep` protects the
 * key fields of a list item that stays.
 */
function pruneValue(
  value: unknown,
  s: Schema,
  last: FieldSet,
  owned: FieldSet | undefined,
  keep: ReadonlySet<string>
): unknown {
  if (isMap(value)) {
    const out: JsonMap = { ...value }
    for (const pe of last.elements()) {
      if (pe.kind !== 'field' || !Object.hasOwn(out, pe.name) || keep.has(pe.name)) continue
      if (!owned?.touches(pe)) {
        delete out[pe.name]
        continue
      }
      const below = last.child(pe)
      if (below) {
        out[pe.name] = pruneValue(
          out[pe.name],
          childSchema(s, pe.name),
          below,
          owned.child(pe),
          new Set()
        )
      }
    }
    return out
  }
  if (Array.isArray(value)) {
    const kind = listKindOf(s)
    if (kind.type === 'atomic') return value
    const keys = new Set(kind.type === 'map' ? kind.keys : [])
    const out: unknown[] = []
    value.forEach((item, i) => {
      const pe = itemElement(kind, item, [], i)
      if (!last.touches(pe)) return out.push(item)
      if (!owned?.touches(pe)) return
      const below = last.child(pe)
      out.push(below ? pruneValue(item, s?.items(), below, owned.child(pe), keys) : item)
    })
    return out
  }
  return value
}

/** Drops null-valued fields, as decoding into Kubernetes' Go types does. */
function dropNulls(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(dropNulls)
  if (!isMap(value)) return
  for (const [name, child] of Object.entries(value)) {
    if (child === null) delete value[name]
    else dropNulls(child)
  }
}

function keepServerOwnedMetadata(merged: JsonMap, live: KubeObject | undefined): void {
  const metadata: JsonMap = isMap(merged.metadata) ? { ...merged.metadata } : {}
  const liveMeta = (live?.metadata ?? {}) as JsonMap
  for (const name of SERVER_OWNED_METADATA) {
    if (Object.hasOwn(liveMeta, name)) metadata[name] = liveMeta[name]
    else delete metadata[name]
  }
  merged.metadata = metadata
}
