/**
 * update (PUT) of an object or of its status subresource, and the write path patch shares.
 *
 * - Optimistic concurrency: a body's `resourceVersion` must equal the stored one (409 Conflict);
 *   without one the update is unconditional.
 * - Identity (uid, creationTimestamp, deletionTimestamp …) is kept from the stored object.
 * - Kinds with a status subresource: the main resource ignores status changes, the status
 *   subresource changes only status. `generation` grows when anything else but metadata changes.
 * - An update that removes the last finalizer of an object being deleted deletes it.
 * - Writing an unchanged object stores nothing and answers the stored one (no new revision).
 */
import { conflict, badRequest } from '../api-errors'
import type { KubeObject } from '../types'
import { hasSubresource } from '../registry'
import { encodeObject } from '../storage/object-storage'
import { patchSchemaOf, recordWrite, validateFieldManager } from './collaborators'
import {
  managerOf,
  parseResourceVersion,
  timestamp,
  writableMeta,
  type RestContext,
  type Target,
  type WriteOptions,
  type WriteResult
} from './context'
import {
  admitAndValidate,
  alignNamespace,
  asObjectOf,
  checkUnknownFields,
  specOf
} from './object-checks'

/**
 * Which part of the object a write may change: everything but status, only status, or (for
 * namespaces, the `finalize` subresource the namespace controller uses) only spec.finalizers.
 */
export type WriteScope = 'main' | 'status' | 'finalize'

/** Replaces an object (PUT) from a client's body. */
export async function updateObject(
  ctx: RestContext,
  target: Target,
  body: unknown,
  opts: WriteOptions,
  scope: WriteScope = 'main'
): Promise<WriteResult> {
  const { entry } = target
  validateFieldManager(opts.fieldManager, { apply: false, options: 'UpdateOptions' })
  const obj = asObjectOf(entry, body)
  const name = target.name ?? ''
  if (obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`
    )
  }
  obj.metadata.name = name
  alignNamespace(target, obj)
  const warnings = checkUnknownFields(entry, obj, opts)
  const old = await ctx.storage.get(entry, target.namespace, name)
  const expected = obj.metadata.resourceVersion
    ? parseResourceVersion(obj.metadata.resourceVersion)
    : Number(old.metadata.resourceVersion)
  if (expected !== Number(old.metadata.resourceVersion))
    throw conflict(entry.plural, entry.group, name)
  const result = await writeUpdate(ctx, target, old, obj, opts, scope)
  return { ...result, warnings: [...warnings, ...result.warnings] }
}

/**
 * Stores `updated` in place of `old` (read at `old.metadata.resourceVersion`), applying the rules
 * above. Patch and the subresources call this with the object they built.
 */
export async function writeUpdate(
  ctx: RestContext,
  target: Target,
  old: KubeObject,
  updated: KubeObject,
  opts: WriteOptions,
  scope: WriteScope,
  managedAlready = false
): Promise<WriteResult> {
  const { entry } = target
  let obj: KubeObject = structuredClone(updated)
  const om = old.metadata
  if (obj.metadata.uid && obj.metadata.uid !== om.uid) {
    throw conflict(entry.plural, entry.group, om.name ?? '')
  }
  if (scope === 'status') {
    // Only status changes; everything else stays as stored (metadata included).
    obj = { ...structuredClone(old), status: obj.status }
  } else if (scope === 'finalize') {
    const finalizers = namespaceFinalizers(obj)
    obj = structuredClone(old)
    obj.spec = { ...((obj.spec as object) ?? {}), finalizers }
  } else if (hasSubresource(entry, 'status')) {
    if (old.status === undefined) delete obj.status
    else obj.status = structuredClone(old.status)
    // spec.finalizers of a namespace change only through `finalize`, as in kube-apiserver.
    if (entry.kind === 'Namespace') {
      obj.spec = { ...((obj.spec as object) ?? {}), finalizers: namespaceFinalizers(old) }
    }
  }
  obj.metadata = {
    ...obj.metadata,
    name: om.name,
    namespace: om.namespace,
    uid: om.uid,
    creationTimestamp: om.creationTimestamp,
    resourceVersion: om.resourceVersion
  }
  if (entry.namespaced) obj.metadata.namespace = om.namespace
  else delete obj.metadata.namespace
  for (const key of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
    if (om[key] === undefined) delete obj.metadata[key]
    else (obj.metadata as Record<string, unknown>)[key] = om[key]
  }
  if (entry.tracksGeneration && specOf(obj) !== specOf(old)) {
    writableMeta(obj).generation = (om.generation ?? 0) + 1
  }
  admitAndValidate(entry, 'UPDATE', obj, old, scope === 'status')
  const now = timestamp(ctx.now())
  if (!managedAlready) {
    obj = recordWrite(old, obj, {
      manager: managerOf(opts),
      operation: 'Update',
      ...(scope !== 'main' ? { subresource: scope } : {}),
      schema: patchSchemaOf(entry.group, entry.version, entry.kind),
      now
    })
  }
  const txn =
    scope === 'main' ? ctx.writeHooks?.beginUpdate(entry, obj, old, !!opts.dryRun) : undefined
  try {
    const result = await storeUpdate(ctx, entry, old, obj, opts)
    txn?.commit()
    return result
  } catch (err) {
    txn?.revert()
    throw err
  }
}

async function storeUpdate(
  ctx: RestContext,
  entry: Target['entry'],
  old: KubeObject,
  obj: KubeObject,
  opts: WriteOptions
): Promise<WriteResult> {
  const om = old.metadata
  if (encodeObject(obj) === encodeObject(old)) return { object: old, code: 200, warnings: [] }

  const expected = Number(om.resourceVersion)
  const m = obj.metadata
  // kube-apiserver's shouldDeleteDuringUpdate: the last finalizer of an object whose deletion
  // waits for nothing else is gone (a namespace also waits for spec.finalizers).
  const finished =
    m.deletionTimestamp !== undefined &&
    (m.finalizers ?? []).length === 0 &&
    om.deletionGracePeriodSeconds === 0 &&
    (entry.kind !== 'Namespace' || namespaceFinalizers(obj).length === 0)
  if (opts.dryRun) return { object: obj, code: 200, warnings: [] }
  if (finished) {
    const gone = await ctx.storage.delete(entry, obj, expected)
    ctx.writeHooks?.afterDelete(entry, obj)
    return {
      object: {
        ...obj,
        metadata: { ...obj.metadata, resourceVersion: gone.metadata.resourceVersion }
      },
      code: 200,
      warnings: []
    }
  }
  const stored = await ctx.storage.update(entry, obj, expected)
  return { object: stored, code: 200, warnings: [] }
}

/** A namespace's spec.finalizers (what the namespace controller must finish before removal). */
export function namespaceFinalizers(ns: KubeObject): string[] {
  return ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).slice()
}
