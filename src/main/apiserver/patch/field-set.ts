/**
 * Sets of field paths, the currency of server-side apply: who owns which fields of an object.
 * Mirrors sigs.k8s.io/structured-merge-diff `fieldpath`: a path is a list of path elements
 * (`f:name` a field, `k:{"name":"nginx"}` an item of an associative list, `v:"x"` an item of a
 * set, `i:0` an index), a set is a trie whose nodes are either members (owned) or have children,
 * and FieldsV1 is its JSON form as it appears in `metadata.managedFields`.
 */

/** One step of a field path. */
export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly (readonly [string, unknown])[] }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number }

/** A path from the root of an object. */
export type FieldPath = readonly PathElement[]

/** A FieldsV1 document: `{"f:spec":{"f:replicas":{}}}`. */
export type FieldsV1 = { [element: string]: FieldsV1 }

// Field elements are interned so their serialization is computed once per name.
const fieldElements = new Map<string, PathElement>()

/** A field path element. */
export function fieldElement(name: string): PathElement {
  let pe = fieldElements.get(name)
  if (!pe) {
    pe = { kind: 'field', name }
    if (fieldElements.size < 10_000) fieldElements.set(name, pe)
  }
  return pe
}

/** An associative-list item element; key fields are sorted by name as Kubernetes does. */
export function keyElement(fields: Iterable<readonly [string, unknown]>): PathElement {
  const sorted = [...fields].sort(([a], [b]) => compareStrings(a, b))
  return { kind: 'key', fields: sorted }
}

/** A set item element. */
export function valueElement(value: unknown): PathElement {
  return { kind: 'value', value }
}

/**
 * The FieldsV1 key of a path element: `f:<name>`, `k:<json of key fields>`, `v:<json>`,
 * `i:<index>`. Two elements are equal exactly when their serializations are.
 */
export function serializePathElement(pe: PathElement): string {
  let text = serialized.get(pe)
  if (text === undefined) {
    text = serialize(pe)
    serialized.set(pe, text)
  }
  return text
}

const serialized = new WeakMap<PathElement, string>()

/**
 * serializePathElement without remembering the answer, for an element used once (a list item's
 * key while a create's fields are written): remembering costs more than it saves there.
 */
export function serializeNewPathElement(pe: PathElement): string {
  return serialized.get(pe) ?? serialize(pe)
}

function serialize(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`
    case 'key':
      return `k:{${pe.fields.map(([name, v]) => `${goJson(name)}:${goJson(v)}`).join(',')}}`
    case 'value':
      return `v:${goJson(pe.value)}`
    case 'index':
      return `i:${pe.index}`
  }
}

/** Parses a FieldsV1 key; undefined for element types this version does not know (dropped). */
export function parsePathElement(text: string): PathElement | undefined {
  if (text.length < 2 || text[1] !== ':') throw new Error(`invalid path element ${goJson(text)}`)
  const body = text.slice(2)
  switch (text[0]) {
    case 'f':
      return fieldElement(body)
    case 'k': {
      const parsed: unknown = JSON.parse(body)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error(`invalid key element ${goJson(text)}`)
      }
      return keyElement(Object.entries(parsed))
    }
    case 'v':
      return valueElement(JSON.parse(body))
    case 'i': {
      if (!/^-?\d+$/.test(body)) throw new Error(`invalid index element ${goJson(text)}`)
      return { kind: 'index', index: Number(body) }
    }
    default:
      return undefined
  }
}

/** A path element as structured-merge-diff prints it: `.name`, `[name="nginx"]`, `[=x]`, `[0]`. */
export function pathElementString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`
    case 'key':
      return `[${pe.fields.map(([name, v]) => `${name}=${valueString(v)}`).join(',')}]`
    case 'value':
      return `[=${valueString(pe.value)}]`
    case 'index':
      return `[${pe.index}]`
  }
}

/** A path as conflict messages print it: `.spec.template.spec.containers[name="nginx"].image`. */
export function pathString(path: FieldPath): string {
  return path.map(pathElementString).join('')
}

/** Total order of path elements: fields, then keys, then values, then indexes (as SMD). */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const rank = ORDER[a.kind] - ORDER[b.kind]
  if (rank !== 0) return Math.sign(rank)
  if (a.kind === 'field' && b.kind === 'field') return compareStrings(a.name, b.name)
  if (a.kind === 'key' && b.kind === 'key') return compareFieldLists(a.fields, b.fields)
  if (a.kind === 'value' && b.kind === 'value') return compareValues(a.value, b.value)
  if (a.kind === 'index' && b.kind === 'index') return Math.sign(a.index - b.index)
  return 0
}

const ORDER = { field: 0, key: 1, value: 2, index: 3 } as const

interface Node {
  readonly pe: PathElement
  readonly set: FieldSet
}

/**
 * A set of field paths. A path is a member when the field itself is owned; a node may also have
 * children (owned fields below it). Operations return new sets and never modify their inputs;
 * their results share unchanged subtrees with the inputs (copying whole trees dominated every
 * write's managedFields bookkeeping), so `insert` only into a set you are still building — never
 * into an operand or a result of an operation (`clone()` one first).
 */
export class FieldSet {
  private readonly members = new Map<string, PathElement>()
  private readonly children = new Map<string, Node>()

  /** A set holding the given paths. */
  static of(...paths: FieldPath[]): FieldSet {
    const set = new FieldSet()
    for (const path of paths) set.insert(path)
    return set
  }

  /** Adds a path (the empty path is ignored: the root is never a member). */
  insert(path: FieldPath): void {
    if (path.length === 0) return
    // A loop rather than recursion over path.slice(1): no copy of the path per level.
    let members = this.members
    let children = this.children
    for (let i = 0; i < path.length - 1; i++) {
      const key = serializePathElement(path[i])
      let node = children.get(key)
      if (!node) {
        node = { pe: path[i], set: new FieldSet() }
        children.set(key, node)
      }
      members = node.set.members
      children = node.set.children
    }
    const last = path[path.length - 1]
    members.set(serializePathElement(last), last)
  }

  /** True when the path is a member. */
  has(path: FieldPath): boolean {
    if (path.length <= 1) return path.length === 1 && this.hasMember(path[0])
    return this.child(path[0])?.has(path.slice(1)) ?? false
  }

  /** True when the element itself is a member of this node. */
  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe))
  }

  /** The non-empty set of paths below an element, if any. */
  child(pe: PathElement): FieldSet | undefined {
    const node = this.children.get(serializePathElement(pe))
    return node && !node.set.isEmpty() ? node.set : undefined
  }

  /** True when the element or anything below it is in the set. */
  touches(pe: PathElement): boolean {
    return this.hasMember(pe) || this.child(pe) !== undefined
  }

  /** Every element that is a member or has children here, sorted. */
  elements(): PathElement[] {
    const all = new Map(this.members)
    for (const [key, node] of this.children) if (!node.set.isEmpty()) all.set(key, node.pe)
    return [...all.values()].sort(comparePathElements)
  }

  /** True when no path is in the set. */
  isEmpty(): boolean {
    if (this.members.size > 0) return false
    for (const node of this.children.values()) if (!node.set.isEmpty()) return false
    return true
  }

  /** Paths in either set. */
  union(other: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const [key, pe] of this.members) out.members.set(key, pe)
    for (const [key, pe] of other.members) out.members.set(key, pe)
    for (const [key, node] of this.children) {
      const theirs = other.children.get(key)
      out.children.set(key, theirs ? { pe: node.pe, set: node.set.union(theirs.set) } : node)
    }
    for (const [key, node] of other.children)
      if (!this.children.has(key)) out.children.set(key, node)
    return out
  }

  /** Paths in both sets. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const [key, pe] of this.members) if (other.members.has(key)) out.members.set(key, pe)
    for (const [key, node] of this.children) {
      const theirs = other.children.get(key)
      if (!theirs) continue
      const both = node.set.intersection(theirs.set)
      if (!both.isEmpty()) out.children.set(key, { pe: node.pe, set: both })
    }
    return out
  }

  /** Paths in this set but not in `other` (a member of `other` does not remove children). */
  difference(other: FieldSet): FieldSet {
    return this.subtract(other, false)
  }

  /** Like difference, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    return this.subtract(other, true)
  }

  /** Every member path, members before children, each level sorted (SMD's iteration order). */
  paths(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = [...this.members.values()]
      .sort(comparePathElements)
      .map((pe) => [...prefix, pe])
    const nodes = [...this.children.values()].sort((a, b) => comparePathElements(a.pe, b.pe))
    for (const node of nodes) out.push(...node.set.paths([...prefix, node.pe]))
    return out
  }

  /** A deep copy. */
  clone(): FieldSet {
    const out = new FieldSet()
    for (const [key, pe] of this.members) out.members.set(key, pe)
    for (const [key, node] of this.children) {
      out.children.set(key, { pe: node.pe, set: node.set.clone() })
    }
    return out
  }

  /**
   * The FieldsV1 form: keys in structured-merge-diff's order, `"."` first in a node that is
   * both a member and has children, `{}` for a member without children.
   */
  toFieldsV1(): FieldsV1 {
    return this.emit(false)
  }

  /** Reads a FieldsV1 document; element types this version does not know are dropped. */
  static fromFieldsV1(doc: unknown): FieldSet {
    const set = new FieldSet()
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new Error('FieldsV1 must be a JSON object')
    }
    for (const [key, inner] of Object.entries(doc)) {
      if (key === '.') continue
      const pe = parsePathElement(key)
      if (!pe) continue
      const below = FieldSet.fromFieldsV1(inner)
      const isMember = Object.hasOwn(inner as object, '.') || below.isEmpty()
      if (isMember) set.members.set(serializePathElement(pe), pe)
      if (!below.isEmpty()) set.children.set(serializePathElement(pe), { pe, set: below })
    }
    return set
  }

  private subtract(other: FieldSet, recursive: boolean): FieldSet {
    const out = new FieldSet()
    for (const [key, pe] of this.members) if (!other.members.has(key)) out.members.set(key, pe)
    for (const [key, node] of this.children) {
      if (recursive && other.members.has(key)) continue
      const theirs = other.children.get(key)
      if (!theirs) {
        out.children.set(key, node)
        continue
      }
      const rest = node.set.subtract(theirs.set, recursive)
      if (!rest.isEmpty()) out.children.set(key, { pe: node.pe, set: rest })
    }
    return out
  }

  private emit(includeSelf: boolean): FieldsV1 {
    const out: FieldsV1 = {}
    // elements() without its per-element lookups: serialize and check each child once.
    const entries: [string, PathElement, FieldSet | undefined][] = []
    for (const [key, pe] of this.members) entries.push([key, pe, undefined])
    for (const [key, node] of this.children) {
      if (node.set.isEmpty()) continue
      const member = this.members.has(key)
      if (member) entries[entries.findIndex(([k]) => k === key)][2] = node.set
      else entries.push([key, node.pe, node.set])
    }
    entries.sort((a, b) => comparePathElements(a[1], b[1]))
    if (includeSelf && entries.length > 0) out['.'] = {}
    for (const [key, , set] of entries) out[key] = set ? set.emit(this.members.has(key)) : {}
    return out
  }
}

/** JSON as Go's encoding/json writes it: object keys sorted, `<>&` and U+2028/9 escaped. */
function goJson(value: unknown): string {
  // Key fields are nearly always plain strings and numbers, without characters to escape.
  const text =
    typeof value === 'string' || typeof value === 'number'
      ? JSON.stringify(value)
      : stableJson(value)
  if (!GO_ESCAPED.test(text)) return text
  return text.replace(GO_ESCAPED_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const GO_ESCAPED = /[<>&\u2028\u2029]/
const GO_ESCAPED_ALL = /[<>&\u2028\u2029]/g

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort(compareStrings)
    const record = value as Record<string, unknown>
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(record[k])}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** A value as structured-merge-diff's `value.ToString` prints it (strings quoted). */
function valueString(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(valueString).join(',')}]`
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${valueString(v)}`)
      .join('')
  }
  return String(value)
}

/** Byte-wise string order (Go's strings.Compare) for the ASCII names Kubernetes uses. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareFieldLists(
  a: readonly (readonly [string, unknown])[],
  b: readonly (readonly [string, unknown])[]
): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const byName = compareStrings(a[i][0], b[i][0])
    if (byName !== 0) return byName
    const byValue = compareValues(a[i][1], b[i][1])
    if (byValue !== 0) return byValue
  }
  return Math.sign(a.length - b.length)
}

/** structured-merge-diff's total order of values: numbers, strings, booleans, lists, maps, null. */
function compareValues(a: unknown, b: unknown): number {
  const rank = valueRank(a) - valueRank(b)
  if (rank !== 0) return Math.sign(rank)
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b)
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b)
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i])
      if (c !== 0) return c
    }
    return Math.sign(a.length - b.length)
  }
  if (valueRank(a) === 4) {
    const fields = (v: unknown): [string, unknown][] =>
      Object.entries(v as object).sort(([x], [y]) => compareStrings(x, y))
    return compareFieldLists(fields(a), fields(b))
  }
  return 0
}

function valueRank(v: unknown): number {
  if (typeof v === 'number') return 0
  if (typeof v === 'string') return 1
  if (typeof v === 'boolean') return 2
  if (Array.isArray(v)) return 3
  if (typeof v === 'object' && v !== null) return 4
  return 5
}
