/**
 * StatefulSet identity and naming (kube-controller-manager's `stateful_set_utils.go`): pods are
 * named `<set>-<ordinal>`, carry the pod-name, pod-index and revision labels, and get the set's
 * governing service as their DNS subdomain. Also the pod predicates the ordered logic waits on.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1'
import type { Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'
import { newControllerRef } from '../shared/controller-ref'
import { isPodAvailable, isPodReady } from '../shared/pod-utils'

/** A StatefulSet as the cache holds it. */
export type StatefulSetObj = StatefulSet & KubeObject
/** A pod as the cache holds it. */
export type PodObj = Pod & KubeObject

/** The label naming the pod itself (`apps.StatefulSetPodNameLabel`). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name'
/** The label holding the pod's ordinal (`apps.PodIndexLabel`). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index'
/** The label holding the revision a pod was made from (`apps.ControllerRevisionHashLabelKey`). */
export const REVISION_LABEL = 'controller-revision-hash'

const ORDINAL_NAME = /^(.*)-([0-9]+)$/

/** The parent set's name and the ordinal of `pod`; ordinal -1 when the name has none. */
export function parentAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = ORDINAL_NAME.exec(pod.metadata?.name ?? '')
  if (!m) return { parent: '', ordinal: -1 }
  const ordinal = Number(m[2])
  return Number.isSafeInteger(ordinal) ? { parent: m[1], ordinal } : { parent: '', ordinal: -1 }
}

/** The ordinal of `pod`, -1 when its name has none (`getOrdinal`). */
export function getOrdinal(pod: Pod): number {
  return parentAndOrdinal(pod).ordinal
}

/** Whether `pod` is named as a member of `set` (`isMemberOf`). */
export function isMemberOf(set: StatefulSetObj, pod: Pod): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name
}

/** The first ordinal of the set (`spec.ordinals.start`, default 0). */
export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0
}

/** `spec.replicas`, default 1. */
export function specReplicas(set: StatefulSet): number {
  return set.spec?.replicas ?? 1
}

/** The name of the pod with `ordinal` (`getPodName`). */
export function podName(set: StatefulSetObj, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`
}

/** The revision label of `pod` ('' when absent). */
export function podRevision(pod: Pod): string {
  return pod.metadata?.labels?.[REVISION_LABEL] ?? ''
}

/** Whether `pod` has the name, namespace and pod-name label its ordinal requires. */
export function identityMatches(set: StatefulSetObj, pod: PodObj): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod)
  const labels = pod.metadata.labels ?? {}
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.namespace === set.metadata.namespace &&
    labels[POD_NAME_LABEL] === pod.metadata.name &&
    labels[POD_INDEX_LABEL] === String(ordinal)
  )
}

/** Being deleted (graceful termination in progress). */
export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp
}

/** Phase Failed. */
export function isFailed(pod: Pod): boolean {
  return pod.status?.phase === 'Failed'
}

/** Phase Succeeded (a pod whose containers all exited 0 under restartPolicy Never/OnFailure). */
export function isSucceeded(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded'
}

/** Phase Running with the Ready condition True (`isRunningAndReady`). */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod)
}

/** Running and Ready for `spec.minReadySeconds` (`isRunningAndAvailable`). */
export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now)
}

/** Running, Ready and not terminating (`isHealthy`). */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod)
}

/**
 * The volumes standing in for `spec.volumeClaimTemplates`. KubeDesk serves no
 * PersistentVolumeClaims, so each claim becomes an emptyDir of the same name: the containers'
 * mounts still resolve, but the data lives only as long as the pod.
 */
export function claimVolumes(set: StatefulSet): Volume[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((claim) => ({
    name: claim.metadata?.name ?? '',
    emptyDir: {}
  }))
}

/**
 * The pod with `ordinal` made from `template` at `revision` (`newVersionedStatefulSetPod`):
 * named `<set>-<ordinal>`, labelled with its identity and revision, hostname = its name,
 * subdomain = `spec.serviceName`, controlled by `set`.
 */
export function newStatefulSetPod(
  set: StatefulSetObj,
  template: PodTemplateSpec | undefined,
  revision: string,
  ordinal: number
): PodObj {
  const t = structuredClone(template ?? {})
  const name = podName(set, ordinal)
  // The in-process client takes objects as they are: absent fields stay absent, not undefined.
  const metadata: PodObj['metadata'] = {
    name,
    namespace: set.metadata.namespace,
    labels: {
      ...t.metadata?.labels,
      [POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ordinal),
      [REVISION_LABEL]: revision
    },
    ownerReferences: [newControllerRef(set)]
  }
  if (t.metadata?.annotations) metadata.annotations = t.metadata.annotations
  if (t.metadata?.finalizers) metadata.finalizers = t.metadata.finalizers
  const spec = t.spec ?? { containers: [] }
  spec.hostname = name
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName
  const claims = claimVolumes(set)
  if (claims.length > 0) {
    // A claim replaces a template volume of the same name, as Kubernetes' updateStorage does.
    const names = new Set(claims.map((v) => v.name))
    spec.volumes = [...(spec.volumes ?? []).filter((v) => !names.has(v.name)), ...claims]
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec }
}
