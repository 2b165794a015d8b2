/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge key by key, `null`
 * deletes a key, anything else (lists included) replaces the value. This is what
 * `kubectl patch --type merge` sends and what custom resources use instead of strategic merge.
 */
import { badRequest } from '../api-errors'
import { cloneJson, isForbiddenKey, isObject, own, type JsonObject } from './json-value'

/**
 * Applies a merge patch to a JSON object and returns the merged copy; neither argument is
 * modified. A patch that is not a JSON object is 400, as kube-apiserver answers a merge patch it
 * cannot use on an object (evanphx/json-patch's `ErrBadJSONPatch`).
 */
export function applyMergePatch(document: JsonObject, patch: unknown): JsonObject {
  if (!isObject(patch)) throw badRequest('Invalid JSON Patch')
  return mergeInto(cloneJson(document), patch)
}

/** Merges `patch` into `result`, which the caller owns (a private copy). */
function mergeInto(result: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    if (isForbiddenKey(key)) continue
    if (value === null) {
      delete result[key]
    } else if (isObject(value)) {
      const current = own(result, key)
      // A new object in a patch is itself a merge patch onto nothing: its nulls are dropped.
      result[key] = mergeInto(isObject(current) ? current : {}, value)
    } else {
      result[key] = cloneJson(value)
    }
  }
  return result
}
