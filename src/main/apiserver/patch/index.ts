/**
 * The PATCH verb's patch types, as pure functions over objects: JSON patch, JSON merge patch and
 * strategic merge patch. Server-side apply lives in `server-side-apply.ts`. No HTTP, no store:
 * the handler decodes the body, fetches the object, calls `applyPatch`, then admits and stores
 * the result like an update.
 */
import { ApiError, badRequest } from '../api-errors'
import type { KubeObject } from '../types'
import { applyJsonPatch } from './json-patch'
import { isObject, patchNotApplicable } from './json-value'
import { applyMergePatch } from './merge-patch'
import type { PatchSchema } from './patch-schema'
import { applyStrategicMergePatch } from './strategic-merge-patch'

export type { PatchSchema, PatchSchemaSpec } from './patch-schema'
export { schemaFromSpec } from './patch-schema'
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch'
export { applyMergePatch } from './merge-patch'
export { applyStrategicMergePatch, StrategicMergeErrors } from './strategic-merge-patch'
export { PATCH_NOT_APPLICABLE } from './json-value'

/** The patch types this module applies. */
export type PatchType = 'json' | 'merge' | 'strategic'

/** Content types of PATCH bodies, as kube-apiserver accepts them. */
export const PatchContentTypes = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml'
} as const

/**
 * The patch type of a PATCH request's Content-Type (parameters such as `charset` ignored), or
 * undefined for a type kube-apiserver does not accept.
 */
export function patchTypeOf(contentType: string | undefined): PatchType | 'apply' | undefined {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase()
  for (const [type, value] of Object.entries(PatchContentTypes)) {
    if (value === mediaType) return type as PatchType | 'apply'
  }
  return undefined
}

/**
 * 415 for a PATCH whose Content-Type is not a patch type, worded as kube-apiserver words it.
 * `strategic` says whether the resource accepts strategic merge patch (built-in kinds do).
 */
export function unsupportedPatchType(strategic = true): ApiError {
  const accepted = [
    PatchContentTypes.json,
    PatchContentTypes.merge,
    ...(strategic ? [PatchContentTypes.strategic] : []),
    PatchContentTypes.apply
  ]
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`
  )
}

/**
 * Applies a patch of `type` to `original` and returns the patched object. `original` and
 * `patch` (the decoded body) are never modified. `schema` (for strategic merge patch) gives the
 * merge keys of the kind; without it lists are replaced (merge patch plus directives).
 * Failures are ApiError: 400 for a malformed patch, 413 for a JSON patch of too many operations,
 * 422 for a patch that does not apply (a failed `test`, a missing path) or whose result is not
 * an object.
 */
export function applyPatch(
  type: PatchType,
  original: KubeObject,
  patch: unknown,
  schema?: PatchSchema
): KubeObject {
  let patched: unknown
  switch (type) {
    case 'json':
      patched = applyJsonPatch(original, patch)
      break
    case 'merge':
      patched = applyMergePatch(original, patch)
      break
    case 'strategic':
      patched = applyStrategicMergePatch(original, patch, schema)
      break
    default:
      throw badRequest(`unknown patch type: ${String(type)}`)
  }
  return asObject(patched)
}

/**
 * The patched document as an object the handlers can read: a JSON object whose `metadata` is an
 * object (an empty one when the patch removed it, so the name checks that follow report it).
 * Kubernetes decodes the result into the typed object; a result that cannot be one is 422.
 */
function asObject(patched: unknown): KubeObject {
  if (!isObject(patched)) {
    throw patchNotApplicable(`the patched document is not a JSON object`)
  }
  const metadata = patched.metadata
  if (metadata === undefined || metadata === null) {
    patched.metadata = {}
  } else if (!isObject(metadata)) {
    throw patchNotApplicable(`the patched metadata is not a JSON object`)
  }
  return patched as KubeObject
}
