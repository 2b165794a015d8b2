/**
 * PatchSchema (the patch engineer's view of a schema) over the upstream Kubernetes definitions:
 * strategic merge patch and server-side apply learn merge keys, list types and map types from
 * the same extensions kube-apiserver uses.
 */
import type { PatchSchema } from '../patch/patch-schema'
import { definitionNameFor, kubernetesDefinitions } from './kubernetes-definitions'
import { resolveSchema, type Definitions, type Schema } from './schema-walk'

const LIST_TYPES = new Set(['atomic', 'set', 'map'])
const MAP_TYPES = new Set(['atomic', 'granular'])

// One node per schema object: a definition reached from many places is wrapped once.
const nodes = new WeakMap<Schema, PatchSchema>()

function node(place: Schema, definitions: Definitions): PatchSchema {
  const cached = nodes.get(place)
  if (cached) return cached
  const { schema } = resolveSchema(place, definitions)
  const strategy =
    typeof schema['x-kubernetes-patch-strategy'] === 'string'
      ? schema['x-kubernetes-patch-strategy']
      : ''
  const listType = schema['x-kubernetes-list-type'] as string | undefined
  const mapType = schema['x-kubernetes-map-type'] as string | undefined
  const mapKeys = schema['x-kubernetes-list-map-keys']
  // Every field of every write body is looked up here, most of them many times.
  const fields = new Map<string, PatchSchema>()
  const result: PatchSchema = {
    field(name: string): PatchSchema | undefined {
      let field = fields.get(name)
      if (field === undefined) {
        const props = schema.properties
        field = props && Object.hasOwn(props, name) ? node(props[name], definitions) : undefined
        // Unknown names come from clients: only declared fields are remembered.
        if (field) fields.set(name, field)
      }
      return field
    },
    items(): PatchSchema | undefined {
      if (schema.items) return node(schema.items, definitions)
      const values = schema.additionalProperties
      return values && typeof values === 'object' ? node(values, definitions) : undefined
    },
    patchStrategies: strategy
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    patchMergeKey: schema['x-kubernetes-patch-merge-key'] as string | undefined,
    listType:
      listType && LIST_TYPES.has(listType) ? (listType as PatchSchema['listType']) : undefined,
    listMapKeys: Array.isArray(mapKeys) ? (mapKeys as string[]) : undefined,
    mapType: mapType && MAP_TYPES.has(mapType) ? (mapType as PatchSchema['mapType']) : undefined,
    type: schema.type ?? (schema.properties ? 'object' : undefined)
  }
  nodes.set(place, result)
  return result
}

/**
 * The patch schema of a built-in kind (`''`, `v1`, `Pod`): containers merge by name, ports by
 * containerPort, and so on. Undefined for kinds without a known schema (patch as plain JSON).
 */
export function patchSchemaFor(
  group: string,
  version: string,
  kind: string
): PatchSchema | undefined {
  const name = definitionNameFor(group, version, kind)
  if (!name) return undefined
  const definitions = kubernetesDefinitions()
  return node(definitions[name], definitions)
}
