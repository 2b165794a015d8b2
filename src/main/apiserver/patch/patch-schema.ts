/**
 * What the patch algorithms (strategic merge patch, server-side apply) need to know about an
 * object's schema: the Kubernetes OpenAPI extensions `x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and
 * `x-kubernetes-map-type`, reachable field by field. The OpenAPI module builds these from the
 * real Kubernetes schemas; `schemaFromSpec` builds them from a plain description.
 */

/** What patching needs to know about one place in an object's schema. */
export interface PatchSchema {
  /** The schema of a named field of an object (undefined: unknown field). */
  field(name: string): PatchSchema | undefined
  /** The schema of the items of a list, or of the values of a map. */
  items(): PatchSchema | undefined
  /** x-kubernetes-patch-strategy, split on ',': e.g. ['merge'], ['merge','retainKeys'], ['replace']. */
  readonly patchStrategies: readonly string[]
  /** x-kubernetes-patch-merge-key, e.g. 'name' for containers, 'containerPort' for ports. */
  readonly patchMergeKey?: string
  /** x-kubernetes-list-type: 'atomic' | 'set' | 'map'. */
  readonly listType?: 'atomic' | 'set' | 'map'
  /** x-kubernetes-list-map-keys, e.g. ['containerPort', 'protocol']. */
  readonly listMapKeys?: readonly string[]
  /** x-kubernetes-map-type: 'atomic' | 'granular'. */
  readonly mapType?: 'atomic' | 'granular'
  /** 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | undefined (free-form). */
  readonly type?: string
}

/**
 * A plain, nested description of a schema, for tests and fallbacks. `fields` describes the
 * named fields of an object, `items` the items of a list or the values of a map;
 * `patchStrategy` is the raw tag (`'merge,retainKeys'`) or already split.
 */
export interface PatchSchemaSpec {
  type?: string
  fields?: Record<string, PatchSchemaSpec>
  items?: PatchSchemaSpec
  patchStrategy?: string | readonly string[]
  patchMergeKey?: string
  listType?: 'atomic' | 'set' | 'map'
  listMapKeys?: readonly string[]
  mapType?: 'atomic' | 'granular'
}

/** Builds a PatchSchema from a plain nested description (see PatchSchemaSpec). */
export function schemaFromSpec(spec: PatchSchemaSpec): PatchSchema {
  const raw = spec.patchStrategy ?? []
  const patchStrategies = (typeof raw === 'string' ? raw.split(',') : [...raw])
    .map((s) => s.trim())
    .filter((s) => s !== '')
  // Children are built lazily and cached so that large specs cost nothing until walked.
  const fieldCache = new Map<string, PatchSchema | undefined>()
  let itemsCache: PatchSchema | undefined | null = null
  return {
    field(name: string): PatchSchema | undefined {
      if (!fieldCache.has(name)) {
        const child =
          spec.fields && Object.hasOwn(spec.fields, name) ? spec.fields[name] : undefined
        fieldCache.set(name, child ? schemaFromSpec(child) : undefined)
      }
      return fieldCache.get(name)
    },
    items(): PatchSchema | undefined {
      if (itemsCache === null) itemsCache = spec.items ? schemaFromSpec(spec.items) : undefined
      return itemsCache
    },
    patchStrategies,
    patchMergeKey: spec.patchMergeKey,
    listType: spec.listType,
    listMapKeys: spec.listMapKeys,
    mapType: spec.mapType,
    type: spec.type ?? (spec.fields ? 'object' : undefined)
  }
}
