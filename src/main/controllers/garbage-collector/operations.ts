/**
 * The garbage collector's writes (kube-controller-manager's `garbagecollector/operations.go`
 * and `patch.go`), each against the live object and guarded by its uid: a delete with uid and
 * resourceVersion preconditions, and read-modify-write updates of finalizers and owner
 * references that retry on conflict. An object that is gone, or replaced by another with the
 * same name, is left alone.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1'
import { ApiError } from '../../apiserver/api-errors'
import type { ApiClient, ResourceType } from '../../apiserver/client'
import type { DeleteOptions } from '../../apiserver/rest/delete'
import type { KubeObject } from '../../apiserver/types'
import type { ComponentLog } from '../../observe/component-log'
import type { ObjectIdentity } from './graph'

/** What the operations need. */
export interface OperationsContext {
  client: ApiClient
  log: ComponentLog
}

/** A deletion propagation policy. */
export type PropagationPolicy = NonNullable<DeleteOptions['propagationPolicy']>

const MAX_CONFLICT_RETRIES = 5

const typeOf = (id: ObjectIdentity): ResourceType => ({ apiVersion: id.apiVersion, kind: id.kind })

/** The log values naming `id` (no namespace key for a cluster-scoped object). */
export function logValuesOf(id: ObjectIdentity): Record<string, string> {
  return id.namespace
    ? { kind: id.kind, namespace: id.namespace, name: id.name, uid: id.uid }
    : { kind: id.kind, name: id.name, uid: id.uid }
}
const isCode = (err: unknown, code: number): boolean => err instanceof ApiError && err.code === code

/** The live object of `id` (by its coordinates; the caller compares uids). Throws 404. */
export function getObject(ctx: OperationsContext, id: ObjectIdentity): Promise<KubeObject> {
  return ctx.client.get(typeOf(id), id.namespace || undefined, id.name)
}

/**
 * Deletes `id` with `policy`, as long as it is still the object at `resourceVersion`. A conflict
 * caused by a change that left the owner references as they were is retried with the uid
 * precondition only (kube-controller-manager's `deleteObject`): the decision still holds. Any
 * other conflict goes back to the caller, whose retry looks again.
 */
export async function deleteObject(
  ctx: OperationsContext,
  id: ObjectIdentity,
  resourceVersion: string | undefined,
  ownersAtVersion: OwnerReference[],
  policy: PropagationPolicy
): Promise<void> {
  ctx.log.info('deleting object', { ...logValuesOf(id), propagationPolicy: policy })
  const opts = (rv?: string): DeleteOptions => ({
    propagationPolicy: policy,
    preconditions: rv ? { uid: id.uid, resourceVersion: rv } : { uid: id.uid }
  })
  try {
    await ctx.client.delete(typeOf(id), id.namespace || undefined, id.name, opts(resourceVersion))
  } catch (err) {
    if (!isCode(err, 409) || !resourceVersion) throw err
    const live = await getObject(ctx, id)
    const sameOwners =
      JSON.stringify(live.metadata.ownerReferences ?? []) === JSON.stringify(ownersAtVersion)
    if (live.metadata.uid !== id.uid || !sameOwners) throw err
    await ctx.client.delete(typeOf(id), id.namespace || undefined, id.name, opts())
  }
}

/**
 * Changes the live object of `id` with `change` (which edits a copy and answers whether it
 * changed anything) and writes it back at the version read, retrying on conflict. Answers
 * whether it wrote: false when nothing needed changing, or the object is gone or is another
 * object (uid) now.
 */
export async function updateLive(
  ctx: OperationsContext,
  id: ObjectIdentity,
  change: (obj: KubeObject) => boolean
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    let live: KubeObject
    try {
      live = await getObject(ctx, id)
    } catch (err) {
      if (isCode(err, 404)) return false
      throw err
    }
    if (live.metadata.uid !== id.uid) return false
    const copy = structuredClone(live)
    if (!change(copy)) return false
    try {
      await ctx.client.update(copy)
      return true
    } catch (err) {
      if (isCode(err, 404)) return false
      if (!isCode(err, 409) || attempt >= MAX_CONFLICT_RETRIES) throw err
    }
  }
}

/** Removes `finalizer` from `id` (the API server deletes it when that was the last one). */
export async function removeFinalizer(
  ctx: OperationsContext,
  id: ObjectIdentity,
  finalizer: string
): Promise<void> {
  const removed = await updateLive(ctx, id, (obj) => {
    const finalizers = obj.metadata.finalizers ?? []
    if (!finalizers.includes(finalizer)) return false
    const rest = finalizers.filter((f) => f !== finalizer)
    if (rest.length > 0) obj.metadata.finalizers = rest
    else delete obj.metadata.finalizers
    return true
  })
  if (removed) ctx.log.info('removed finalizer', { ...logValuesOf(id), finalizer })
}

/** Removes the references to the owners `uids` from `id`'s ownerReferences. */
export async function deleteOwnerReferences(
  ctx: OperationsContext,
  id: ObjectIdentity,
  uids: string[]
): Promise<void> {
  const drop = new Set(uids)
  let owners: string[] = []
  const removed = await updateLive(ctx, id, (obj) => {
    const refs = obj.metadata.ownerReferences ?? []
    const kept = refs.filter((r) => !drop.has(r.uid))
    if (kept.length === refs.length) return false
    owners = refs.filter((r) => drop.has(r.uid)).map((r) => `${r.kind}/${r.name}`)
    if (kept.length > 0) obj.metadata.ownerReferences = kept
    else delete obj.metadata.ownerReferences
    return true
  })
  if (removed) ctx.log.info('removed owner references', { ...logValuesOf(id), owners })
}

/** Turns `blockOwnerDeletion` off on every reference of `id` (breaks foreground cycles). */
export async function unblockOwnerReferences(
  ctx: OperationsContext,
  id: ObjectIdentity
): Promise<void> {
  await updateLive(ctx, id, (obj) => {
    const refs = obj.metadata.ownerReferences ?? []
    if (!refs.some((r) => r.blockOwnerDeletion)) return false
    obj.metadata.ownerReferences = refs.map((r) =>
      r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r
    )
    return true
  })
}
