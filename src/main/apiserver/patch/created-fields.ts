/**
 * The fields a create gives its field manager, read straight off the new object. On create
 * kube-apiserver compares the object against an empty one, so the manager owns every field the
 * object sets: each leaf, each map and list item that appears (items of associative lists by
 * their keys as `k:{…}`, of sets as `v:…`, atomic lists and maps as a whole), but not the structs
 * Go always carries (see zeroValueOf). This is what compareObjects({}, object) followed by the
 * FieldSet bookkeeping and toFieldsV1 give, in one walk that writes FieldsV1 directly: creates are
 * the most frequent write, and building, diffing and re-encoding field sets dominated them.
 */
import {
  comparePathElements,
  fieldElement,
  serializeNewPathElement,
  serializePathElement,
  type FieldSet,
  type FieldsV1,
  type PathElement
} from './field-set'
import {
  childSchema,
  deepEqual,
  isAtomicMap,
  isMap,
  itemElement,
  listKindOf,
  zeroFieldsOf,
  zeroValueOf,
  type JsonMap,
  type ListKind,
  type Schema
} from './typed-fields'

/** Fields left out of what a create owns. */
export interface CreatedFieldsExclusions {
  /** Left out with everything below them (the fields a subresource may not touch). */
  ignored: FieldSet
  /** Never owned themselves, though fields below them may be (identity, bookkeeping). */
  stripped: FieldSet
}

/**
 * The FieldsV1 a create of `object` gives its manager; undefined when it owns nothing. Throws
 * TypedError where the object does not fit its schema, as compareObjects does.
 */
export function createdFields(
  object: JsonMap,
  schema: Schema,
  exclusions: CreatedFieldsExclusions
): FieldsV1 | undefined {
  const walk: Walk = { path: [], names: [] }
  return node({}, object, schema, walk, false, exclusions.stripped, exclusions.ignored)
}

// `path` and `names` are stacks shared by the whole walk, as in compareObjects (`*` in `names`
// stands for a list item).
interface Walk {
  path: PathElement[]
  names: string[]
}

/**
 * The FieldsV1 of the place at the walk's path, given its value before (`lhs`: absent, or the
 * zero value Go would have there — always empty on create) and after. `own`: the place itself
 * may be owned (false for stripped fields); `strip` and `ignore`: the exclusions below it.
 */
function node(
  lhs: unknown,
  rhs: unknown,
  s: Schema,
  walk: Walk,
  own: boolean,
  strip: FieldSet | undefined,
  ignore: FieldSet | undefined
): FieldsV1 | undefined {
  const r = rhs === null ? undefined : rhs
  const top = walk.path.length === 0
  if (typeof r === 'object') {
    // A place that was absent is owned as itself once its map or list appears.
    const appeared = own && !top && lhs === undefined
    if (Array.isArray(r)) {
      if (r.length > 0 && (lhs === undefined || Array.isArray(lhs))) {
        const kind = listKindOf(s)
        if (kind.type !== 'atomic') return listFields(r, kind, s, walk, appeared, strip, ignore)
      }
    } else if (hasKeys(r) && (lhs === undefined || isMap(lhs)) && !isAtomicMap(s)) {
      return mapFields(lhs as JsonMap | undefined, r as JsonMap, s, walk, appeared, strip, ignore)
    }
  }
  // A leaf, or a value owned as a whole: owned when it appeared or differs from the zero value.
  const changed = r !== undefined && (lhs === undefined || !deepEqual(lhs, r))
  return changed && own && !top ? {} : undefined
}

function hasKeys(map: object): boolean {
  for (const key in map) if (Object.hasOwn(map, key)) return true
  return false
}

// `f:<name>` by name: the FieldsV1 key of a field, without building its path element.
const fieldKeys = new Map<string, string>()

function fieldKey(name: string): string {
  let key = fieldKeys.get(name)
  if (key === undefined) {
    key = serializePathElement(fieldElement(name))
    if (fieldKeys.size < 10_000) fieldKeys.set(name, key)
  }
  return key
}

/** `{".": {}, …children}` for a place owned as itself, the children alone otherwise. */
function withSelf(member: boolean): FieldsV1 {
  return member ? { '.': {} } : {}
}

function mapFields(
  lm: JsonMap | undefined,
  rm: JsonMap,
  s: Schema,
  walk: Walk,
  member: boolean,
  strip: FieldSet | undefined,
  ignore: FieldSet | undefined
): FieldsV1 | undefined {
  const zeros = zeroFieldsOf(walk.names)
  const names = Object.keys(rm)
  for (const name of zeros) if (!Object.hasOwn(rm, name)) names.push(name)
  // Field elements sort by name, byte-wise (the default order of strings here).
  names.sort()
  const out = withSelf(member)
  let owned = 0
  for (const name of names) {
    const pe = fieldElement(name)
    // Absent or null fields of Go structs are their zero value, on both sides.
    const zero =
      zeros.length > 0 && zeros.includes(name) ? zeroValueOf(walk.names, name) : undefined
    const lv = lm ? zero : undefined
    const rv = (Object.hasOwn(rm, name) ? rm[name] : undefined) ?? zero
    walk.path.push(pe)
    walk.names.push(name)
    const fields = node(
      lv,
      rv,
      childSchema(s, name),
      walk,
      strip === undefined || !strip.hasMember(pe),
      strip?.child(pe),
      ignore?.child(pe)
    )
    walk.path.pop()
    walk.names.pop()
    // Ignored fields are walked all the same: where they do not fit the schema, the create
    // owns nothing, as with compareObjects.
    if (fields && (ignore === undefined || !ignore.hasMember(pe))) {
      out[fieldKey(name)] = fields
      owned++
    }
  }
  if (owned > 0) return out
  return member ? {} : undefined
}

interface Item {
  pe: PathElement
  key: string
  value: unknown
  /** Items with this key: more than one is owned as a whole, never field by field. */
  count: number
}

function listFields(
  list: unknown[],
  kind: ListKind,
  s: Schema,
  walk: Walk,
  member: boolean,
  strip: FieldSet | undefined,
  ignore: FieldSet | undefined
): FieldsV1 | undefined {
  const byKey = new Map<string, Item>()
  for (let i = 0; i < list.length; i++) {
    const pe = itemElement(kind, list[i], walk.path, i)
    const key = serializeNewPathElement(pe)
    const item = byKey.get(key)
    if (item) item.count++
    else byKey.set(key, { pe, key, value: list[i], count: 1 })
  }
  const items = [...byKey.values()].sort((a, b) => comparePathElements(a.pe, b.pe))
  const itemSchema = s?.items()
  const out = withSelf(member)
  let owned = 0
  for (const item of items) {
    let fields: FieldsV1 | undefined
    if (item.count > 1) {
      fields = strip?.hasMember(item.pe) ? undefined : {}
    } else {
      walk.path.push(item.pe)
      walk.names.push('*')
      fields = node(
        undefined,
        item.value,
        itemSchema,
        walk,
        !strip?.hasMember(item.pe),
        strip?.child(item.pe),
        ignore?.child(item.pe)
      )
      walk.path.pop()
      walk.names.pop()
    }
    if (fields && !ignore?.hasMember(item.pe)) {
      out[item.key] = fields
      owned++
    }
  }
  if (owned > 0) return out
  return member ? {} : undefined
}
