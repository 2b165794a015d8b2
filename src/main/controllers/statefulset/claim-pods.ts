/**
 * `getPodsForStatefulSet`: the pods a StatefulSet owns, as a `PodControllerRefManager` claims
 * them. An owned pod that still matches the selector and is named as a member stays; one that
 * does not is released. An orphan that matches and is named `<set>-<ordinal>` is adopted — after
 * a fresh read of the set shows it is still there and not being deleted.
 */
import type { ApiClient } from '../../apiserver/client'
import type { LabelSelector } from '../../apiserver/selectors/label-selector'
import type { ComponentLog } from '../../observe/component-log'
import { ControllerRefManager } from '../shared/controller-ref-manager'
import type { InformerStore } from '../shared/informer'
import { STATEFULSET_TYPE } from './stateful-set-status'
import { isMemberOf, type PodObj, type StatefulSetObj } from './stateful-set-utils'
import { POD_TYPE } from '../shared/pod-utils'

/** Claims the pods of `set` among those the cache holds in its namespace. */
export function claimPods(
  client: ApiClient,
  log: ComponentLog,
  pods: InformerStore<PodObj>,
  set: StatefulSetObj,
  selector: LabelSelector
): Promise<PodObj[]> {
  const manager = new ControllerRefManager<PodObj>({
    client,
    log,
    owner: set,
    ownerType: STATEFULSET_TYPE,
    objectType: POD_TYPE
  })
  return manager.claim(
    pods.byIndex('namespace', set.metadata.namespace ?? ''),
    (pod) => selector.matches(pod.metadata.labels) && isMemberOf(set, pod)
  )
}
