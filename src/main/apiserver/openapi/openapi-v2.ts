/**
 * The Swagger 2.0 document kube-apiserver serves at `/openapi/v2`, for tools that still read it.
 * kubectl asks for it in protobuf (openapi-v2-protobuf.ts) for client-side validation, which it
 * always does for `kind: List` input, and for the patch metadata of client-side apply.
 */
import type { ResourceInfo } from '../types'
import {
  PATCH_TYPES,
  QUERY_PARAMETERS,
  RESPONSE_TEXT,
  resourcePaths,
  type Operation
} from './api-operations'
import {
  definitionClosure,
  memoByResources,
  serialize,
  type SerializedDocument
} from './document-cache'
import { KUBERNETES_SCHEMA_VERSION, kubernetesDefinitions } from './kubernetes-definitions'

function schemaRef(definition: string): object {
  if (definition === 'string') return { type: 'string' }
  if (!kubernetesDefinitions()[definition]) return { type: 'object' }
  return { $ref: `#/definitions/${definition}` }
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
    uniqueItems: true,
    type: known?.type ?? 'string',
    description,
    name,
    in: where,
    ...(where === 'path' ? { required: true } : {})
  }
}

function operationV2(op: Operation): object {
  const responses: Record<string, object> = {}
  for (const [code, definition] of Object.entries(op.responses)) {
    responses[code] = { description: RESPONSE_TEXT[code] ?? 'OK', schema: schemaRef(definition) }
  }
  responses['401'] = { description: 'Unauthorized' }
  const parameters: object[] = []
  if (op.body) {
    parameters.push({
      name: 'body',
      in: 'body',
      required: true,
      schema: schemaRef(op.body.definition)
    })
  }
  parameters.push(...op.query.map((q) => parameter(q, 'query')))
  const produces = Object.values(op.responses).includes('string')
    ? ['text/plain', 'application/json', 'application/yaml']
    : ['application/json', 'application/yaml']
  if (op.streams) produces.push('application/json;stream=watch')
  return {
    description: op.description,
    consumes: op.body?.patch ? PATCH_TYPES : ['*/*'],
    produces,
    schemes: ['https'],
    tags: [op.tag],
    operationId: op.operationId,
    ...(parameters.length > 0 ? { parameters } : {}),
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

function build(resources: readonly ResourceInfo[]): SerializedDocument {
  const paths: Record<string, object> = {}
  const roots = new Set<string>()
  for (const item of resources.flatMap(resourcePaths)) {
    const entry: Record<string, unknown> = {}
    for (const op of item.operations) {
      entry[op.method] = operationV2(op)
      if (op.body) roots.add(op.body.definition)
      for (const d of Object.values(op.responses)) roots.add(d)
    }
    entry.parameters = [
      ...item.pathParameters.map((p) => parameter(p, 'path')),
      parameter('pretty', 'query')
    ]
    paths[item.path] = entry
  }
  const all = kubernetesDefinitions()
  const definitions: Record<string, unknown> = {}
  for (const name of definitionClosure(roots, all)) definitions[name] = all[name]
  return serialize({
    swagger: '2.0',
    info: { title: 'Kubernetes', version: KUBERNETES_SCHEMA_VERSION },
    paths,
    definitions,
    securityDefinitions: {
      BearerToken: {
        description: 'Bearer Token authentication',
        type: 'apiKey',
        name: 'authorization',
        in: 'header'
      }
    },
    security: [{ BearerToken: [] }]
  })
}

const cached = memoByResources<SerializedDocument>()

/** The Swagger 2.0 document of every resource served; built once per resource set. */
export function openApiV2(resources: readonly ResourceInfo[]): object {
  return openApiV2Serialized(resources).document
}

/** The same document serialized once, with its hash for the `ETag`. */
export function openApiV2Serialized(resources: readonly ResourceInfo[]): SerializedDocument {
  return cached(resources, () => build(resources))
}
