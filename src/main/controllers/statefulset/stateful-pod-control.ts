/**
 * The StatefulSet controller's writes to pods (kube-controller-manager's
 * `stateful_pod_control.go`): create, fix the identity of, and delete one pod, each recorded as
 * an event on the set with Kubernetes' wording — `SuccessfulCreate` "create Pod web-0 in
 * StatefulSet web successful", `FailedCreate` "create Pod web-0 in StatefulSet web failed
 * error: …", and the same for update and delete.
 */
import { ApiError } from '../../apiserver/api-errors'
import type { ApiClient } from '../../apiserver/client'
import type { EventRecorder } from '../../observe/event-recorder'
import {
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  parentAndOrdinal,
  type PodObj,
  type StatefulSetObj
} from './stateful-set-utils'
import { isNotFound, messageOf } from '../shared/api-errors'
import { POD_TYPE } from '../shared/pod-utils'

/** The pod type the controller writes. */

/** What the ordered update logic does to pods; a fake in tests, the API otherwise. */
export interface StatefulPodControl {
  create(set: StatefulSetObj, pod: PodObj): Promise<void>
  /** Sets the pod-name and pod-index labels of an existing pod. */
  updateIdentity(set: StatefulSetObj, pod: PodObj): Promise<void>
  delete(set: StatefulSetObj, pod: PodObj): Promise<void>
}

/** A pod control writing through `client` and recording events with `recorder`. */
export function createStatefulPodControl(
  client: ApiClient,
  recorder: EventRecorder
): StatefulPodControl {
  // `recordPodEvent`: Successful<Verb> on success, Failed<Verb> with the error otherwise.
  const record = (verb: string, set: StatefulSetObj, pod: PodObj, err?: unknown): void => {
    const title = verb[0].toUpperCase() + verb.slice(1)
    const what = `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name}`
    if (err === undefined) recorder.event(set, 'Normal', `Successful${title}`, `${what} successful`)
    else recorder.event(set, 'Warning', `Failed${title}`, `${what} failed error: ${messageOf(err)}`)
  }
  return {
    async create(set, pod) {
      try {
        await client.create(pod)
      } catch (err) {
        // A stale cache makes this routine: the pod is there, the next sync sees it.
        if (err instanceof ApiError && err.reason === 'AlreadyExists') throw err
        record('create', set, pod, err)
        throw err
      }
      record('create', set, pod)
    },
    async updateIdentity(set, pod) {
      const { ordinal } = parentAndOrdinal(pod)
      try {
        await client.patch(POD_TYPE, pod.metadata.namespace, pod.metadata.name!, 'merge', {
          metadata: {
            labels: { [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) },
            resourceVersion: pod.metadata.resourceVersion
          }
        })
      } catch (err) {
        record('update', set, pod, err)
        throw err
      }
      record('update', set, pod)
    },
    async delete(set, pod) {
      try {
        // The uid precondition keeps a stale cache from deleting a pod's replacement.
        await client.delete(POD_TYPE, pod.metadata.namespace, pod.metadata.name!, {
          preconditions: { uid: pod.metadata.uid }
        })
      } catch (err) {
        if (isNotFound(err)) return
        record('delete', set, pod, err)
        throw err
      }
      record('delete', set, pod)
    }
  }
}
