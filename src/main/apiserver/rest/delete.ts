/**
 * delete and deletecollection.
 *
 * - Preconditions (uid, resourceVersion) fail with 409 Conflict.
 * - propagationPolicy is recorded for the garbage collector as kube-apiserver does: Orphan adds
 *   the `orphan` finalizer, Foreground `foregroundDeletion`; Background adds nothing. Without a
 *   policy, a GC finalizer the object already has stays; otherwise batch/v1 Jobs and v1
 *   ReplicationControllers orphan (their DefaultGarbageCollectionPolicy, kept for backwards
 *   compatibility) and every other kind deletes in the background.
 * - An object with finalizers gets `deletionTimestamp` and stays until they are removed.
 * - Pods are deleted gracefully: a pod bound to a node gets `deletionTimestamp` now + grace and
 *   `deletionGracePeriodSeconds`, and its kubelet removes it after stopping the containers (with a
 *   grace-0 delete). A pod not bound to a node, or already finished, has nothing to stop and is
 *   deleted at once; so is any pod deleted with gracePeriodSeconds=0.
 * - An empty namespace is removed at once; one with content turns Terminating until the namespace
 *   controller (src/main/controllers/namespace-controller.ts) empties it and finalizes it.
 *   `default`, `kube-system` and `kube-public` cannot be deleted.
 */
import { ApiError, conflict } from '../api-errors'
import { RESOURCES } from '../registry'
import type { KubeObject } from '../types'
import { timestamp, writableMeta, type RestContext, type Target } from './context'
import { listObjects, type ListOptions } from './read'
import { namespaceFinalizers } from './update'

/** DeleteOptions as clients send them (body or query). */
export interface DeleteOptions {
  gracePeriodSeconds?: number
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'
  preconditions?: { uid?: string; resourceVersion?: string }
  dryRun?: boolean
}

/** What a delete did: `deleted` is false when the object stays (finalizers, grace, namespaces). */
export interface DeleteResult {
  object: KubeObject
  deleted: boolean
}

const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public'])
const FINALIZER_OF_POLICY: Record<string, string | undefined> = {
  Orphan: 'orphan',
  Foreground: 'foregroundDeletion'
}
// Kinds whose DefaultGarbageCollectionPolicy is OrphanDependents (kube-apiserver's strategies).
const ORPHAN_BY_DEFAULT = new Set(['batch/v1/Job', 'v1/ReplicationController'])

/** Deletes one object (see the rules above). */
export async function deleteObject(
  ctx: RestContext,
  target: Target,
  opts: DeleteOptions
): Promise<DeleteResult> {
  const { entry } = target
  const name = target.name ?? ''
  for (let attempt = 1; ; attempt++) {
    const old = await ctx.storage.get(entry, target.namespace, name)
    checkPreconditions(target, old, opts)
    try {
      return await deleteOnce(ctx, target, old, opts)
    } catch (err) {
      const raced =
        err instanceof ApiError && err.reason === 'Conflict' && !opts.preconditions?.resourceVersion
      if (!raced || attempt >= 5) throw err
    }
  }
}

function checkPreconditions(target: Target, old: KubeObject, opts: DeleteOptions): void {
  const p = opts.preconditions
  const { entry } = target
  if (p?.uid && p.uid !== old.metadata.uid) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${entry.plural} "${target.name}": Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${old.metadata.uid}`
    )
  }
  if (p?.resourceVersion && p.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(entry.plural, entry.group, target.name ?? '')
  }
}

async function deleteOnce(
  ctx: RestContext,
  target: Target,
  old: KubeObject,
  opts: DeleteOptions
): Promise<DeleteResult> {
  const { entry } = target
  const now = ctx.now()
  const obj = structuredClone(old)
  const meta = writableMeta(obj)
  const expected = Number(old.metadata.resourceVersion)
  const keep = async (): Promise<DeleteResult> => {
    if (opts.dryRun || JSON.stringify(obj) === JSON.stringify(old))
      return { object: obj, deleted: false }
    return { object: await ctx.storage.update(entry, obj, expected), deleted: false }
  }

  if (entry.kind === 'Namespace') {
    if (UNDELETABLE_NAMESPACES.has(meta.name ?? '')) {
      throw new ApiError(
        403,
        'Forbidden',
        `namespaces "${meta.name}" is forbidden: this namespace may not be deleted`,
        {
          name: meta.name,
          kind: 'namespaces'
        }
      )
    }
    // Nothing left to finalize, or nothing in it to remove: the namespace goes now. (A namespace
    // with content waits, Terminating, for the namespace controller, which empties it and calls
    // `finalize`; an empty one it would finalize at once.)
    const nothingToDo =
      namespaceFinalizers(obj).length === 0 ||
      (!meta.deletionTimestamp && (await ctx.storage.namespaceIsEmpty(RESOURCES, meta.name ?? '')))
    if (nothingToDo && (meta.finalizers ?? []).length === 0) {
      if (opts.dryRun) return { object: obj, deleted: true }
      return { object: await ctx.storage.delete(entry, old, expected), deleted: true }
    }
    meta.deletionTimestamp ??= timestamp(now)
    meta.deletionGracePeriodSeconds ??= 0
    obj.status = { ...((obj.status as object) ?? {}), phase: 'Terminating' }
    return keep()
  }

  const policy =
    opts.propagationPolicy ?? defaultPolicy(entry.group, entry.version, entry.kind, meta)
  const finalizer = policy ? FINALIZER_OF_POLICY[policy] : undefined
  const finalizers = new Set(meta.finalizers ?? [])
  if (opts.propagationPolicy) {
    for (const f of Object.values(FINALIZER_OF_POLICY))
      if (f && f !== finalizer) finalizers.delete(f)
  }
  if (finalizer) finalizers.add(finalizer)
  if (finalizers.size > 0) meta.finalizers = [...finalizers]

  const grace = entry.kind === 'Pod' ? podGracePeriod(obj, opts) : 0
  if (grace > 0) {
    const until = new Date(now.getTime() + grace * 1000)
    const current = meta.deletionTimestamp ? Date.parse(meta.deletionTimestamp) : Infinity
    // A second delete may shorten the grace period, never lengthen it.
    if (until.getTime() < current) {
      meta.deletionTimestamp = timestamp(until)
      meta.deletionGracePeriodSeconds = grace
    }
    return keep()
  }
  if (finalizers.size > 0) {
    meta.deletionTimestamp ??= timestamp(now)
    meta.deletionGracePeriodSeconds = 0
    return keep()
  }
  if (opts.dryRun) return { object: obj, deleted: true }
  const gone = await ctx.storage.delete(entry, old, expected)
  ctx.writeHooks?.afterDelete(entry, old)
  return { object: gone, deleted: true }
}

// The policy of a delete that names none: a GC finalizer already present decides, then the kind.
function defaultPolicy(
  group: string,
  version: string,
  kind: string,
  meta: { finalizers?: string[] }
): DeleteOptions['propagationPolicy'] {
  const gcFinalizers = Object.values(FINALIZER_OF_POLICY)
  if (meta.finalizers?.some((f) => gcFinalizers.includes(f))) return undefined
  return ORPHAN_BY_DEFAULT.has(`${group ? `${group}/` : ''}${version}/${kind}`)
    ? 'Orphan'
    : undefined
}

function podGracePeriod(pod: KubeObject, opts: DeleteOptions): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number }
  const phase = (pod.status as { phase?: string } | undefined)?.phase
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0
  const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30
  return Math.max(0, grace)
}

/** Deletes every object matching the list options; answers the list of what was deleted. */
export async function deleteCollection(
  ctx: RestContext,
  target: Target,
  listOpts: ListOptions,
  opts: DeleteOptions
): Promise<{
  apiVersion: string
  kind: string
  metadata: Record<string, unknown>
  items: KubeObject[]
}> {
  const list = await listObjects(ctx, target, listOpts)
  const items: KubeObject[] = []
  for (const item of list.items) {
    try {
      const result = await deleteObject(
        ctx,
        { ...target, namespace: item.metadata.namespace, name: item.metadata.name },
        opts
      )
      items.push(result.object)
    } catch (err) {
      // Deleted meanwhile by someone else: that is what we wanted.
      if (!(err instanceof ApiError && err.code === 404)) throw err
    }
  }
  return { ...list, metadata: { resourceVersion: list.metadata.resourceVersion }, items }
}
