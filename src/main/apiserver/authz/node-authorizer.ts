/**
 * What a kubelet's credential may do, after Kubernetes' Node authorizer and NodeRestriction
 * admission plugin (kubernetes/plugin/pkg/auth/authorizer/node): a user `system:node:<name>` in
 * `system:nodes` reads the cluster, but writes only its own Node and Lease, the status of pods
 * bound to it, the deletion of those pods, and events; Secrets and ConfigMaps it may get only when
 * a pod bound to it refers to them. So one leaked node token cannot rewrite the cluster.
 *
 * Other users pass: the admin is `system:masters`, and KubeDesk's own components are trusted.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import { ApiError } from '../api-errors'
import { NODES_GROUP, NODE_USER_PREFIX } from '../credentials'
import type { RegistryEntry } from '../registry'
import type { RestContext } from '../rest/context'
import { getObject, listObjects } from '../rest/read'
import type { UserInfo } from '../types'
import { findResourceByKind } from '../registry'

/** One request as the authorizer sees it. */
export interface AuthzRequest {
  user: UserInfo
  verb: string
  entry: RegistryEntry
  subresource?: string
  namespace?: string
  name?: string
}

const READ_VERBS = new Set(['get', 'list', 'watch'])
const EVENT_WRITES = new Set(['create', 'update', 'patch'])
const POD_ENTRY = findResourceByKind('v1', 'Pod')!

/** The node a user is the kubelet of, or undefined for any other user. */
export function nodeOfUser(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.username.startsWith(NODE_USER_PREFIX)) {
    return undefined
  }
  return user.username.slice(NODE_USER_PREFIX.length)
}

/** Resolves when `r` is allowed; rejects with 403 Forbidden worded as kube-apiserver. */
export async function authorizeNode(ctx: RestContext, r: AuthzRequest): Promise<void> {
  const node = nodeOfUser(r.user)
  if (node === undefined) return
  const denial = await deny(ctx, r, node)
  if (denial !== undefined) throw forbidden(r, denial)
}

/** Why a node's request is refused, or undefined when it is allowed. */
async function deny(ctx: RestContext, r: AuthzRequest, node: string): Promise<string | undefined> {
  const resource = r.entry.plural
  const group = r.entry.group
  if (resource === 'secrets' || resource === 'configmaps') {
    if (r.verb !== 'get' || !r.name || !r.namespace) {
      return `node '${node}' may only get individual ${resource}`
    }
    return (await referencedByOwnPod(ctx, node, r.namespace, resource, r.name))
      ? undefined
      : `no relationship found between node '${node}' and this object`
  }
  if (READ_VERBS.has(r.verb)) return undefined
  if (resource === 'nodes' && group === '') {
    if (r.verb === 'create' || r.name === node) return undefined
    return `node '${node}' cannot modify node '${r.name}'`
  }
  if (resource === 'leases' && group === 'coordination.k8s.io') {
    if (r.namespace !== 'kube-node-lease') return `node '${node}' may only write its node lease`
    if (r.verb === 'create' || r.name === node) return undefined
    return `node '${node}' cannot modify lease '${r.name}'`
  }
  if (resource === 'events' && (group === '' || group === 'events.k8s.io')) {
    return EVENT_WRITES.has(r.verb) ? undefined : `node '${node}' cannot ${r.verb} events`
  }
  if (resource === 'pods' && group === '') {
    const writesStatus = r.subresource === 'status' && ['update', 'patch'].includes(r.verb)
    const deletes = r.verb === 'delete' && !r.subresource
    if (!writesStatus && !deletes) return `node '${node}' cannot ${r.verb} pods`
    const bound = await podNode(ctx, r.namespace!, r.name!)
    // A pod that is gone is the handler's 404 to give.
    if (bound === undefined || bound === node) return undefined
    return `node '${node}' can only ${deletes ? 'delete' : 'update'} pods bound to it`
  }
  return `node '${node}' cannot ${r.verb} ${resource}`
}

async function podNode(ctx: RestContext, namespace: string, name: string) {
  try {
    const pod = (await getObject(ctx, { entry: POD_ENTRY, namespace, name, user: SELF })) as Pod
    return pod.spec?.nodeName ?? ''
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined
    throw err
  }
}

/** True when a pod bound to `node` in `namespace` uses the ConfigMap or Secret `name`. */
async function referencedByOwnPod(
  ctx: RestContext,
  node: string,
  namespace: string,
  resource: 'secrets' | 'configmaps',
  name: string
): Promise<boolean> {
  const pods = await listObjects(
    ctx,
    { entry: POD_ENTRY, namespace, user: SELF },
    { fieldSelector: `spec.nodeName=${node}` }
  )
  return pods.items.some((pod) => podRefers(pod as Pod, resource, name))
}

function podRefers(pod: Pod, resource: 'secrets' | 'configmaps', name: string): boolean {
  const spec = pod.spec
  if (!spec) return false
  const isSecret = resource === 'secrets'
  const refs: (string | undefined)[] = []
  for (const v of spec.volumes ?? []) {
    if (isSecret) refs.push(v.secret?.secretName)
    else refs.push(v.configMap?.name)
    for (const source of v.projected?.sources ?? []) {
      refs.push(isSecret ? source.secret?.name : source.configMap?.name)
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) {
      refs.push(isSecret ? e.valueFrom?.secretKeyRef?.name : e.valueFrom?.configMapKeyRef?.name)
    }
    for (const e of c.envFrom ?? []) refs.push(isSecret ? e.secretRef?.name : e.configMapRef?.name)
  }
  if (isSecret) for (const s of spec.imagePullSecrets ?? []) refs.push(s.name)
  return refs.includes(name)
}

/** The API server itself, for the authorizer's own lookups. */
const SELF: UserInfo = { username: 'system:apiserver', groups: ['system:masters'] }

function forbidden(r: AuthzRequest, reason: string): ApiError {
  const resource = r.subresource ? `${r.entry.plural}/${r.subresource}` : r.entry.plural
  const what = r.name ? `${r.entry.plural} "${r.name}"` : r.entry.plural
  const scope = r.namespace ? `in the namespace "${r.namespace}"` : 'at the cluster scope'
  return new ApiError(
    403,
    'Forbidden',
    `${what} is forbidden: User "${r.user.username}" cannot ${r.verb} resource "${resource}" ` +
      `in API group "${r.entry.group}" ${scope}: ${reason}`
  )
}
