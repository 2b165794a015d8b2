/**
 * The REST operations KubeDesk serves, described once for both OpenAPI documents: paths,
 * methods, operation ids, `x-kubernetes-action`, `x-kubernetes-group-version-kind`, query
 * parameters and request/response types, named the way kube-apiserver names them.
 */
import type { ResourceInfo } from '../types'
import { definitionNameFor } from './kubernetes-definitions'

/** A group, version and kind, as the `x-kubernetes-group-version-kind` extension spells it. */
export interface Gvk {
  group: string
  version: string
  kind: string
}

/** One operation of a path. */
export interface Operation {
  method: 'get' | 'put' | 'post' | 'delete' | 'patch'
  operationId: string
  description: string
  tag: string
  action?: string
  gvk?: Gvk
  /** Query parameter names (see QUERY_PARAMETERS). */
  query: string[]
  /** Request body: a definition name; `patch` bodies take the four patch media types. */
  body?: { definition: string; patch?: boolean }
  /** Status code → definition name, or 'string' for plain text. */
  responses: Record<string, string>
  /** Lists and watches can also stream watch events. */
  streams?: boolean
}

/** One path with its path parameters and operations. */
export interface PathItem {
  path: string
  pathParameters: ('name' | 'namespace')[]
  operations: Operation[]
}

/** What each query parameter is, for both documents. */
/** The request bodies a PATCH operation accepts, as both documents list them. */
export const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json'
]

/** Descriptions of the success codes operations answer. */
export const RESPONSE_TEXT: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted'
}

export const QUERY_PARAMETERS: Record<string, { type: string; description: string }> = {
  allowWatchBookmarks: {
    type: 'boolean',
    description: 'Ask for BOOKMARK watch events; servers may ignore it.'
  },
  continue: { type: 'string', description: 'The continue token of the previous page of a list.' },
  dryRun: {
    type: 'string',
    description: 'When present (only "All" is valid), the request is checked but not persisted.'
  },
  fieldManager: {
    type: 'string',
    description: 'The name of the actor making the change, recorded in managedFields.'
  },
  fieldSelector: { type: 'string', description: 'Restricts the objects returned by their fields.' },
  fieldValidation: {
    type: 'string',
    description:
      'What to do with unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict (fail the request).'
  },
  force: {
    type: 'boolean',
    description: 'Apply requests take over fields other managers own instead of conflicting.'
  },
  gracePeriodSeconds: {
    type: 'integer',
    description: 'Seconds before the object is deleted; zero deletes immediately.'
  },
  labelSelector: { type: 'string', description: 'Restricts the objects returned by their labels.' },
  limit: { type: 'integer', description: 'The most objects a list returns at once.' },
  orphanDependents: {
    type: 'boolean',
    description: 'Deprecated: use propagationPolicy. Whether dependents are orphaned.'
  },
  pretty: { type: 'string', description: "If 'true', the output is pretty printed." },
  propagationPolicy: {
    type: 'string',
    description: 'How dependents are garbage collected: Orphan, Background or Foreground.'
  },
  resourceVersion: {
    type: 'string',
    description: 'Which resourceVersion a get, list or watch starts from.'
  },
  resourceVersionMatch: {
    type: 'string',
    description: 'How resourceVersion applies to a list: Exact or NotOlderThan.'
  },
  sendInitialEvents: {
    type: 'boolean',
    description: 'Start a watch with synthetic events for the current state.'
  },
  timeoutSeconds: { type: 'integer', description: 'How long a list or watch call may last.' },
  watch: { type: 'boolean', description: 'Watch for changes instead of listing.' },
  container: { type: 'string', description: 'The container whose log to stream.' },
  follow: { type: 'boolean', description: 'Follow the log stream.' },
  previous: { type: 'boolean', description: "The previous terminated container's log." },
  sinceSeconds: { type: 'integer', description: 'Only log lines newer than this many seconds.' },
  tailLines: { type: 'integer', description: 'Only this many lines from the end of the log.' },
  timestamps: { type: 'boolean', description: 'Prefix every log line with its timestamp.' }
}

const LIST_QUERY = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch'
]
const WRITE_QUERY = ['dryRun', 'fieldManager', 'fieldValidation']
const PATCH_QUERY = [...WRITE_QUERY, 'force']
const DELETE_QUERY = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy']
const LOG_QUERY = ['container', 'follow', 'previous', 'sinceSeconds', 'tailLines', 'timestamps']

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.'
const STATUS = `${META}Status`

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPrefix(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`
}

/** `CoreV1`, `AppsV1`, `CoordinationV1`: the middle of kube-apiserver's operation ids. */
function idPart(group: string, version: string): string {
  const name = group ? group.split('.')[0] : 'core'
  return upper(name) + upper(version)
}

function upper(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** `core_v1`, `apps_v1`, `coordination_v1`: kube-apiserver's operation tags. */
function tagOf(group: string, version: string): string {
  return `${group ? group.split('.')[0] : 'core'}_${version}`
}

function definitionOf(group: string, version: string, kind: string): string {
  // Kinds without a schema still get their paths; their bodies point at a name with no schema,
  // which the documents turn into a free-form object.
  return definitionNameFor(group, version, kind) ?? `${group || 'core'}.${version}.${kind}`
}

/** The paths and operations serving one resource and its subresources. */
export function resourcePaths(r: ResourceInfo): PathItem[] {
  const base = groupVersionPrefix(r.group, r.version)
  const id = idPart(r.group, r.version)
  const tag = tagOf(r.group, r.version)
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind }
  const kindDef = definitionOf(r.group, r.version, r.kind)
  const listDef = definitionOf(r.group, r.version, `${r.kind}List`)
  const ns = r.namespaced ? 'Namespaced' : ''
  const scope = r.namespaced ? `${base}/namespaces/{namespace}` : base
  const nsParams: ('name' | 'namespace')[] = r.namespaced ? ['namespace'] : []
  const can = (verb: string): boolean => (r.verbs as string[]).includes(verb)
  const deleteReturns = (r as { returnsDeletedObject?: boolean }).returnsDeletedObject
    ? kindDef
    : STATUS
  const op = (o: Omit<Operation, 'tag' | 'gvk'> & { gvk?: Gvk }): Operation => ({
    tag,
    gvk,
    ...o
  })

  const collection: Operation[] = []
  if (can('list'))
    collection.push(
      op({
        method: 'get',
        operationId: `list${id}${ns}${r.kind}`,
        description: `list or watch objects of kind ${r.kind}`,
        action: 'list',
        query: LIST_QUERY,
        responses: { '200': listDef },
        streams: true
      })
    )
  if (can('create'))
    collection.push(
      op({
        method: 'post',
        operationId: `create${id}${ns}${r.kind}`,
        description: `create a ${r.kind}`,
        action: 'post',
        query: WRITE_QUERY,
        body: { definition: kindDef },
        responses: { '200': kindDef, '201': kindDef, '202': kindDef }
      })
    )
  if (can('deletecollection'))
    collection.push(
      op({
        method: 'delete',
        operationId: `delete${id}Collection${ns}${r.kind}`,
        description: `delete collection of ${r.kind}`,
        action: 'deletecollection',
        query: [...DELETE_QUERY, ...LIST_QUERY.filter((q) => q !== 'watch')],
        body: { definition: `${META}DeleteOptions` },
        responses: { '200': STATUS }
      })
    )

  const item: Operation[] = []
  if (can('get'))
    item.push(
      op({
        method: 'get',
        operationId: `read${id}${ns}${r.kind}`,
        description: `read the specified ${r.kind}`,
        action: 'get',
        query: [],
        responses: { '200': kindDef }
      })
    )
  if (can('update'))
    item.push(
      op({
        method: 'put',
        operationId: `replace${id}${ns}${r.kind}`,
        description: `replace the specified ${r.kind}`,
        action: 'put',
        query: WRITE_QUERY,
        body: { definition: kindDef },
        responses: { '200': kindDef, '201': kindDef }
      })
    )
  if (can('delete'))
    item.push(
      op({
        method: 'delete',
        operationId: `delete${id}${ns}${r.kind}`,
        description: `delete a ${r.kind}`,
        action: 'delete',
        query: DELETE_QUERY,
        body: { definition: `${META}DeleteOptions` },
        responses: { '200': deleteReturns, '202': deleteReturns }
      })
    )
  if (can('patch'))
    item.push(
      op({
        method: 'patch',
        operationId: `patch${id}${ns}${r.kind}`,
        description: `partially update the specified ${r.kind}`,
        action: 'patch',
        query: PATCH_QUERY,
        body: { definition: `${META}Patch`, patch: true },
        responses: { '200': kindDef, '201': kindDef }
      })
    )

  const paths: PathItem[] = [
    { path: `${scope}/${r.plural}`, pathParameters: nsParams, operations: collection },
    { path: `${scope}/${r.plural}/{name}`, pathParameters: ['name', ...nsParams], operations: item }
  ]
  if (r.namespaced && can('list'))
    paths.push({
      path: `${base}/${r.plural}`,
      pathParameters: [],
      operations: [
        op({
          method: 'get',
          operationId: `list${id}${r.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${r.kind}`,
          action: 'list',
          query: LIST_QUERY,
          responses: { '200': listDef },
          streams: true
        })
      ]
    })
  for (const sub of r.subresources) paths.push(...subresourcePaths(r, sub, scope, id, op))
  return paths.filter((p) => p.operations.length > 0)
}

function subresourcePaths(
  r: ResourceInfo,
  sub: string,
  scope: string,
  id: string,
  op: (o: Omit<Operation, 'tag' | 'gvk'> & { gvk?: Gvk }) => Operation
): PathItem[] {
  const ns = r.namespaced ? 'Namespaced' : ''
  const params: ('name' | 'namespace')[] = r.namespaced ? ['name', 'namespace'] : ['name']
  const path = `${scope}/${r.plural}/{name}/${sub}`
  const readWrite = (gvk: Gvk, def: string, suffix: string): PathItem => ({
    path,
    pathParameters: params,
    operations: [
      op({
        method: 'get',
        operationId: `read${id}${ns}${r.kind}${suffix}`,
        description: `read ${sub} of the specified ${r.kind}`,
        action: 'get',
        gvk,
        query: [],
        responses: { '200': def }
      }),
      op({
        method: 'put',
        operationId: `replace${id}${ns}${r.kind}${suffix}`,
        description: `replace ${sub} of the specified ${r.kind}`,
        action: 'put',
        gvk,
        query: WRITE_QUERY,
        body: { definition: def },
        responses: { '200': def, '201': def }
      }),
      op({
        method: 'patch',
        operationId: `patch${id}${ns}${r.kind}${suffix}`,
        description: `partially update ${sub} of the specified ${r.kind}`,
        action: 'patch',
        gvk,
        query: PATCH_QUERY,
        body: { definition: `${META}Patch`, patch: true },
        responses: { '200': def, '201': def }
      })
    ]
  })
  const create = (gvk: Gvk, def: string, suffix: string): PathItem => ({
    path,
    pathParameters: params,
    operations: [
      op({
        method: 'post',
        operationId: `create${id}${ns}${r.kind}${suffix}`,
        description: `create ${sub} of a ${r.kind}`,
        action: 'post',
        gvk,
        query: WRITE_QUERY,
        body: { definition: def },
        responses: { '200': def, '201': def, '202': def }
      })
    ]
  })
  switch (sub) {
    case 'status':
      return [
        readWrite(
          { group: r.group, version: r.version, kind: r.kind },
          definitionOf(r.group, r.version, r.kind),
          'Status'
        )
      ]
    case 'scale': {
      const scale = { group: 'autoscaling', version: 'v1', kind: 'Scale' }
      return [readWrite(scale, definitionOf('autoscaling', 'v1', 'Scale'), 'Scale')]
    }
    case 'binding':
      return [
        create(
          { group: '', version: 'v1', kind: 'Binding' },
          definitionOf('', 'v1', 'Binding'),
          'Binding'
        )
      ]
    case 'eviction': {
      const eviction = { group: 'policy', version: 'v1', kind: 'Eviction' }
      return [create(eviction, definitionOf('policy', 'v1', 'Eviction'), 'Eviction')]
    }
    case 'log':
      return [
        {
          path,
          pathParameters: params,
          operations: [
            op({
              method: 'get',
              operationId: `read${id}${ns}${r.kind}Log`,
              description: `read log of the specified ${r.kind}`,
              action: 'get',
              query: LOG_QUERY,
              responses: { '200': 'string' }
            })
          ]
        }
      ]
    default:
      return []
  }
}
