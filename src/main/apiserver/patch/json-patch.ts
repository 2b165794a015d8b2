/**
 * JSON patch (RFC 6902, `application/json-patch+json`) as kube-apiserver applies it
 * (k8s.io/apiserver `handlers/patch.go` with evanphx/json-patch): a patch that is not a list of
 * operation objects is 400 BadRequest; more than 10,000 operations is 413; any operation that
 * cannot be applied (a failed `test`, a missing path, an unknown `op`) is 422 Invalid with the
 * generic message kube-apiserver gives, and nothing of the patch is applied.
 */
import { applyPatch as applyOperations, JsonPatchError, type Operation } from 'fast-json-patch'
import { ApiError, badRequest } from '../api-errors'
import { cloneJson, isObject, jsonTypeName, patchNotApplicable } from './json-value'

/** kube-apiserver's `maxJSONPatchOperations`. */
export const MAX_JSON_PATCH_OPERATIONS = 10000

/** The operations RFC 6902 defines; fast-json-patch also knows a private `_get`, refused here. */
const OPERATIONS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test'])

/**
 * Applies a JSON patch to a document and returns the patched copy; `document` and `patch` are
 * left untouched. Throws ApiError (400, 413 or 422).
 */
export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  const operations = decodeOperations(patch)
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`
    )
  }
  operations.forEach((operation, index) => checkOperation(operation, index))
  try {
    // Validation on: an operation on a missing path fails instead of creating it; the whole
    // patch runs on a private copy, so a failure half-way leaves nothing applied.
    return applyOperations(cloneJson(document), cloneJson(operations), true, true, true).newDocument
  } catch (err) {
    if (err instanceof JsonPatchError || err instanceof TypeError) {
      throw patchNotApplicable(`${err.message}${operationNote(err)}`)
    }
    throw err
  }
}

function operationNote(err: unknown): string {
  if (!(err instanceof JsonPatchError)) return ''
  const op = err.operation as { op?: unknown; path?: unknown } | undefined
  return ` (operation ${err.index ?? '?'}: ${String(op?.op)} ${String(op?.path)})`
}

/**
 * The structural check evanphx/json-patch's DecodePatch does: a JSON list of objects. Its
 * failures are 400 with Go's decoding message, as kubectl shows them.
 */
function decodeOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type jsonpatch.Patch`
    )
  }
  for (const operation of patch) {
    if (!isObject(operation)) {
      throw badRequest(
        `json: cannot unmarshal ${jsonTypeName(operation)} into Go value of type jsonpatch.Operation`
      )
    }
  }
  return patch as Operation[]
}

/** Checks what fast-json-patch would accept but evanphx/json-patch refuses at apply time. */
function checkOperation(operation: Operation, index: number): void {
  const { op, path } = operation as { op?: unknown; path?: unknown }
  if (typeof op !== 'string' || !OPERATIONS.has(op)) {
    throw patchNotApplicable(`Unexpected kind: ${String(op)} (operation ${index})`)
  }
  if (typeof path !== 'string') {
    throw patchNotApplicable(`operation ${index} (${op}) has no string "path"`)
  }
  if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in operation)) {
    throw patchNotApplicable(`operation ${index} (${op}) has no "value"`)
  }
}
