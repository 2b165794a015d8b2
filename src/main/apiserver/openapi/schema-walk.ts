/**
 * The small vocabulary every OpenAPI module here shares: schema objects as found in the upstream
 * Kubernetes definitions (Swagger 2.0 style, `#/definitions/<name>` references), and how to see
 * through `$ref` and `allOf` to the schema a field really has.
 */

/** One OpenAPI schema object, with Kubernetes' `x-kubernetes-*` extensions. */
export type Schema = Record<string, unknown> & {
  type?: string
  format?: string
  description?: string
  $ref?: string
  allOf?: Schema[]
  properties?: Record<string, Schema>
  additionalProperties?: Schema | boolean
  items?: Schema
  required?: string[]
}

/** Definitions by name (`io.k8s.api.apps.v1.Deployment`). */
export type Definitions = Record<string, Schema>

/** The definition name a `$ref` points at, for both v2 and v3 spellings. */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1)
}

/**
 * The schema a place really has: `$ref` and `allOf` members merged under the place's own keys,
 * so that a property's `x-kubernetes-patch-strategy` or description wins over its type's.
 * Returns the schema and the name of the definition it came from, if any; the answer is cached
 * per schema object and shared, so callers must treat it as read-only.
 */
export function resolveSchema(schema: Schema, definitions: Definitions): ResolvedSchema {
  // Definitions never change once loaded, so a place resolves the same way every time: every
  // request body is walked against them, and merging `$ref`s anew at each node dominated that walk.
  let cache = resolved.get(definitions)
  if (!cache) {
    cache = new WeakMap()
    resolved.set(definitions, cache)
  }
  let result = cache.get(schema)
  if (!result) {
    result = resolveUncached(schema, definitions)
    cache.set(schema, result)
  }
  return result
}

/** A resolved place (shared: callers must not modify it). */
export interface ResolvedSchema {
  schema: Schema
  definition?: string
}

const resolved = new WeakMap<Definitions, WeakMap<Schema, ResolvedSchema>>()

function resolveUncached(schema: Schema, definitions: Definitions): ResolvedSchema {
  let definition: string | undefined
  let merged: Schema = {}
  const parts: Schema[] = []
  if (schema.$ref) parts.push({ $ref: schema.$ref })
  if (Array.isArray(schema.allOf)) parts.push(...schema.allOf)
  for (const part of parts) {
    if (part.$ref) {
      definition = refName(part.$ref)
      const target = definitions[definition]
      if (target) merged = { ...merged, ...resolveSchema(target, definitions).schema }
    } else {
      merged = { ...merged, ...resolveSchema(part, definitions).schema }
    }
  }
  if (parts.length === 0) return { schema }
  const own: Schema = { ...schema }
  delete own.$ref
  delete own.allOf
  return { schema: { ...merged, ...own }, definition }
}

/**
 * True when an object schema takes any fields: it declares neither properties nor a value type,
 * or says so with `x-kubernetes-preserve-unknown-fields` (RawExtension, FieldsV1).
 */
export function isFreeForm(schema: Schema): boolean {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return true
  return schema.properties === undefined && schema.additionalProperties === undefined
}
