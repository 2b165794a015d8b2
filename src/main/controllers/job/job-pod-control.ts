/**
 * What the Job controller does to pods besides creating them: deleting (with or without the
 * tracking finalizer) and claiming — adopting matching orphans, releasing pods that stopped
 * matching (`getPodsForJob`, `deleteJobPods`, `deleteActivePods`).
 */
import { getControllerOf, specSelector, CONTROLLER_UID_INDEX } from '../shared/controller-ref'
import { ControllerRefManager } from '../shared/controller-ref-manager'
import { keyOf } from '../shared/informer'
import { isPodReady, POD_TYPE } from '../shared/pod-utils'
import type { JobSyncDeps } from './job-sync'
import { removeTrackingFinalizer } from './job-tracking'
import { JOB_TRACKING_FINALIZER, hasTrackingFinalizer, type JobObj, type PodObj } from './job-utils'
import { isNotFound, messageOf } from '../shared/api-errors'

const JOB_TYPE = { apiVersion: 'batch/v1', kind: 'Job' }

/**
 * Deletes pods, recording SuccessfulDelete events. With `dropFinalizer` (suspend, scale-down)
 * the tracking finalizer goes first, so the pods are not counted as failures.
 */
export async function deletePods(
  deps: JobSyncDeps,
  job: JobObj,
  pods: PodObj[],
  dropFinalizer: boolean
): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
  const key = keyOf(job)
  let deleted = 0
  let deletedReady = 0
  let error: unknown
  await Promise.all(
    pods.map(async (pod) => {
      try {
        if (dropFinalizer && hasTrackingFinalizer(pod))
          await removeTrackingFinalizer(deps.client, pod)
        await deps.client.delete(POD_TYPE, pod.metadata.namespace, pod.metadata.name!)
        deps.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`)
      } catch (err) {
        if (dropFinalizer) deps.expectations.deletionObserved(key, keyOf(pod))
        if (!isNotFound(err)) {
          deps.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`)
          error ??= err
          return
        }
      }
      deleted++
      if (isPodReady(pod)) deletedReady++
    })
  )
  return { deleted, deletedReady, error }
}

/**
 * The Job's pods (`getPodsForJob` / `ClaimPods`): those it controls that still match its
 * selector, plus matching orphans it adopts (adding the tracking finalizer); controlled pods
 * that stopped matching are released. A Job being deleted keeps all the pods it controls, so
 * their finalizers are still seen to.
 */
export function claimPods(deps: JobSyncDeps, job: JobObj): Promise<PodObj[]> {
  const selector = specSelector(job)
  if (!selector) return Promise.resolve([])
  const owned = deps.pods.store.byIndex(CONTROLLER_UID_INDEX, job.metadata.uid ?? '')
  if (job.metadata.deletionTimestamp) return Promise.resolve(owned)
  const orphans = deps.pods.store
    .byIndex('namespace', job.metadata.namespace ?? '')
    .filter((p) => !getControllerOf(p))
  const manager = new ControllerRefManager<PodObj>({
    client: deps.client,
    log: deps.log,
    owner: job,
    ownerType: JOB_TYPE,
    objectType: POD_TYPE,
    adoptMetadata: (pod) => ({
      finalizers: [...new Set([...(pod.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER])]
    })
  })
  return manager.claim([...owned, ...orphans], (pod) => selector.matches(pod.metadata.labels))
}
