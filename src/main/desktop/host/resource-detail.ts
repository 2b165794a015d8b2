/**
 * `getResource`: everything the Workloads detail panel shows about one object — the object as
 * the API answers it (managedFields left out), the same as YAML, its conditions, its Events
 * (oldest first) and related objects. A missing object rejects with "Deployment default/web not
 * found".
 */
import { stringify } from 'yaml'
import { ApiError } from '../../apiserver/api-errors'
import type { ApiClient } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import type { ConditionRow, ObjectRef, ResourceDetail } from '../../../shared/desktop-api'
import { byLastTime, isAbout, toEventRow } from './events'
import { clientOf, type HostContext } from './host-context'
import { relatedObjects } from './related-objects'
import { EVENT_TYPE, resolveKind } from './resource-types'

/** "Deployment default/web", "Node kubedesk-worker". */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`
}

/** The object without `metadata.managedFields` (a copy; the client's object is shared). */
function withoutManagedFields(obj: KubeObject): Record<string, unknown> {
  const metadata = { ...obj.metadata }
  delete metadata.managedFields
  return { ...obj, metadata }
}

/** `status.conditions` as rows. */
function conditionsOf(obj: KubeObject): ConditionRow[] {
  const conditions = (obj.status as { conditions?: unknown } | undefined)?.conditions
  if (!Array.isArray(conditions)) return []
  return conditions.map((c: Record<string, unknown>) => {
    const row: ConditionRow = { type: String(c.type ?? ''), status: String(c.status ?? '') }
    if (typeof c.reason === 'string') row.reason = c.reason
    if (typeof c.message === 'string') row.message = c.message
    const time = c.lastTransitionTime ?? c.lastUpdateTime ?? c.lastProbeTime
    if (typeof time === 'string') row.lastTransitionTime = time
    return row
  })
}

/** The object's Events: by involvedObject kind and name, the same uid when the event has one. */
async function eventsOf(client: ApiClient, ref: ObjectRef, obj: KubeObject) {
  const list = await client.list(EVENT_TYPE, {
    namespace: ref.namespace,
    fieldSelector: `involvedObject.kind=${ref.kind},involvedObject.name=${ref.name}`
  })
  const uid = obj.metadata.uid
  return list.items
    .filter((e) => {
      const involvedUid = (e.involvedObject as { uid?: string } | undefined)?.uid
      return !involvedUid || !uid || involvedUid === uid
    })
    .map(toEventRow)
    .filter((row) => isAbout(row, { ...ref, namespace: obj.metadata.namespace }))
    .sort(byLastTime)
}

/** `getResource({ ref })`. */
export async function getResource(ctx: HostContext, ref: ObjectRef): Promise<ResourceDetail> {
  if (!ref || typeof ref.kind !== 'string' || typeof ref.name !== 'string' || !ref.name) {
    throw new Error('getResource needs a ref with a kind and a name')
  }
  const client = clientOf(ctx)
  const kind = resolveKind(ref.kind, client.resources)
  if (kind.namespaced && !ref.namespace) {
    throw new Error(`${ref.kind} ${ref.name}: a namespace is needed (${ref.kind} is namespaced)`)
  }
  const at: ObjectRef = kind.namespaced ? ref : { kind: ref.kind, name: ref.name }
  let obj: KubeObject
  try {
    obj = await client.get(kind.type, at.namespace, at.name)
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw new Error(`${describeRef(at)} not found`)
    throw err
  }
  const object = withoutManagedFields(obj)
  const [events, related] = await Promise.all([
    eventsOf(client, at, obj),
    relatedObjects(client, at, obj)
  ])
  return {
    ref: at,
    object,
    yaml: stringify(object),
    conditions: conditionsOf(obj),
    events,
    related
  }
}
