/**
 * `ClaimPods` for the ReplicaSet controller (`PodControllerRefManager`): the pods a ReplicaSet
 * (or ReplicationController) controls and still selects, plus matching orphans it adopts; owned
 * pods that stopped matching are released.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../../apiserver/client'
import type { LabelSelector } from '../../apiserver/selectors/label-selector'
import type { KubeObject } from '../../apiserver/types'
import type { ComponentLog } from '../../observe/component-log'
import { ControllerRefManager } from '../shared/controller-ref-manager'
import type { InformerStore } from '../shared/informer'
import { POD_TYPE } from '../shared/pod-utils'
import type { ReplicaSetKind, ReplicatedObj } from './replica-set-kind'

type PodObj = Pod & KubeObject

/** What claiming needs. */
export interface ClaimContext {
  client: ApiClient
  log: ComponentLog
  kind: ReplicaSetKind
  pods: InformerStore<PodObj>
}

/** The pods `owner` controls after adopting matching orphans and releasing non-matching ones. */
export function claimPods(
  ctx: ClaimContext,
  owner: ReplicatedObj,
  selector: LabelSelector
): Promise<PodObj[]> {
  const manager = new ControllerRefManager<PodObj>({
    client: ctx.client,
    log: ctx.log,
    owner,
    ownerType: ctx.kind.type,
    objectType: POD_TYPE
  })
  const pods = ctx.pods.byIndex('namespace', owner.metadata.namespace ?? '')
  return manager.claim(pods, (pod) => selector.matches(pod.metadata.labels))
}
