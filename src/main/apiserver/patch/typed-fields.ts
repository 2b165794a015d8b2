/**
 * Objects seen through their schema, as structured-merge-diff's `typed` package sees them: which
 * lists are associative (and by which keys), which maps are atomic, the set of fields an object
 * sets, and what changed between two versions of an object. Places without a schema are plain
 * structs whose lists are atomic.
 */
import { schemaFromSpec, type PatchSchema } from './patch-schema'
import {
  FieldSet,
  fieldElement,
  keyElement,
  pathString,
  serializePathElement,
  valueElement,
  type FieldPath,
  type PathElement
} from './field-set'

/** A place in a schema; undefined where nothing is known. */
export type Schema = PatchSchema | undefined

/** A JSON object. */
export type JsonMap = Record<string, unknown>

/** How the items of a list are identified. */
export type ListKind =
  | { readonly type: 'atomic' }
  | { readonly type: 'set' }
  | { readonly type: 'map'; readonly keys: readonly string[] }

/** An object that does not fit its schema (a list item without its keys, a duplicate key…). */
export class TypedError extends Error {
  constructor(path: FieldPath, message: string) {
    super(path.length > 0 ? `${pathString(path)}: ${message}` : message)
    this.name = 'TypedError'
  }
}

/** True for a JSON object (not null, not an array). */
export function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Structural equality of JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  }
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a)
    if (keys.length !== Object.keys(b).length) return false
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
  }
  return false
}

/**
 * How a list's items are identified: `x-kubernetes-list-type` when given, else the strategic
 * merge patch strategy (merge with a key: by key; merge without: a set), else atomic — the
 * conversion kube-apiserver applies to OpenAPI schemas.
 */
export function listKindOf(s: Schema): ListKind {
  if (!s) return { type: 'atomic' }
  const objectItems = s.items()?.type === 'object'
  if (s.listType === 'map') {
    const keys = s.listMapKeys ?? (s.patchMergeKey ? [s.patchMergeKey] : [])
    return keys.length > 0 ? { type: 'map', keys } : { type: 'atomic' }
  }
  if (s.listType === 'set') return objectItems ? { type: 'atomic' } : { type: 'set' }
  if (s.listType === 'atomic') return { type: 'atomic' }
  if (s.patchStrategies.includes('merge')) {
    if (s.patchMergeKey) return { type: 'map', keys: [s.patchMergeKey] }
    return objectItems ? { type: 'atomic' } : { type: 'set' }
  }
  return { type: 'atomic' }
}

/** True for a map that is owned and replaced as a whole (`x-kubernetes-map-type: atomic`). */
export function isAtomicMap(s: Schema): boolean {
  return s?.mapType === 'atomic'
}

/** The schema of a map entry: a declared field, else the map's values. */
export function childSchema(s: Schema, name: string): Schema {
  return s?.field(name) ?? s?.items()
}

/** True for a key of a real map (labels, data…), as opposed to a field of a struct. */
function isMapKey(s: Schema, name: string): boolean {
  return !!s && s.field(name) === undefined && s.items() !== undefined
}

// Defaults of associative-list keys that clients usually omit (ports' protocol). The schema
// interface carries no defaults, so the ones built-in kinds use are listed here.
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' }

/** The path element of a list item: by its key fields, or by its value for a set. */
export function itemElement(
  kind: ListKind,
  item: unknown,
  path: FieldPath,
  i: number
): PathElement {
  if (kind.type === 'set') {
    if (isMap(item)) {
      throw new TypedError(
        path,
        `element ${i}: associative list without keys has an element that's a map type`
      )
    }
    return valueElement(item)
  }
  if (kind.type === 'map') {
    if (item === null) {
      throw new TypedError(
        path,
        `element ${i}: associative list with keys may not have a null element`
      )
    }
    if (!isMap(item)) {
      throw new TypedError(
        path,
        `element ${i}: associative list with keys may not have non-map elements`
      )
    }
    const fields: [string, unknown][] = []
    for (const key of kind.keys) {
      const value = Object.hasOwn(item, key) ? item[key] : KEY_DEFAULTS[key]
      if (value !== undefined && value !== null) fields.push([key, value])
    }
    if (fields.length === 0) {
      const keys = JSON.stringify(kind.keys).replace(/,/g, ' ')
      throw new TypedError(
        path,
        `element ${i}: associative list with keys has an element that omits all key fields ${keys} (and doesn't have default values for any key fields)`
      )
    }
    return keyElement(fields)
  }
  return { kind: 'index', index: i }
}

/** The fields an object sets, as an applier owns them (structured-merge-diff's ToFieldSet). */
export function toFieldSet(object: JsonMap, schema: Schema): FieldSet {
  const set = new FieldSet()
  collect(object, schema, [], set)
  return set
}

function collect(value: unknown, s: Schema, path: PathElement[], set: FieldSet): void {
  if (isMap(value)) {
    if (isAtomicMap(s) && path.length > 0) return set.insert(path)
    for (const [name, child] of Object.entries(value)) {
      const childPath = [...path, fieldElement(name)]
      collect(child, childSchema(s, name), childPath, set)
      const empty = child === null || (isMap(child) && Object.keys(child).length === 0)
      if (empty || isMapKey(s, name)) set.insert(childPath)
    }
  } else if (Array.isArray(value)) {
    const kind = listKindOf(s)
    if (kind.type === 'atomic') return set.insert(path)
    const seen = new Set<string>()
    const duplicates = new Set<string>()
    const elements = value.map((item, i) => itemElement(kind, item, path, i))
    for (const pe of elements) {
      const key = serializePathElement(pe)
      if (seen.has(key)) duplicates.add(key)
      seen.add(key)
    }
    elements.forEach((pe, i) => {
      const itemPath = [...path, pe]
      if (!duplicates.has(serializePathElement(pe))) collect(value[i], s?.items(), itemPath, set)
      set.insert(itemPath)
    })
  } else {
    set.insert(path)
  }
}

/** What changed between two versions of an object, path by path. */
export interface Comparison {
  added: FieldSet
  modified: FieldSet
  removed: FieldSet
}

/** The comparison with the given fields (and everything below them) left out. */
export function excludeFields(c: Comparison, ignored: FieldSet): Comparison {
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored)
  }
}

/**
 * Compares two versions of an object (structured-merge-diff's Compare): leaves and atomic values
 * that appeared, changed or disappeared, and granular maps, lists and items that appeared or
 * disappeared as a whole. Nulls count as absent, as they do once Kubernetes decodes an object.
 */
export function compareObjects(lhs: JsonMap, rhs: JsonMap, schema: Schema): Comparison {
  const out = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() }
  compareNode(lhs, rhs, schema, [], [], out)
  return out
}

// `path` and `names` are stacks shared by the whole walk (pushed before a child, popped after):
// sets copy the elements they keep, so no node needs its own copy of the path.
function compareNode(
  lhs: unknown,
  rhs: unknown,
  s: Schema,
  path: PathElement[],
  names: string[],
  out: Comparison
): void {
  const l = lhs === null ? undefined : lhs
  const r = rhs === null ? undefined : rhs
  const bothMaps = (l === undefined || isMap(l)) && (r === undefined || isMap(r))
  const bothLists = (l === undefined || Array.isArray(l)) && (r === undefined || Array.isArray(r))
  const emptyL = l === undefined || isEmptyContainer(l)
  const emptyR = r === undefined || isEmptyContainer(r)
  if (bothMaps && !isAtomicMap(s) && !(emptyL && emptyR)) {
    const lm = l as JsonMap | undefined
    const rm = r as JsonMap | undefined
    const zeros = zeroFieldsOf(names)
    if (lm) {
      for (const name of Object.keys(lm)) {
        const lv = fieldValue(lm, name, names, zeros)
        compareField(name, lv, fieldValue(rm, name, names, zeros), s, path, names, out)
      }
    }
    if (rm) {
      for (const name of Object.keys(rm)) {
        if (lm && Object.hasOwn(lm, name)) continue
        const lv = fieldValue(lm, name, names, zeros)
        compareField(name, lv, fieldValue(rm, name, names, zeros), s, path, names, out)
      }
    }
    for (const name of zeros) {
      if ((lm && Object.hasOwn(lm, name)) || (rm && Object.hasOwn(rm, name))) continue
      const zero = zeroValueOf(names, name)
      compareField(name, lm ? zero : undefined, rm ? zero : undefined, s, path, names, out)
    }
  } else if (bothLists && listKindOf(s).type !== 'atomic' && !(emptyL && emptyR)) {
    compareItems((l as unknown[]) ?? [], (r as unknown[]) ?? [], s, path, names, out)
  } else {
    if (l === undefined && r !== undefined) out.added.insert(path)
    else if (r === undefined && l !== undefined) out.removed.insert(path)
    else if (!deepEqual(l, r)) out.modified.insert(path)
    return
  }
  if (path.length === 0) return
  if (l === undefined) out.added.insert(path)
  else if (r === undefined) out.removed.insert(path)
}

/** A field of a map as the comparison sees it: absent or null fields of Go structs are zero. */
function fieldValue(
  m: JsonMap | undefined,
  name: string,
  names: readonly string[],
  zeros: readonly string[]
): unknown {
  if (!m) return undefined
  const v = Object.hasOwn(m, name) ? m[name] : undefined
  return v ?? (zeros.length > 0 ? zeroValueOf(names, name) : undefined)
}

function compareField(
  name: string,
  lv: unknown,
  rv: unknown,
  s: Schema,
  path: PathElement[],
  names: string[],
  out: Comparison
): void {
  path.push(fieldElement(name))
  names.push(name)
  compareNode(lv, rv, childSchema(s, name), path, names, out)
  path.pop()
  names.pop()
}

interface IndexedItems {
  pe: PathElement
  items: unknown[]
}

function indexItems(kind: ListKind, items: unknown[], path: FieldPath): Map<string, IndexedItems> {
  const byKey = new Map<string, IndexedItems>()
  for (let i = 0; i < items.length; i++) {
    const pe = itemElement(kind, items[i], path, i)
    const key = serializePathElement(pe)
    const entry = byKey.get(key)
    if (entry) entry.items.push(items[i])
    else byKey.set(key, { pe, items: [items[i]] })
  }
  return byKey
}

function compareItems(
  l: unknown[],
  r: unknown[],
  s: Schema,
  path: PathElement[],
  names: string[],
  out: Comparison
): void {
  const kind = listKindOf(s)
  const left = indexItems(kind, l, path)
  const right = indexItems(kind, r, path)
  for (const key of left.keys()) compareItem(left.get(key), right.get(key), s, path, names, out)
  for (const key of right.keys()) {
    if (!left.has(key)) compareItem(undefined, right.get(key), s, path, names, out)
  }
}

function compareItem(
  li: IndexedItems | undefined,
  ri: IndexedItems | undefined,
  s: Schema,
  path: PathElement[],
  names: string[],
  out: Comparison
): void {
  path.push((li ?? ri)!.pe)
  if ((li?.items.length ?? 0) > 1 || (ri?.items.length ?? 0) > 1) {
    // Duplicated keys cannot be compared field by field: the item changes as a whole.
    if (!li) out.added.insert(path)
    else if (!ri) out.removed.insert(path)
    else if (!deepEqual(li.items, ri.items)) out.modified.insert(path)
  } else {
    names.push('*')
    compareNode(li?.items[0], ri?.items[0], s?.items(), path, names, out)
    names.pop()
  }
  path.pop()
}

/** True for `{}` and `[]`. */
function isEmptyContainer(value: unknown): boolean {
  return (
    (isMap(value) && Object.keys(value).length === 0) ||
    (Array.isArray(value) && value.length === 0)
  )
}

/**
 * Fields Kubernetes' Go types always carry, even when a client left them out: non-pointer structs
 * (`spec`, `template`, a container's `resources`…) and non-omitempty lists (`containers`). On
 * create kube-apiserver compares against such an empty object, so these never appear in
 * managedFields as owned in their own right (`.`), while maps and pointers (`labels`,
 * `rollingUpdate`) do. The field names are those of the built-in kinds this server serves.
 */
export function zeroValueOf(parent: readonly string[], name: string): unknown {
  const depth = parent.length
  const last = parent[depth - 1]
  const above = parent[depth - 2]
  if (depth === 0) return ROOT_STRUCTS.has(name) ? {} : undefined
  if ((last === 'template' || last === 'jobTemplate') && (name === 'metadata' || name === 'spec')) {
    return {}
  }
  if (last === 'spec' && (depth === 1 || above === 'jobTemplate') && SPEC_STRUCTS.has(name)) {
    return {}
  }
  if (last === 'spec' && (depth === 1 || above === 'template') && name === 'containers') return []
  if (last === '*' && CONTAINER_LISTS.has(above) && name === 'resources') return {}
  return undefined
}

/** The fields zeroValueOf gives a value at `parent` (`*` stands for a list item). */
export function zeroFieldsOf(parent: readonly string[]): readonly string[] {
  // Only the root, `spec`, `template`/`jobTemplate` and list items (`*`) have zero-valued fields.
  const depth = parent.length
  const last = parent[depth - 1]
  if (depth > 0 && !ZERO_PARENTS.has(last)) return NONE
  // zeroValueOf looks only at the depth (0, 1 or more) and the last two names: the answer for
  // each such place is computed once.
  const key = `${Math.min(depth, 2)}/${parent[depth - 2] ?? ''}/${last ?? ''}`
  let zeros = zeroFieldsCache.get(key)
  if (!zeros) {
    zeros = ZERO_CANDIDATES.filter((name) => zeroValueOf(parent, name) !== undefined)
    if (zeroFieldsCache.size < 1000) zeroFieldsCache.set(key, zeros)
  }
  return zeros
}

const zeroFieldsCache = new Map<string, readonly string[]>()

const NONE: readonly string[] = []
const ZERO_PARENTS = new Set(['spec', 'template', 'jobTemplate', '*'])

const ROOT_STRUCTS = new Set(['metadata', 'spec', 'status'])
const SPEC_STRUCTS = new Set(['template', 'strategy', 'updateStrategy', 'jobTemplate'])
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers'])
const ZERO_CANDIDATES = ['metadata', 'spec', 'status', ...SPEC_STRUCTS, 'containers', 'resources']

// What every object's metadata looks like, for objects whose schema does not describe it.
const OBJECT_META = schemaFromSpec({
  type: 'object',
  fields: {
    labels: { type: 'object', items: { type: 'string' } },
    annotations: { type: 'object', items: { type: 'string' } },
    finalizers: {
      type: 'array',
      items: { type: 'string' },
      listType: 'set',
      patchStrategy: 'merge'
    },
    ownerReferences: {
      type: 'array',
      listType: 'map',
      listMapKeys: ['uid'],
      patchMergeKey: 'uid',
      patchStrategy: 'merge',
      items: {
        type: 'object',
        fields: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          uid: { type: 'string' },
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' }
        }
      }
    }
  }
})

/** The schema of a whole object: the kind's own, with standard metadata where it has none. */
export function objectSchema(schema: Schema): PatchSchema {
  if (schema?.field('metadata')) return schema
  return {
    field: (name) => (name === 'metadata' ? OBJECT_META : schema?.field(name)),
    items: () => schema?.items(),
    patchStrategies: schema?.patchStrategies ?? [],
    type: 'object'
  }
}
