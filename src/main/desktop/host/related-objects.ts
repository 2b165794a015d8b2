/**
 * The objects related to one object, for the Workloads detail panel: its owners
 * (ownerReferences), what it owns (a Deployment's ReplicaSets, the Pods of a ReplicaSet, Job,
 * StatefulSet or DaemonSet, a CronJob's Jobs), the Pods a Service or workload selects, and the
 * Services selecting a Pod.
 */
import type { ApiClient, ResourceType } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import { labelSelectorFromObject } from '../../apiserver/selectors/label-selector'
import type { ObjectRef, ResourceDetail } from '../../../shared/desktop-api'
import { POD_TYPE, SERVICE_TYPE } from './resource-types'

type Related = ResourceDetail['related'][number]

/** The kind each kind owns (its controller creates them). */
const OWNED: Record<string, ResourceType> = {
  Deployment: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  ReplicaSet: POD_TYPE,
  StatefulSet: POD_TYPE,
  DaemonSet: POD_TYPE,
  Job: POD_TYPE,
  CronJob: { apiVersion: 'batch/v1', kind: 'Job' }
}

/** Kinds whose `spec.selector` is a metav1.LabelSelector over pods. */
const SELECTING_WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'])

const refOf = (kind: string, obj: KubeObject, relation: Related['relation']): Related => ({
  kind,
  ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  name: obj.metadata.name ?? '',
  relation
})

/** A Service's selector matches a pod's labels (an empty or absent selector selects none). */
function serviceSelects(service: KubeObject, pod: KubeObject): boolean {
  const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector
  if (!selector || Object.keys(selector).length === 0) return false
  const labels = pod.metadata.labels ?? {}
  return Object.entries(selector).every(([k, v]) => labels[k] === v)
}

/** Everything related to `obj` (which was read as `ref`). */
export async function relatedObjects(
  client: ApiClient,
  ref: ObjectRef,
  obj: KubeObject
): Promise<Related[]> {
  const namespace = obj.metadata.namespace
  const related: Related[] = []
  for (const owner of obj.metadata.ownerReferences ?? []) {
    related.push({
      kind: owner.kind,
      ...(namespace ? { namespace } : {}),
      name: owner.name,
      relation: 'owner'
    })
  }
  const ownedType = OWNED[ref.kind]
  if (ownedType && namespace) {
    const uid = obj.metadata.uid
    const list = await client.list(ownedType, { namespace })
    for (const child of list.items) {
      if (child.metadata.ownerReferences?.some((r) => r.uid === uid)) {
        related.push(refOf(ownedType.kind, child, 'owned'))
      }
    }
  }
  if (namespace && (ref.kind === 'Service' || SELECTING_WORKLOADS.has(ref.kind))) {
    const pods = await client.list(POD_TYPE, { namespace })
    const spec = obj.spec as { selector?: Parameters<typeof labelSelectorFromObject>[0] }
    const selector = ref.kind === 'Service' ? undefined : labelSelectorFromObject(spec?.selector)
    const selects = (pod: KubeObject): boolean =>
      selector ? selector.matches(pod.metadata.labels) : serviceSelects(obj, pod)
    const seen = new Set(related.map((r) => `${r.kind}/${r.name}`))
    for (const pod of pods.items) {
      if (!selects(pod) || seen.has(`Pod/${pod.metadata.name}`)) continue
      related.push(refOf('Pod', pod, 'selects'))
    }
  }
  if (namespace && ref.kind === 'Pod') {
    const services = await client.list(SERVICE_TYPE, { namespace })
    for (const service of services.items) {
      if (serviceSelects(service, obj)) related.push(refOf('Service', service, 'selected'))
    }
  }
  return related
}
