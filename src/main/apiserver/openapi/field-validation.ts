/**
 * Schema checks kube-apiserver makes while decoding a request body into a built-in type:
 * fields the type does not declare (reported under `fieldValidation=Strict`, warned about under
 * `Warn`) and values of the wrong JSON type (always a 400). Messages are kube-apiserver's, so
 * kubectl prints what it prints against a real cluster.
 */
import type { FieldCause } from '../types'
import { definitionNameFor, kubernetesDefinitions } from './kubernetes-definitions'
import { isFreeForm, resolveSchema, type Definitions, type Schema } from './schema-walk'

/**
 * Where the walk is, as a chain to the root: the paths users and Go's decoder see are spelled
 * only when a cause is reported (spelling them at every node dominated the walk).
 */
interface Place {
  readonly parent?: Place
  /** A field of a struct. */
  readonly name?: string
  /** An item of a list (its index) or an entry of a map (its key). */
  readonly index?: number | string
  /** The Go struct holding the current field (`PodSpec`), as Go's json errors name it. */
  readonly goStruct: string
}

/** `spec.template.spec.containers[0].image` */
function fieldOf(place: Place): string {
  if (!place.parent) return ''
  const above = fieldOf(place.parent)
  if (place.name !== undefined) return above ? `${above}.${place.name}` : place.name
  return `${above}[${String(place.index)}]`
}

/** `spec.template.spec.containers.image`: Go's json errors name fields without indices. */
function goPathOf(place: Place): string {
  if (!place.parent) return ''
  const above = goPathOf(place.parent)
  if (place.name !== undefined) return above ? `${above}.${place.name}` : place.name
  return above
}

function child(place: Place, name: string, struct: string): Place {
  return { parent: place, name, goStruct: struct }
}

function element(place: Place, index: number | string, struct = place.goStruct): Place {
  return { parent: place, index, goStruct: struct }
}

function shortName(definition: string): string {
  return definition.slice(definition.lastIndexOf('.') + 1)
}

/** Go's spelling of a schema's type (`int32`, `[]v1.Container`, `map[string]string`). */
function goType(place: Schema, definitions: Definitions): string {
  const { schema, definition } = resolveSchema(place, definitions)
  if (definition) {
    const parts = definition.split('.')
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`
  }
  switch (schema.type) {
    case 'integer':
      return schema.format === 'int64' ? 'int64' : 'int32'
    case 'number':
      return 'float64'
    case 'boolean':
      return 'bool'
    case 'string':
      return schema.format === 'byte' ? '[]uint8' : 'string'
    case 'array':
      return `[]${schema.items ? goType(schema.items, definitions) : 'interface {}'}`
    case 'object': {
      const values = schema.additionalProperties
      if (values && typeof values === 'object') return `map[string]${goType(values, definitions)}`
      return 'map[string]interface {}'
    }
    default:
      return 'interface {}'
  }
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'boolean') return 'bool'
  return typeof value === 'object' ? 'object' : typeof value
}

/** Why a value cannot decode into the schema's type; undefined when it can. */
function typeMismatch(value: unknown, schema: Schema, definition?: string): string | undefined {
  if (value === null) return undefined // Go leaves the field unset.
  const kind = jsonKind(value)
  if (
    definition === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString' ||
    schema.format === 'int-or-string'
  ) {
    return kind === 'string' || (kind === 'number' && Number.isInteger(value)) ? undefined : kind
  }
  if (definition === 'io.k8s.apimachinery.pkg.api.resource.Quantity') {
    return kind === 'string' || kind === 'number' ? undefined : kind
  }
  switch (schema.type) {
    case 'string':
      return kind === 'string' ? undefined : kind
    case 'boolean':
      return kind === 'bool' ? undefined : kind
    case 'number':
      return kind === 'number' ? undefined : kind
    case 'integer': {
      if (kind !== 'number') return kind
      const n = value as number
      const [min, max] =
        schema.format === 'int64' ? [-(2 ** 63), 2 ** 63 - 1] : [-(2 ** 31), 2 ** 31 - 1]
      return Number.isInteger(n) && n >= min && n <= max ? undefined : `number ${String(n)}`
    }
    case 'array':
      return kind === 'array' ? undefined : kind
    case 'object':
      return kind === 'object' ? undefined : kind
    default:
      return undefined
  }
}

/** What decoding a body against its kind's schema found. */
export interface DecodeFindings {
  /** Values of the wrong JSON type (see schemaTypeErrors). */
  typeErrors: FieldCause[]
  /** Fields the schema does not declare (see unknownFields). */
  unknownFields: FieldCause[]
}

/**
 * One walk for both decoding checks: `types` looks for values of the wrong type (and does not
 * descend into them), `unknown` for fields the schema does not declare (not below maps that take
 * any field). Both at once, unknown fields below a value of the wrong type are not looked for.
 */
function walk(
  value: unknown,
  place: Schema,
  at: Place,
  definitions: Definitions,
  out: DecodeFindings,
  types: boolean,
  unknown: boolean
): void {
  const { schema, definition } = resolveSchema(place, definitions)
  if (types) {
    const mismatch = typeMismatch(value, schema, definition)
    if (mismatch) {
      const goPath = goPathOf(at)
      const where = goPath ? `Go struct field ${at.goStruct}.${goPath}` : 'Go value'
      const message = `json: cannot unmarshal ${mismatch} into ${where} of type ${goType(place, definitions)}`
      out.typeErrors.push({ reason: 'FieldValueTypeInvalid', message, field: fieldOf(at) })
      return
    }
    if (schema.format === 'byte' && typeof value === 'string') {
      const bad = value.search(/[^A-Za-z0-9+/=\r\n]/)
      if (bad >= 0 || value.replace(/[\r\n]/g, '').length % 4 !== 0) {
        const at2 = bad >= 0 ? bad : value.length
        out.typeErrors.push({
          reason: 'FieldValueTypeInvalid',
          message: `illegal base64 data at input byte ${at2}`,
          field: fieldOf(at)
        })
      }
      return
    }
  }
  if (value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    const items = schema.items
    if (items) {
      for (let i = 0; i < value.length; i++) {
        walk(value[i], items, element(at, i), definitions, out, types, unknown)
      }
    }
    return
  }
  if (unknown && schema.type !== undefined && schema.type !== 'object') {
    if (!types) return
    unknown = false
  }
  const struct = definition ? shortName(definition) : at.goStruct
  const values = schema.additionalProperties
  if (values && typeof values === 'object') {
    for (const [key, v] of Object.entries(value)) {
      walk(v, values, element(at, key, struct), definitions, out, types, unknown)
    }
    return
  }
  if (unknown && isFreeForm(schema)) {
    if (!types) return
    unknown = false
  }
  const props = schema.properties ?? {}
  for (const [key, v] of Object.entries(value)) {
    if (Object.hasOwn(props, key)) {
      walk(v, props[key], child(at, key, struct), definitions, out, types, unknown)
    } else if (unknown) {
      const field = fieldOf(child(at, key, struct))
      out.unknownFields.push({
        reason: 'FieldValueInvalid',
        message: `unknown field "${field}"`,
        field
      })
    }
  }
}

function rootOf(group: string, version: string, kind: string): string | undefined {
  return definitionNameFor(group, version, kind)
}

// One `$ref` place per kind, so resolveSchema's cache (keyed by schema object) hits at the root.
const roots = new Map<string, Schema>()

function rootSchema(name: string): Schema {
  let root = roots.get(name)
  if (!root) {
    root = { $ref: `#/definitions/${name}` }
    roots.set(name, root)
  }
  return root
}

function walkKind(
  group: string,
  version: string,
  kind: string,
  obj: unknown,
  types: boolean,
  unknown: boolean
): DecodeFindings {
  const out: DecodeFindings = { typeErrors: [], unknownFields: [] }
  const name = rootOf(group, version, kind)
  if (!name) return out
  const definitions = kubernetesDefinitions()
  walk(obj, rootSchema(name), { goStruct: shortName(name) }, definitions, out, types, unknown)
  return out
}

/**
 * Fields of `obj` its kind's schema does not declare, in document order, each with
 * kube-apiserver's message (`unknown field "spec.replicass"`). Maps (labels, data) and
 * free-form objects (RawExtension, FieldsV1) take any key. Empty for kinds without a schema.
 */
export function unknownFields(
  group: string,
  version: string,
  kind: string,
  obj: unknown
): FieldCause[] {
  return walkKind(group, version, kind, obj, false, true).unknownFields
}

/**
 * Values of `obj` that cannot decode into its kind's Go types (a string where an int32 is
 * expected …), in document order, each with the message Go's decoder gives kube-apiserver
 * (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
 * int32`). kube-apiserver reports the first; see decodeErrorMessage.
 */
export function schemaTypeErrors(
  group: string,
  version: string,
  kind: string,
  obj: unknown
): FieldCause[] {
  return walkKind(group, version, kind, obj, true, false).typeErrors
}

/**
 * schemaTypeErrors and unknownFields in one walk of the object, for the write path, which
 * reports unknown fields only when there are no type errors: with type errors, the unknown
 * fields below the values of the wrong type are left out.
 */
export function decodeFindings(
  group: string,
  version: string,
  kind: string,
  obj: unknown
): DecodeFindings {
  return walkKind(group, version, kind, obj, true, true)
}

/**
 * kube-apiserver's 400 message for a body that does not decode:
 * `Deployment in version "v1" cannot be handled as a Deployment: <detail>`.
 */
export function decodeErrorMessage(kind: string, version: string, detail: string): string {
  return `${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`
}

/**
 * kube-apiserver's 400 message under `fieldValidation=Strict`: `Deployment in version "v1"
 * cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass"`.
 */
export function strictDecodingMessage(kind: string, version: string, causes: FieldCause[]): string {
  return decodeErrorMessage(
    kind,
    version,
    `strict decoding error: ${causes.map((c) => c.message).join(', ')}`
  )
}
