/**
 * `/openapi/v2` in protobuf, as kube-apiserver serves it to client-go's `OpenAPISchema()` (and
 * so to kubectl's client-side validation and apply): the JSON document converted the way
 * gnostic's `openapi_v2.ParseDocument` reads it, then marshalled. Vendor extensions become
 * `NamedAny` pairs whose `Any.yaml` holds the value as YAML text, which is where kubectl reads
 * `x-kubernetes-group-version-kind` to find a kind's schema.
 *
 * Like gnostic, a property the format has no place for is an error, not silently dropped.
 */
import { Type } from 'protobufjs'
import { stringify as toYaml } from 'yaml'
import { openApiV2DocumentType, openApiV2Root } from './openapi-v2-proto'

/** The media type client-go asks for (kube-openapi still accepts it, marked deprecated). */
export const OPENAPI_V2_PROTOBUF_DEPRECATED =
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf'

/** The media type kube-apiserver answers protobuf with. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'

/** What `/openapi/v2` can be served as. */
export type OpenApiV2Format = 'json' | 'protobuf'

type JsonObject = Record<string, unknown>
type Convert = (value: unknown, at: string) => unknown

const STRING = { type: 'string' }

const SCALAR_TYPES: Record<string, string> = {
  string: 'string',
  bool: 'boolean',
  double: 'number',
  int64: 'number'
}

function object(value: unknown, at: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`OpenAPI v2 to protobuf: ${at} is not an object`)
  }
  return value as JsonObject
}

function list(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`OpenAPI v2 to protobuf: ${at} is not a list`)
  return value
}

/** gnostic's `Any`: the value as YAML (block style, YAML 1.1 ambiguities quoted). */
function any(value: unknown): object {
  return { yaml: toYaml(value, { version: '1.1', lineWidth: 0, minContentWidth: 0 }) }
}

function namedAny(name: string, value: unknown): object {
  return { name, value: any(value) }
}

/** Name/value pairs in document order, vendor extensions (`x-…`) apart. */
function pairs(value: unknown, at: string): { named: [string, unknown][]; extensions: object[] } {
  const named: [string, unknown][] = []
  const extensions: object[] = []
  for (const [k, v] of Object.entries(object(value, at))) {
    if (k.startsWith('x-')) extensions.push(namedAny(k, v))
    else named.push([k, v])
  }
  return { named, extensions }
}

function schemaMap(value: unknown, at: string): object {
  return {
    additional_properties: Object.entries(object(value, at)).map(([name, s]) => ({
      name,
      value: message('Schema', s, `${at}.${name}`)
    }))
  }
}

function parameterItem(value: unknown, at: string): object {
  const p = object(value, at)
  if (typeof p.$ref === 'string') return { json_reference: message('JsonReference', p, at) }
  if (p.in === 'body') return { parameter: { body_parameter: message('BodyParameter', p, at) } }
  const kind = { query: 'query', path: 'path', header: 'header' }[String(p.in)]
  if (!kind) throw new Error(`OpenAPI v2 to protobuf: ${at} has unsupported "in" ${String(p.in)}`)
  const sub = `${kind[0].toUpperCase()}${kind.slice(1)}ParameterSubSchema`
  return {
    parameter: { non_body_parameter: { [`${kind}_parameter_sub_schema`]: message(sub, p, at) } }
  }
}

function securityScheme(value: unknown, at: string): object {
  const s = object(value, at)
  if (s.type === 'apiKey') return { api_key_security: message('ApiKeySecurity', s, at) }
  if (s.type === 'basic') {
    return { basic_authentication_security: message('BasicAuthenticationSecurity', s, at) }
  }
  throw new Error(`OpenAPI v2 to protobuf: ${at} has unsupported type ${String(s.type)}`)
}

/** Messages whose JSON form is not a plain object of their fields (maps, oneofs, unions). */
const SPECIAL: Record<string, Convert> = {
  Any: (v) => any(v),
  TypeItem: (v, at) => ({ value: (Array.isArray(v) ? v : [v]).map((t) => scalar(STRING, t, at)) }),
  ItemsItem: (v, at) => ({
    schema: (Array.isArray(v) ? v : [v]).map((s, i) => message('Schema', s, `${at}[${i}]`))
  }),
  AdditionalPropertiesItem: (v, at) =>
    typeof v === 'boolean' ? { boolean: v } : { schema: message('Schema', v, at) },
  Properties: schemaMap,
  Definitions: schemaMap,
  Paths: (v, at) => {
    const { named, extensions } = pairs(v, at)
    return {
      vendor_extension: extensions,
      path: named.map(([name, item]) => ({
        name,
        value: message('PathItem', item, `${at}[${name}]`)
      }))
    }
  },
  ParametersItem: parameterItem,
  Responses: (v, at) => {
    const { named, extensions } = pairs(v, at)
    return {
      vendor_extension: extensions,
      response_code: named.map(([name, r]) => {
        const o = object(r, `${at}.${name}`)
        return {
          name,
          value:
            typeof o.$ref === 'string'
              ? { json_reference: message('JsonReference', o, `${at}.${name}`) }
              : { response: message('Response', o, `${at}.${name}`) }
        }
      })
    }
  },
  SchemaItem: (v, at) => ({ schema: message('Schema', v, at) }),
  SecurityDefinitions: (v, at) => ({
    additional_properties: Object.entries(object(v, at)).map(([name, s]) => ({
      name,
      value: securityScheme(s, `${at}.${name}`)
    }))
  }),
  SecurityRequirement: (v, at) => ({
    additional_properties: Object.entries(object(v, at)).map(([name, scopes]) => ({
      name,
      value: { value: list(scopes, `${at}.${name}`).map(String) }
    }))
  })
}

/** The .proto field name of a JSON property: `$ref` → `_ref`, `operationId` → `operation_id`. */
function fieldName(key: string): string {
  if (key === '$ref') return '_ref'
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

function scalar(field: { type: string }, value: unknown, at: string): unknown {
  const expected = SCALAR_TYPES[field.type]
  if (typeof value !== expected) {
    throw new Error(`OpenAPI v2 to protobuf: ${at} is not a ${expected}`)
  }
  if (field.type === 'int64' && !Number.isInteger(value)) {
    throw new Error(`OpenAPI v2 to protobuf: ${at} is not an integer`)
  }
  return value
}

/** Converts one JSON object to the plain form of message `typeName` (proto field names). */
function message(typeName: string, value: unknown, at: string): JsonObject {
  const special = SPECIAL[typeName]
  if (special) return special(value, at) as JsonObject
  const type = openApiV2Root().lookupType(`openapi.v2.${typeName}`)
  const out: JsonObject = {}
  const extensions: object[] = []
  for (const [key, v] of Object.entries(object(value, at))) {
    const here = `${at}.${key}`
    if (key.startsWith('x-') && type.fields.vendor_extension) {
      extensions.push(namedAny(key, v))
      continue
    }
    const field = type.fields[fieldName(key)]
    if (!field) throw new Error(`OpenAPI v2 to protobuf: ${here} has no place in ${typeName}`)
    field.resolve()
    const nested = field.resolvedType instanceof Type ? field.resolvedType.name : undefined
    const one: Convert = nested
      ? (item, itemAt) => message(nested, item, itemAt)
      : (item, itemAt) => scalar(field, item, itemAt)
    const converted = field.repeated
      ? list(v, here).map((item, i) => one(item, `${here}[${i}]`))
      : one(v, here)
    // Go's proto3 marshalling leaves zero values out; so does this.
    if (converted === '' || converted === false || converted === 0) continue
    if (Array.isArray(converted) && converted.length === 0) continue
    out[field.name] = converted
  }
  if (extensions.length > 0) out.vendor_extension = extensions
  return out
}

/** The `openapi.v2.Document` of a Swagger 2.0 document, as plain protobufjs fields. */
export function openApiV2Message(document: object): JsonObject {
  return message('Document', document, '$')
}

/** Encodes a Swagger 2.0 document as gnostic's `openapi.v2.Document`. */
export function encodeOpenApiV2(document: object): Uint8Array {
  const type = openApiV2DocumentType()
  return type.encode(type.fromObject(openApiV2Message(document))).finish()
}

/** Decodes what encodeOpenApiV2 produced (or kube-apiserver serves) into plain fields. */
export function decodeOpenApiV2(bytes: Uint8Array): JsonObject {
  const type = openApiV2DocumentType()
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as JsonObject
}

const encoded = new WeakMap<object, Uint8Array>()

/**
 * The protobuf bytes of a served v2 document, encoded on first use and kept as long as the
 * document is (the served documents are built once per resource set).
 */
export function openApiV2Protobuf(doc: { json: string; document?: object }): Uint8Array {
  let bytes = encoded.get(doc)
  if (!bytes) {
    bytes = encodeOpenApiV2(doc.document ?? (JSON.parse(doc.json) as object))
    encoded.set(doc, bytes)
  }
  return bytes
}

/**
 * The format kube-openapi picks for an Accept header: media ranges by quality, then exact types
 * before wildcards, then in order; the first one JSON or protobuf satisfies wins. Undefined when
 * none does (406). No header means `*\/*`.
 */
export function negotiateOpenApiV2(accept: string | undefined): OpenApiV2Format | undefined {
  const ranges = (accept?.trim() ? accept : '*/*')
    .split(',')
    .map((part, order) => {
      const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase())
      const q = params.find((p) => p.startsWith('q='))
      const wild = type === '*' || type === '*/*' ? 2 : type.endsWith('/*') ? 1 : 0
      return { type, q: q ? Number(q.slice(2)) : 1, wild, order }
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.wild - b.wild || a.order - b.order)
  for (const { type } of ranges) {
    if (['*/*', '*', 'application/*', 'application/json'].includes(type)) return 'json'
    if (type === OPENAPI_V2_PROTOBUF || type === OPENAPI_V2_PROTOBUF_DEPRECATED) return 'protobuf'
  }
  return undefined
}
