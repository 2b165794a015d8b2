/**
 * What the garbage collector does with one queued node (kube-controller-manager's
 * `attemptToDeleteItem`, `classifyReferences`, `processDeletingDependentsItem` and the orphan
 * worker). Every decision rests on live reads from the API server, never on the informer cache
 * alone: an owner counts as gone only when a GET answers 404 or an object with another uid
 * (or the graph saw that uid deleted), so an owner created a moment ago that no informer has
 * delivered yet keeps its dependents, and a dependent that was just adopted is never deleted
 * (the delete carries the resourceVersion it was judged at).
 *
 * A dependent whose owners are all gone is deleted in the background (or as its own finalizers
 * ask). A dependent with a live owner keeps it; references to owners that are gone, or that wait
 * in foreground deletion, are removed from it. An owner deleted in foreground loses its
 * `foregroundDeletion` finalizer once no dependent with `blockOwnerDeletion` remains; one
 * deleted with Orphan is removed from every dependent's references, then loses `orphan`.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1'
import type { KubeObject, ResourceInfo } from '../../apiserver/types'
import {
  blockingDependents,
  FINALIZER_DELETE_DEPENDENTS,
  FINALIZER_ORPHAN_DEPENDENTS,
  identityOfRef,
  type GraphNode
} from './graph'
import type { GraphBuilder } from './graph-builder'
import {
  deleteObject,
  deleteOwnerReferences,
  getObject,
  logValuesOf,
  removeFinalizer,
  unblockOwnerReferences,
  type OperationsContext,
  type PropagationPolicy
} from './operations'
import { isNotFound } from '../shared/api-errors'

/** What a worker does with the key afterwards. */
export type ItemAction = 'forget' | 'requeue'

/** What the workers share. */
export interface CollectorContext extends OperationsContext {
  graph: GraphBuilder
  /** The served resource of a kind, if any. */
  resourceOf(apiVersion: string, kind: string): ResourceInfo | undefined
  /** Queues a node for attemptToDelete. */
  attemptToDelete(node: GraphNode): void
}

// How attemptToDeleteItem ended, when it did not just finish.
type Outcome = 'done' | 'virtualDeleted' | 'unresolvable'

const hasFinalizer = (obj: KubeObject, f: string): boolean => !!obj.metadata.finalizers?.includes(f)

/** attemptToDelete worker: one node, by uid. Errors propagate (the key is retried). */
export async function processAttemptToDelete(
  ctx: CollectorContext,
  uid: string
): Promise<ItemAction> {
  const n = ctx.graph.nodes.get(uid)
  if (!n) return 'forget'
  const outcome = await attemptToDeleteItem(ctx, n)
  if (outcome !== 'done') return 'forget'
  // A virtual node that exists is retried (with back-off) until an informer delivers it, so
  // one created and deleted while a watch was down does not stay in the graph for ever.
  return ctx.graph.nodes.get(uid) === n && n.virtual ? 'requeue' : 'forget'
}

async function attemptToDeleteItem(ctx: CollectorContext, item: GraphNode): Promise<Outcome> {
  // Being deleted is a one-way trip: its dependents are handled when the deletion is seen.
  if (item.beingDeleted && !item.deletingDependents) return 'done'
  const id = item.identity
  if (!ctx.resourceOf(id.apiVersion, id.kind)) {
    throw new Error(`no resource serves ${id.kind} of ${id.apiVersion}`)
  }
  let latest: KubeObject
  try {
    latest = await getObject(ctx, id)
  } catch (err) {
    if (!isNotFound(err)) throw err
    ctx.graph.virtualDelete(id)
    return 'virtualDeleted'
  }
  if (latest.metadata.uid !== id.uid) {
    ctx.graph.virtualDelete(id)
    return 'virtualDeleted'
  }
  if (item.deletingDependents) {
    await processDeletingDependentsItem(ctx, item)
    return 'done'
  }
  const refs = latest.metadata.ownerReferences ?? []
  if (refs.length === 0) return 'done'

  const classified = await classifyReferences(ctx, item, refs)
  if (classified === 'unresolvable') return 'unresolvable'
  const { solid, dangling, waiting } = classified

  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return 'done'
    // Owners waiting in foreground deletion must be let go, or they would wait for ever.
    await deleteOwnerReferences(
      ctx,
      id,
      [...dangling, ...waiting].map((r) => r.uid)
    )
    return 'done'
  }
  if (waiting.length > 0 && item.dependents.size > 0) {
    // An owner waits for this item, which has dependents of its own: delete it in foreground
    // too, after unblocking its references when a dependent also waits (a possible cycle).
    if ([...item.dependents].some((d) => d.deletingDependents)) {
      ctx.log.info('unblocking owner references to break a possible cycle', logValuesOf(id))
      await unblockOwnerReferences(ctx, id)
    }
    return remove(ctx, item, latest, 'Foreground')
  }
  // No owner left: collect it, honouring a deletion mode it already asked for.
  const policy: PropagationPolicy = hasFinalizer(latest, FINALIZER_ORPHAN_DEPENDENTS)
    ? 'Orphan'
    : hasFinalizer(latest, FINALIZER_DELETE_DEPENDENTS)
      ? 'Foreground'
      : 'Background'
  return remove(ctx, item, latest, policy)
}

async function remove(
  ctx: CollectorContext,
  item: GraphNode,
  latest: KubeObject,
  policy: PropagationPolicy
): Promise<Outcome> {
  try {
    await deleteObject(
      ctx,
      item.identity,
      latest.metadata.resourceVersion,
      latest.metadata.ownerReferences ?? [],
      policy
    )
    return 'done'
  } catch (err) {
    if (!isNotFound(err)) throw err
    ctx.graph.virtualDelete(item.identity)
    return 'virtualDeleted'
  }
}

// An owner in foreground deletion: done when no blocking dependent is left.
async function processDeletingDependentsItem(
  ctx: CollectorContext,
  item: GraphNode
): Promise<void> {
  const blocking = blockingDependents(item)
  if (blocking.length === 0) {
    await removeFinalizer(ctx, item.identity, FINALIZER_DELETE_DEPENDENTS)
    return
  }
  for (const dep of blocking) if (!dep.deletingDependents) ctx.attemptToDelete(dep)
}

interface Classified {
  /** Owners that exist and are not waiting for their dependents. */
  solid: OwnerReference[]
  /** Owners that do not exist. */
  dangling: OwnerReference[]
  /** Owners being deleted in foreground. */
  waiting: OwnerReference[]
}

async function classifyReferences(
  ctx: CollectorContext,
  item: GraphNode,
  refs: OwnerReference[]
): Promise<Classified | 'unresolvable'> {
  const out: Classified = { solid: [], dangling: [], waiting: [] }
  for (const ref of refs) {
    const owner = await liveOwner(ctx, ref, item)
    if (owner === 'unresolvable') return owner
    if (!owner) out.dangling.push(ref)
    else if (owner.metadata.deletionTimestamp && hasFinalizer(owner, FINALIZER_DELETE_DEPENDENTS))
      out.waiting.push(ref)
    else out.solid.push(ref)
  }
  return out
}

/**
 * The owner `ref` of `item` names, read live; undefined when it does not exist (404, or another
 * uid under that name). A namespaced owner is looked up in the dependent's namespace.
 */
async function liveOwner(
  ctx: CollectorContext,
  ref: OwnerReference,
  item: GraphNode
): Promise<KubeObject | undefined | 'unresolvable'> {
  const absent = ctx.graph.absentOwners
  const ns = item.identity.namespace
  if (absent.has(identityOfRef(ref, '')) || absent.has(identityOfRef(ref, ns))) return undefined
  const resource = ctx.resourceOf(ref.apiVersion, ref.kind)
  // Retried with back-off: the kind may be served later (a custom resource).
  if (!resource) throw new Error(`no resource serves owner kind ${ref.kind} of ${ref.apiVersion}`)
  if (!ns && resource.namespaced) {
    // A cluster-scoped object cannot have a namespaced owner; retrying would not help.
    ctx.log.warn('cluster-scoped object refers to a namespaced owner', {
      ...logValuesOf(item.identity),
      owner: `${ref.kind}/${ref.name}`
    })
    return 'unresolvable'
  }
  const ownerId = identityOfRef(ref, resource.namespaced ? ns : '')
  try {
    const owner = await getObject(ctx, ownerId)
    if (owner.metadata.uid === ref.uid) return owner
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  absent.add(ownerId)
  return undefined
}

/**
 * attemptToOrphan worker: removes the owner `uid` from every dependent's references, then its
 * `orphan` finalizer (which lets the API server delete it).
 */
export async function processAttemptToOrphan(
  ctx: CollectorContext,
  uid: string
): Promise<ItemAction> {
  const owner = ctx.graph.nodes.get(uid)
  if (!owner) return 'forget'
  const dependents = [...owner.dependents]
  if (dependents.length > 0) {
    ctx.log.info('orphaning dependents', {
      ...logValuesOf(owner.identity),
      dependents: dependents.length
    })
  }
  const results = await Promise.allSettled(
    dependents.map((d) => deleteOwnerReferences(ctx, d.identity, [uid]))
  )
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  await removeFinalizer(ctx, owner.identity, FINALIZER_ORPHAN_DEPENDENTS)
  return 'forget'
}
