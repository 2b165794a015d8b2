/**
 * The OpenAPI v3 documents kube-apiserver serves: the `/openapi/v3` index and one document per
 * group version (`/openapi/v3/apis/apps/v1`). kubectl reads them for `explain` and to learn
 * that PATCH takes `fieldValidation`, so it lets the server validate (`--validate=strict`).
 */
import type { ResourceInfo } from '../types'
import {
  groupVersionPrefix,
  PATCH_TYPES,
  QUERY_PARAMETERS,
  RESPONSE_TEXT,
  resourcePaths,
  type Operation,
  type PathItem
} from './api-operations'
import {
  definitionClosure,
  memoByResources,
  serialize,
  type SerializedDocument
} from './document-cache'
import { KUBERNETES_SCHEMA_VERSION, kubernetesDefinitions } from './kubernetes-definitions'
import { isFreeForm, refName, type Schema } from './schema-walk'

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.'

/** Rewrites an upstream (v2-style) schema for OpenAPI 3: component refs, `allOf` around refs. */
export function toV3Schema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toV3Schema)
  if (!node || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    if (key !== '$ref') out[key] = toV3Schema(value)
  }
  const ref = (node as Schema).$ref
  if (typeof ref !== 'string') return out
  const target = { $ref: `#/components/schemas/${refName(ref)}` }
  // OpenAPI 3.0 ignores siblings of $ref, so kube-openapi wraps the reference in allOf.
  return Object.keys(out).length === 0 ? target : { allOf: [target], ...out }
}

function componentSchema(name: string, schema: Schema): unknown {
  const converted = toV3Schema(schema) as Record<string, unknown>
  if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') {
    converted['x-kubernetes-int-or-string'] = true
  } else if (schema.type === 'object' && isFreeForm(schema)) {
    converted['x-kubernetes-preserve-unknown-fields'] = true
  }
  return converted
}

function schemaRef(definition: string): object {
  if (definition === 'string') return { type: 'string' }
  // A kind without a known schema still gets a valid document: an open object.
  if (!kubernetesDefinitions()[definition]) {
    return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
  }
  return { $ref: `#/components/schemas/${definition}` }
}

function parameter(name: string, where: 'path' | 'query'): object {
  const known = QUERY_PARAMETERS[name]
  const description =
    name === 'name'
      ? 'name of the object'
      : name === 'namespace'
        ? 'object name and auth scope, such as for teams and projects'
        : (known?.description ?? name)
  return {
    name,
    in: where,
    description,
    ...(where === 'path' ? { required: true } : {}),
    schema: { type: known?.type ?? 'string', uniqueItems: true }
  }
}

function operationV3(op: Operation): object {
  const content = (definition: string, streams?: boolean): object => {
    const types = ['application/json', 'application/yaml']
    if (streams) types.push('application/json;stream=watch')
    return Object.fromEntries(types.map((t) => [t, { schema: schemaRef(definition) }]))
  }
  const responses: Record<string, object> = {}
  for (const [code, definition] of Object.entries(op.responses)) {
    responses[code] = {
      description: RESPONSE_TEXT[code] ?? 'OK',
      content:
        definition === 'string'
          ? { 'text/plain': { schema: { type: 'string' } } }
          : content(definition, op.streams)
    }
  }
  responses['401'] = { description: 'Unauthorized' }
  const body = op.body
  return {
    tags: [op.tag],
    description: op.description,
    operationId: op.operationId,
    ...(op.query.length > 0 ? { parameters: op.query.map((q) => parameter(q, 'query')) } : {}),
    ...(body
      ? {
          requestBody: {
            content: Object.fromEntries(
              (body.patch ? PATCH_TYPES : ['*/*']).map((t) => [
                t,
                { schema: schemaRef(body.definition) }
              ])
            ),
            required: true
          }
        }
      : {}),
    responses,
    ...(op.action ? { 'x-kubernetes-action': op.action } : {}),
    ...(op.gvk
      ? {
          'x-kubernetes-group-version-kind': {
            group: op.gvk.group,
            version: op.gvk.version,
            kind: op.gvk.kind
          }
        }
      : {})
  }
}

function documentV3(items: PathItem[]): object {
  const paths: Record<string, object> = {}
  const roots = new Set<string>()
  for (const item of items) {
    const entry: Record<string, unknown> = {}
    for (const op of item.operations) {
      entry[op.method] = operationV3(op)
      if (op.body) roots.add(op.body.definition)
      for (const d of Object.values(op.responses)) roots.add(d)
    }
    entry.parameters = [
      ...item.pathParameters.map((p) => parameter(p, 'path')),
      parameter('pretty', 'query')
    ]
    paths[item.path] = entry
  }
  const definitions = kubernetesDefinitions()
  const schemas: Record<string, unknown> = {}
  for (const name of definitionClosure(roots, definitions)) {
    schemas[name] = componentSchema(name, definitions[name])
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBERNETES_SCHEMA_VERSION },
    paths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          description: 'Bearer Token authentication',
          name: 'authorization',
          in: 'header'
        }
      }
    },
    security: [{ BearerToken: [] }]
  }
}

function discoveryItem(
  path: string,
  operationId: string,
  tag: string,
  definition: string
): PathItem {
  return {
    path,
    pathParameters: [],
    operations: [
      {
        method: 'get',
        operationId,
        description: 'get available resources',
        tag,
        query: [],
        responses: { '200': definition }
      }
    ]
  }
}

function upper(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** Every document of a resource set, by index path (`api/v1`, `apis/apps`, `version` …). */
function buildAll(resources: readonly ResourceInfo[]): Map<string, SerializedDocument> {
  const byGroupVersion = new Map<string, ResourceInfo[]>()
  for (const r of resources) {
    const key = groupVersionPrefix(r.group, r.version).slice(1)
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), r])
  }
  const docs = new Map<string, SerializedDocument>()
  const groups = new Set<string>()
  for (const [key, list] of byGroupVersion) {
    const { group, version } = list[0]
    const name = group ? group.split('.')[0] : 'core'
    const items = [
      discoveryItem(
        `/${key}/`,
        `get${upper(name)}${upper(version)}APIResources`,
        `${name}_${version}`,
        `${META}APIResourceList`
      ),
      ...list.flatMap(resourcePaths)
    ]
    docs.set(key, serialize(documentV3(items)))
    if (group) groups.add(group)
  }
  docs.set(
    'api',
    serialize(
      documentV3([discoveryItem('/api/', 'getCoreAPIVersions', 'core', `${META}APIVersions`)])
    )
  )
  docs.set(
    'apis',
    serialize(
      documentV3([discoveryItem('/apis/', 'getAPIVersions', 'apis', `${META}APIGroupList`)])
    )
  )
  for (const group of groups) {
    const name = group.split('.')[0]
    const item = discoveryItem(
      `/apis/${group}/`,
      `get${upper(name)}APIGroup`,
      name,
      `${META}APIGroup`
    )
    docs.set(`apis/${group}`, serialize(documentV3([item])))
  }
  const version = discoveryItem(
    '/version/',
    'getCodeVersion',
    'version',
    'io.k8s.apimachinery.pkg.version.Info'
  )
  docs.set('version', serialize(documentV3([version])))
  return docs
}

const cached = memoByResources<Map<string, SerializedDocument>>()

function documents(resources: readonly ResourceInfo[]): Map<string, SerializedDocument> {
  return cached(resources, () => buildAll(resources))
}

/**
 * The `/openapi/v3` index: `{ paths: { 'apis/apps/v1': { serverRelativeURL:
 * '/openapi/v3/apis/apps/v1?hash=<SHA-512>' }, … } }`, one entry per document.
 */
export function openApiV3Paths(resources: readonly ResourceInfo[]): {
  paths: Record<string, { serverRelativeURL: string }>
} {
  const paths: Record<string, { serverRelativeURL: string }> = {}
  for (const [key, doc] of [...documents(resources)].sort(([a], [b]) => a.localeCompare(b))) {
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` }
  }
  return { paths }
}

/**
 * The OpenAPI 3.0 document of one index path (`api/v1`, `apis/apps/v1`, `apis/apps`, `api`,
 * `apis`, `version`); undefined when there is none (answer 404). Built once per resource set.
 */
export function openApiV3(
  groupVersionPath: string,
  resources: readonly ResourceInfo[]
): object | undefined {
  return openApiV3Serialized(groupVersionPath, resources)?.document
}

/**
 * The same document serialized, with its hash: serve `json` as the body and the hash as the
 * `ETag`; a request whose `?hash=` differs is redirected (301) to the current URL, as
 * kube-apiserver does.
 */
export function openApiV3Serialized(
  groupVersionPath: string,
  resources: readonly ResourceInfo[]
): SerializedDocument | undefined {
  return documents(resources).get(groupVersionPath.replace(/^\/+|\/+$/g, ''))
}
