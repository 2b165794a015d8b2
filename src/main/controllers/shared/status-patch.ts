/**
 * Status writes of controllers: a merge patch of the `status` subresource, and the counts of a
 * workload's status as such a patch carries them (omitempty zeros removed).
 */
import type { ApiClient, ResourceType } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'

/** Merges `status` into `obj`'s status subresource (`UpdateStatus` as a merge patch). */
export function patchStatus<T extends KubeObject = KubeObject>(
  client: ApiClient,
  type: ResourceType,
  obj: KubeObject,
  status: Record<string, unknown>
): Promise<T> {
  return client.patch<T>(
    type,
    obj.metadata.namespace,
    obj.metadata.name!,
    'merge',
    { status },
    { subresource: 'status' }
  )
}

/**
 * The `fields` of `want` for a status merge patch: a zero (or empty) value becomes null, which
 * removes the field, as kube-apiserver's JSON leaves omitempty fields out; `always` names the
 * fields Kubernetes serializes even when zero.
 */
export function omitEmptyFields(
  want: object,
  fields: readonly string[],
  always: Iterable<string> = []
): Record<string, unknown> {
  const keep = new Set(always)
  const values = want as Record<string, unknown>
  const patch: Record<string, unknown> = {}
  for (const f of fields) patch[f] = keep.has(f) || values[f] ? values[f] : null
  return patch
}
