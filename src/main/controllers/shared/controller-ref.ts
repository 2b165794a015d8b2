/**
 * Owner references as controllers use them (apimachinery's `metav1.GetControllerOf`,
 * `NewControllerRef`): the one reference with `controller: true` names the object's managing
 * controller; `blockOwnerDeletion` makes foreground deletion of the owner wait for it.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1'
import type { KubeObject } from '../../apiserver/types'

/** The controlling owner reference of `obj`, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true)
}

/** The reference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true
  }
}

/** Whether `obj` is controlled by `owner` (same uid). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(obj)
  return !!ref && ref.uid === owner.metadata?.uid
}
