/**
 * Field manager names: the one kube-apiserver gives a request that names none (from its user
 * agent), and the checks `?fieldManager=` must pass.
 */
import { invalid } from '../api-errors'
import type { FieldCause } from '../types'

/** Longest field manager name kube-apiserver accepts. */
export const FIELD_MANAGER_MAX_LENGTH = 128

/**
 * The field manager kube-apiserver uses when a request names none: the user agent up to its
 * first `/` (`kubectl/v1.32.0 (linux/amd64) …` → `kubectl`), non-printable characters dropped,
 * cut at 128 bytes; `fallback` when that leaves nothing. kubectl itself names most managers
 * (`kubectl-client-side-apply`, `kubectl-edit`, `kubectl-create`…) through `?fieldManager=`.
 */
export function defaultFieldManager(userAgent: string | undefined, fallback: string): string {
  let out = ''
  let bytes = 0
  for (const ch of (userAgent ?? '').split('/')[0]) {
    if (!PRINTABLE.test(ch)) continue
    const size = Buffer.byteLength(ch)
    if (bytes + size > FIELD_MANAGER_MAX_LENGTH) break
    out += ch
    bytes += size
  }
  return out || fallback
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/**
 * Checks `?fieldManager=` as kube-apiserver does (required for apply, at most 128 bytes,
 * printable) and throws its 422, e.g. `PatchOptions.meta.k8s.io "" is invalid: fieldManager:
 * Required value: is required for apply patch`. `options` names the request's options kind.
 */
export function validateFieldManager(
  fieldManager: string | undefined,
  opts: { apply: boolean; options?: 'PatchOptions' | 'CreateOptions' | 'UpdateOptions' }
): void {
  const value = fieldManager ?? ''
  const causes: FieldCause[] = []
  if (opts.apply && value === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: is required for apply patch',
      field: 'fieldManager'
    })
  }
  if (Buffer.byteLength(value) > FIELD_MANAGER_MAX_LENGTH) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
      field: 'fieldManager'
    })
  }
  let position = 0
  for (const ch of value) {
    if (!PRINTABLE.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(value)}: invalid character U+${code} (at position ${position})`,
        field: 'fieldManager'
      })
    }
    position += Buffer.byteLength(ch)
  }
  if (causes.length > 0) throw invalid(opts.options ?? 'PatchOptions', 'meta.k8s.io', '', causes)
}
