/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the patch `kubectl apply`,
 * `kubectl patch` and `kubectl edit` send for built-in kinds. Written from the semantics of
 * k8s.io/apimachinery `pkg/util/strategicpatch` (server side, `StrategicMergeMapPatch`):
 *
 * - maps merge recursively; `null` deletes a key; scalars and unknown fields replace;
 * - lists whose schema says `patchStrategy: merge` merge: items of maps are matched by the
 *   `patchMergeKey` (matching items merge, new ones are added), lists of scalars become a union;
 *   other lists are replaced;
 * - directives: `$patch: replace | delete` on a map or as a list item, `$retainKeys`,
 *   `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`. Keys starting with `$` are
 *   never stored.
 *
 * Order of a merged list, as Kubernetes orders it: items named in the patch come in the patch's
 * order, items only on the server keep theirs, and a new item goes before the server items that
 * follow it — so without `$setElementOrder` a new container lands first (`kubectl patch` does the
 * same). `$setElementOrder` (which `kubectl apply` sends) fixes the order outright.
 *
 * Where kube-apiserver answers 500 for a malformed patch (a list item without its merge key, an
 * unknown directive) this answers 400 BadRequest with the same words; it is the client's error.
 * A value a patch adds where nothing was is itself merged onto nothing, so its directives are
 * applied and its nulls dropped (Kubernetes drops them when it decodes into the typed object).
 */
import { badRequest } from '../api-errors'
import {
  cloneJson,
  goFormat,
  goTypeName,
  isForbiddenKey,
  isObject,
  jsonTypeName,
  own,
  patchNotApplicable,
  type JsonObject
} from './json-value'
import type { PatchSchema } from './patch-schema'

const DIRECTIVE = '$patch'
const RETAIN_KEYS = '$retainKeys'
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList'
const SET_ELEMENT_ORDER = '$setElementOrder'

/** k8s.io/apimachinery `mergepatch` error messages, kept word for word. */
export const StrategicMergeErrors = {
  badPatchFormatForPrimitiveList: 'invalid patch format of primitive list',
  badPatchFormatForRetainKeys: 'invalid patch format of retainKeys',
  badPatchFormatForSetElementOrderList: 'invalid patch format of setElementOrder list',
  noListOfLists: 'lists of lists are not supported'
} as const

/** What `$patch: delete` on a map yields: the parent drops the key. */
const DELETED = Symbol('deleted')
type Merged = JsonObject | typeof DELETED

/** What a list holds, as far as merging cares. */
type ElementKind = 'map' | 'string' | 'number' | 'boolean' | 'null'

/**
 * Applies a strategic merge patch to a JSON object and returns the patched copy; neither
 * argument is modified. `schema` gives the patch strategies and merge keys; without one (a kind
 * with no schema) no list merges, which is JSON merge patch plus the directives.
 * Throws ApiError 400 for a malformed patch, 422 for one kube-apiserver rejects as unprocessable.
 */
export function applyStrategicMergePatch(
  document: JsonObject,
  patch: unknown,
  schema?: PatchSchema
): JsonObject {
  if (!isObject(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type map[string]interface {}`
    )
  }
  const merged = mergeMap(cloneJson(document), patch, schema)
  return merged === DELETED ? {} : merged
}

/** Merges `patch` into `original` (a private copy, changed in place). */
function mergeMap(original: JsonObject, patch: JsonObject, schema?: PatchSchema): Merged {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE]
    if (directive === 'delete') return DELETED
    if (directive === 'replace') {
      const replacement = Object.fromEntries(Object.entries(patch).filter(([k]) => k !== DIRECTIVE))
      return mergeMap({}, replacement, schema)
    }
    throw badRequest(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`)
  }
  applyRetainKeys(original, patch)
  const done = applySetElementOrder(original, patch, schema)
  for (const [key, value] of Object.entries(patch)) {
    if (done.has(key) || isForbiddenKey(key)) continue
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) deleteFromPrimitiveList(original, key, value)
    else if (!key.startsWith('$')) mergeField(original, key, value, fieldSchema(schema, key))
  }
  return original
}

function mergeField(original: JsonObject, key: string, value: unknown, schema?: PatchSchema): void {
  if (value === null) {
    delete original[key]
    return
  }
  const current = own(original, key)
  let merged: unknown
  if (isObject(current) && isObject(value) && strategyOf(schema) !== 'replace') {
    merged = mergeMap(current, value, schema)
  } else if (Array.isArray(current) && Array.isArray(value)) {
    merged = mergeList(current, value, schema)
  } else {
    // Absent, of another type, a scalar, or a map the schema replaces whole.
    merged = fresh(value, schema)
  }
  if (merged === DELETED) delete original[key]
  else original[key] = merged
}

/** A patch value put where nothing was: merged onto nothing, so its directives apply. */
function fresh(value: unknown, schema?: PatchSchema): unknown {
  if (isObject(value)) return mergeMap({}, value, schema)
  if (Array.isArray(value)) return mergeList([], value, schema)
  return value
}

/** Merges or replaces a list, as the list's patch strategy says. */
function mergeList(current: unknown[], patch: unknown[], schema?: PatchSchema): unknown[] {
  const items = schema?.items()
  if (strategyOf(schema) === 'merge') {
    return mergeSlice(current, patch, items, schema?.patchMergeKey)
  }
  // Replaced: directive-only items mean nothing here and are dropped, not stored as `{}`.
  const replaced: unknown[] = []
  for (const item of patch) {
    if (isObject(item) && Object.hasOwn(item, DIRECTIVE)) {
      if (item[DIRECTIVE] === 'delete' || Object.keys(item).length === 1) continue
    }
    const value = fresh(item, items)
    if (value !== DELETED) replaced.push(value)
  }
  return replaced
}

/** `mergeSlice`: merges a list whose strategy is `merge`. */
function mergeSlice(
  original: unknown[],
  patch: unknown[],
  itemSchema: PatchSchema | undefined,
  mergeKey = ''
): unknown[] {
  const kind = elementKind(original, patch)
  if (kind === undefined) return original // both empty
  if (kind !== 'map') {
    const merged = [...new Set([...original, ...patch])]
    return orderMerged(merged, patch, original, '', kind)
  }
  if (!mergeKey) throw badRequest('cannot merge lists without merge key for type map')
  const { base, items } = applyListDirectives(original, patch as JsonObject[], mergeKey, itemSchema)
  const merged = [...base]
  for (const item of items) {
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey)
    const at = merged.findIndex((e) => isObject(e) && own(e, mergeKey) === item[mergeKey])
    // Items of a merge list never carry `$patch` here, so mergeMap yields a map.
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, item, itemSchema)
    else merged.push(mergeMap({}, item, itemSchema))
  }
  return orderMerged(merged, items, base, mergeKey, kind)
}

/**
 * Handles the list items that are directives: `{$patch: delete, <key>: v}` removes the items
 * with that key, `{$patch: replace}` makes the other patch items the whole list. Returns the
 * list to merge into and the patch items left to merge.
 */
function applyListDirectives(
  original: unknown[],
  patch: JsonObject[],
  mergeKey: string,
  itemSchema?: PatchSchema
): { base: unknown[]; items: JsonObject[] } {
  let base = original
  let replace = false
  const items: JsonObject[] = []
  for (const item of patch) {
    if (!Object.hasOwn(item, DIRECTIVE)) {
      items.push(item)
      continue
    }
    const directive = item[DIRECTIVE]
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey)
      base = base.filter((e) => !(isObject(e) && own(e, mergeKey) === item[mergeKey]))
    } else if (directive === 'replace') {
      replace = true
    } else if (directive === 'merge') {
      throw badRequest('merging lists cannot yet be specified in the patch')
    } else {
      throw badRequest(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(item)}`)
    }
  }
  if (!replace) return { base, items }
  return { base: items.map((item) => mergeMap({}, item, itemSchema)), items: [] }
}

/**
 * Orders a merged list: items present in `patchOrder` follow it, the others keep their order in
 * `serverOrder`, and the two are interleaved by the server's order (`normalizeElementOrder`).
 */
function orderMerged(
  merged: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind
): unknown[] {
  const keyOf = (item: unknown): unknown => {
    if (kind !== 'map') return item
    if (!isObject(item)) throw badArgType('map[string]interface {}', item)
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey)
    return item[mergeKey]
  }
  const patchIndex = indexByKey(patchOrder, keyOf)
  const serverIndex = indexByKey(serverOrder, keyOf)
  const fromPatch = merged.filter((item) => patchIndex.has(keyOf(item)))
  const serverOnly = merged.filter((item) => !patchIndex.has(keyOf(item)))
  const byIndex = (index: Map<unknown, number>) => (a: unknown, b: unknown) =>
    (index.get(keyOf(a)) ?? Infinity) - (index.get(keyOf(b)) ?? Infinity)
  fromPatch.sort(byIndex(patchIndex))
  serverOnly.sort(byIndex(serverIndex))
  // Take a server item while it comes, on the server, before the next patch item; a patch item
  // the server does not have goes first.
  const result: unknown[] = []
  let i = 0
  let j = 0
  while (i < serverOnly.length || j < fromPatch.length) {
    if (j >= fromPatch.length) result.push(serverOnly[i++])
    else if (i >= serverOnly.length) result.push(fromPatch[j++])
    else {
      const left = serverIndex.get(keyOf(serverOnly[i]))
      const right = serverIndex.get(keyOf(fromPatch[j]))
      if (left !== undefined && right !== undefined && left < right) result.push(serverOnly[i++])
      else result.push(fromPatch[j++])
    }
  }
  return result
}

function indexByKey(list: unknown[], keyOf: (item: unknown) => unknown): Map<unknown, number> {
  const index = new Map<unknown, number>()
  list.forEach((item, i) => {
    const key = keyOf(item)
    if (!index.has(key)) index.set(key, i)
  })
  return index
}

/**
 * `$retainKeys: [...]` (fields with the `retainKeys` strategy, e.g. a Deployment's `strategy`,
 * a volume): keys of the original not in the list are cleared; the patch may set only listed keys.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return
  const list = patch[RETAIN_KEYS]
  if (!Array.isArray(list)) throw badRequest(StrategicMergeErrors.badPatchFormatForRetainKeys)
  const retained = new Set(list)
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key === RETAIN_KEYS) continue
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue
    if (!retained.has(key)) throw badRequest(StrategicMergeErrors.badPatchFormatForRetainKeys)
  }
  for (const key of Object.keys(original)) if (!retained.has(key)) delete original[key]
}

/** `$deleteFromPrimitiveList/<field>: [...]` removes those values from a list of scalars. */
function deleteFromPrimitiveList(original: JsonObject, key: string, value: unknown): void {
  const field = directiveField(key, DELETE_FROM_PRIMITIVE_LIST)
  if (!Array.isArray(value)) throw badRequest(StrategicMergeErrors.badPatchFormatForPrimitiveList)
  const current = own(original, field)
  // Kubernetes would store the deletion list itself when the field is absent; nothing to do.
  if (!Array.isArray(current)) return
  const deleted = new Set(value)
  original[field] = current.filter((item) => !deleted.has(item))
}

/**
 * `$setElementOrder/<field>: [...]` (the merge keys, or the scalars, in the user's order): merges
 * `<field>` from the patch, then orders the result by the directive, server-only items keeping
 * their relative place. Returns the patch keys it consumed.
 */
function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  schema?: PatchSchema
): Set<string> {
  const done = new Set<string>()
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue
    done.add(key)
    const field = directiveField(key, SET_ELEMENT_ORDER)
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order)
    const listSchema = fieldSchema(schema, field)
    // Only merge lists have an order to keep; kubectl sends the directive only for them.
    if (strategyOf(listSchema) !== 'merge') continue
    const mergeKey = listSchema?.patchMergeKey ?? ''
    const current = listAt(original, field)
    const patchList = listAt(patch, field)
    if (current === undefined && patchList === undefined) continue
    checkOrderMatchesPatch(patchList ?? [], order, mergeKey)
    const merged = patchList ? mergeList(current ?? [], patchList, listSchema) : (current ?? [])
    done.add(field)
    const kind = elementKind(current ?? [], patchList ?? [])
    if (!kind || (kind === 'map' && !mergeKey)) {
      original[field] = merged
      continue
    }
    original[field] = orderMerged(merged, order, current ?? [], mergeKey, kind)
  }
  return done
}

/** `validatePatchWithSetOrderList`: the patch's items must appear in the directive's order. */
function checkOrderMatchesPatch(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return
  let items = patchList
  if (mergeKey) {
    for (const item of patchList)
      if (!isObject(item)) throw badArgType('map[string]interface {}', item)
    items = patchList.filter((item) => own(item as JsonObject, DIRECTIVE) !== 'delete')
  }
  const sameKey = (a: unknown, b: unknown): boolean => {
    if (!mergeKey) return a === b
    if (!isObject(a)) throw badArgType('map[string]interface {}', a)
    if (!isObject(b)) throw badArgType('map[string]interface {}', b)
    if (!Object.hasOwn(a, mergeKey)) throw noMergeKey(a, mergeKey)
    if (!Object.hasOwn(b, mergeKey)) throw noMergeKey(b, mergeKey)
    return a[mergeKey] === b[mergeKey]
  }
  let p = 0
  let s = 0
  while (p < items.length && s < order.length) {
    if (isObject(items[p]) && Object.hasOwn(items[p] as JsonObject, DIRECTIVE)) {
      p++
      continue
    }
    if (sameKey(items[p], order[s])) p++
    s++
  }
  if (p < items.length) {
    throw badRequest(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`
    )
  }
}

/** The list at `object[field]`: undefined when absent; anything but a list is malformed. */
function listAt(object: JsonObject, field: string): unknown[] | undefined {
  if (!Object.hasOwn(object, field)) return undefined
  const value = object[field]
  if (!Array.isArray(value)) throw badArgType('[]interface {}', value)
  return value
}

/** `<prefix>/<field>` → `<field>`; anything else is a malformed directive. */
function directiveField(key: string, prefix: string): string {
  const slash = key.indexOf('/')
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(
      prefix === SET_ELEMENT_ORDER
        ? StrategicMergeErrors.badPatchFormatForSetElementOrderList
        : StrategicMergeErrors.badPatchFormatForPrimitiveList
    )
  }
  return key.slice(slash + 1)
}

/** The schema of a field of a struct, or of the values of a map. */
function fieldSchema(schema: PatchSchema | undefined, key: string): PatchSchema | undefined {
  return schema?.field(key) ?? schema?.items()
}

/** The patch strategy apart from `retainKeys`: 'merge', 'replace' or '' (none: replace). */
function strategyOf(schema?: PatchSchema): string {
  return schema?.patchStrategies.find((s) => s !== 'retainKeys') ?? ''
}

/** The kind shared by every item of the lists; lists of lists and mixed lists are refused. */
function elementKind(...lists: unknown[][]): ElementKind | undefined {
  let kind: ElementKind | undefined
  for (const list of lists) {
    for (const item of list) {
      const itemKind = Array.isArray(item)
        ? 'list'
        : item === null
          ? 'null'
          : isObject(item)
            ? 'map'
            : (typeof item as ElementKind)
      // As `sliceElementType`: the first item decides; later ones must match it.
      if (kind === undefined && itemKind === 'list') {
        throw patchNotApplicable(StrategicMergeErrors.noListOfLists)
      }
      if (kind !== undefined && kind !== itemKind) {
        throw badRequest(`list element types are not identical: ${goFormat(lists)}`)
      }
      kind = itemKind as ElementKind
    }
  }
  return kind
}

function noMergeKey(item: JsonObject, mergeKey: string) {
  return badRequest(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`)
}

function badArgType(expected: string, actual: unknown) {
  return badRequest(`expected a ${expected}, but received a ${goTypeName(actual)}`)
}
