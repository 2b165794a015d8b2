/**
 * What the Workloads view knows about each kind it lists: whether it is namespaced and which
 * actions apply (scale where the kind has a scale subresource, rollout restart where the
 * controller rolls pods, rollout undo for Deployments).
 */
import { WORKLOAD_KINDS, type ObjectRef, type WorkloadKind } from '../../../../shared/desktop-api'

const SCALABLE = new Set<string>(['Deployment', 'ReplicaSet', 'StatefulSet'])
const RESTARTABLE = new Set<string>(['Deployment', 'StatefulSet', 'DaemonSet'])
const ROLLBACKABLE = new Set<string>(['Deployment'])

/** Whether `kind` is one the view lists. */
export function isWorkloadKind(kind: string | undefined): kind is WorkloadKind {
  return WORKLOAD_KINDS.some((k) => k.kind === kind)
}

/** Whether objects of `kind` live in a namespace (unknown kinds are assumed to). */
export function isNamespaced(kind: string): boolean {
  return WORKLOAD_KINDS.find((k) => k.kind === kind)?.namespaced ?? true
}

export const canScale = (kind: string): boolean => SCALABLE.has(kind)
export const canRestart = (kind: string): boolean => RESTARTABLE.has(kind)
export const canRollback = (kind: string): boolean => ROLLBACKABLE.has(kind)

/** "Deployment default/web", "Namespace kube-system": how an object is named in messages. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`
}

/** Whether two refs name the same object. */
export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '')
}
