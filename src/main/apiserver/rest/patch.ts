/**
 * patch: JSON patch, merge patch, strategic merge patch and server-side apply, on an object or
 * its status subresource. The patched object goes through the same write path as an update.
 * Without a resourceVersion in the patch, a patch that loses a race is retried on the new state
 * (as kube-apiserver does); apply creates the object when it does not exist.
 */
import { ApiError, conflict, invalid, notFound } from '../api-errors'
import type { KubeObject } from '../types'
import {
  applyConfiguration,
  patchObject,
  patchSchemaOf,
  validateFieldManager
} from './collaborators'
import {
  timestamp,
  type RestContext,
  type Target,
  type WriteOptions,
  type WriteResult
} from './context'
import { createObject } from './create'
import { asObjectOf, checkUnknownFields } from './object-checks'
import { writeUpdate, type WriteScope } from './update'

/** The patch types, by their media types. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply'

/** Media type → patch type. */
export const PATCH_MEDIA_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply'
}

/** Options of a patch. */
export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take over conflicting fields. */
  force?: boolean
}

/**
 * Tries of an unpinned patch that keeps losing races. kube-apiserver's GuaranteedUpdate re-reads
 * and re-applies until the write lands; a bound (well above any real contention) keeps a
 * pathological loop from spinning for ever.
 */
const MAX_ATTEMPTS = 100

/** Patches an object (`scope` 'status' for the status subresource). */
export async function patchObjectAt(
  ctx: RestContext,
  target: Target,
  type: PatchType,
  patch: unknown,
  opts: PatchOptions,
  scope: WriteScope = 'main'
): Promise<WriteResult> {
  const { entry } = target
  const name = target.name ?? ''
  validateFieldManager(opts.fieldManager, { apply: type === 'apply' })
  if (type !== 'apply' && opts.force) {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [
      {
        reason: 'FieldValueForbidden',
        field: 'force',
        message: 'Forbidden: may not be specified for non-apply patch'
      }
    ])
  }
  const schema = patchSchemaOf(entry.group, entry.version, entry.kind)
  for (let attempt = 1; ; attempt++) {
    const old = await ctx.storage.find(entry, target.namespace, name)
    if (!old) {
      if (type !== 'apply' || scope !== 'main') throw notFound(entry.plural, entry.group, name)
      const applied = asObjectOf(entry, patch)
      applied.metadata = { ...applied.metadata, name }
      const created = applyConfiguration(undefined, applied, {
        manager: opts.fieldManager ?? '',
        force: !!opts.force,
        schema,
        now: timestamp(ctx.now())
      })
      return createObject(ctx, target, created, opts, true)
    }
    const patched = applyOne(ctx, target, type, old, patch, opts)
    const warnings = checkUnknownFields(entry, patched, opts)
    const wanted = patched.metadata?.resourceVersion
    if (wanted && wanted !== old.metadata.resourceVersion) {
      throw conflict(entry.plural, entry.group, name)
    }
    patched.metadata = { ...patched.metadata, resourceVersion: old.metadata.resourceVersion }
    try {
      const result = await writeUpdate(ctx, target, old, patched, opts, scope, type === 'apply')
      return { ...result, warnings: [...warnings, ...result.warnings] }
    } catch (err) {
      // A concurrent write moved the object on: patch the new state, unless the client pinned one.
      const raced = err instanceof ApiError && err.reason === 'Conflict' && !pinsVersion(patch)
      if (!raced || attempt >= MAX_ATTEMPTS) throw err
    }
  }
}

/**
 * Whether the patch itself names a resourceVersion (the patched object always has one: the
 * stored object's, so that cannot tell a pinned patch from one to retry).
 */
function pinsVersion(patch: unknown): boolean {
  if (Array.isArray(patch)) {
    return patch.some(
      (op) => (op as { path?: unknown } | null)?.path === '/metadata/resourceVersion'
    )
  }
  const meta = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata
  return typeof meta?.resourceVersion === 'string' && meta.resourceVersion !== ''
}

function applyOne(
  ctx: RestContext,
  target: Target,
  type: PatchType,
  old: KubeObject,
  patch: unknown,
  opts: PatchOptions
): KubeObject {
  const { entry } = target
  const schema = patchSchemaOf(entry.group, entry.version, entry.kind)
  if (type === 'apply') {
    const applied = asObjectOf(entry, patch)
    if (applied.metadata.name && applied.metadata.name !== target.name) {
      throw new ApiError(
        400,
        'BadRequest',
        `the name of the object (${applied.metadata.name}) does not match the name on the URL (${target.name})`
      )
    }
    return applyConfiguration(old, applied, {
      manager: opts.fieldManager ?? '',
      force: !!opts.force,
      schema,
      now: timestamp(ctx.now())
    })
  }
  const result = patchObject(type, old, patch, schema)
  if (!result || typeof result !== 'object' || Array.isArray(result)) {
    throw new ApiError(422, 'Invalid', 'the patch did not produce an object')
  }
  return asObjectOf(entry, result)
}
