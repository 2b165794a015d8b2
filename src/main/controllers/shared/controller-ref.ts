/**
 * Owner references as controllers use them (apimachinery's `metav1.GetControllerOf`,
 * `NewControllerRef`): the one reference with `controller: true` names the object's managing
 * controller; `blockOwnerDeletion` makes foreground deletion of the owner wait for it.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1'
import {
  labelSelectorFromObject,
  type LabelSelector
} from '../../apiserver/selectors/label-selector'
import type { KubeObject } from '../../apiserver/types'

/** The controlling owner reference of `obj`, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true)
}

/**
 * The reference a controller puts on what it creates or adopts; `type` (the controller's kind,
 * as Kubernetes' `controllerKind`) defaults to the owner's own apiVersion and kind.
 */
export function newControllerRef(
  owner: KubeObject,
  type: { apiVersion: string; kind: string } = owner
): OwnerReference {
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
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

/** The pod informer index from a controller's uid to the objects it controls. */
export const CONTROLLER_UID_INDEX = 'controllerUid'

/** Index function of CONTROLLER_UID_INDEX: the controlling owner's uid, if any. */
export function controllerUidOf(obj: KubeObject): string[] {
  const ref = getControllerOf(obj)
  return ref ? [ref.uid] : []
}

/** The label selector of a workload's `spec.selector`; undefined when it does not parse. */
export function specSelector(obj: { spec?: { selector?: unknown } }): LabelSelector | undefined {
  try {
    return labelSelectorFromObject(obj.spec?.selector as never)
  } catch {
    return undefined
  }
}
