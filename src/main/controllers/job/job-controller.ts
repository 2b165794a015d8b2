/**
 * The Job controller (kube-controller-manager's `pkg/controller/job`): runs a Job's pods to
 * completion. Pods are made from `spec.template` (`<job>-<rand>`, or `<job>-<index>-<rand>` for
 * Indexed Jobs) with a controller reference and the `batch.kubernetes.io/job-tracking`
 * finalizer; at most `parallelism` run, never more than the completions still missing; failed
 * pods are replaced after an exponential back-off until `backoffLimit` is passed
 * (BackoffLimitExceeded) or `activeDeadlineSeconds` runs out (DeadlineExceeded); `suspend`
 * deletes the active pods. Status counts active, ready, terminating, succeeded and failed pods
 * through `uncountedTerminatedPods`, with the conditions Kubernetes ≥ 1.31 writes:
 * SuccessCriteriaMet then Complete, FailureTarget then Failed.
 */
import type { ApiClient } from '../../apiserver/client'
import type { ComponentLog } from '../../observe/component-log'
import { createEventRecorder } from '../../observe/event-recorder'
import { createDelayedAdder, realClock, type Clock } from '../shared/clock'
import {
  CONTROLLER_UID_INDEX,
  controllerUidOf,
  getControllerOf,
  specSelector
} from '../shared/controller-ref'
import { createExpectations } from '../shared/expectations'
import { createInformerFactory, type InformerFactory } from '../shared/informer-factory'
import { keyOf } from '../shared/informer'
import { startController, type RunningController } from '../shared/run-workers'
import { createWorkQueue } from '../shared/work-queue'
import { createBackoffStore } from './job-backoff'
import { syncJob, type JobSyncDeps } from './job-sync'
import { removeTrackingFinalizer, type FinalizerExpectations } from './job-tracking'
import { finishedType, hasTrackingFinalizer, type JobObj, type PodObj } from './job-utils'
import { POD_TYPE } from '../shared/pod-utils'

/** The resource types the controller reads and writes. */
export const JOB_TYPE = { apiVersion: 'batch/v1', kind: 'Job' }
const COMPONENT = 'job-controller'
/** Queue keys of orphaned pods whose tracking finalizer must go. */
const ORPHAN_PREFIX = 'orphan-pod:'

/** Options of the controller. */
export interface JobControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-job-syncs`). */
  workers?: number
  /** Time source (default the wall clock). */
  clock?: Clock
  /** First delay before replacing a failed pod (default 10 s, doubling per failure). */
  podFailureBackoffMs?: number
  /** Cap of that delay (default 10 min, as `MaxJobPodFailureBackOff`). */
  maxPodFailureBackoffMs?: number
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startJobController(o: JobControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const jobs = informers.informerFor<JobObj>(JOB_TYPE)
  const pods = informers.informerFor<PodObj>(POD_TYPE, { [CONTROLLER_UID_INDEX]: controllerUidOf })
  const queue = createWorkQueue()
  const clock = o.clock ?? realClock
  const delayer = createDelayedAdder(queue, clock)
  const expectations = createExpectations()
  const finalizerExpectations: FinalizerExpectations = new Map()
  const recorder = createEventRecorder(o.client, COMPONENT, o.log)
  const enqueue = (job: JobObj): void => queue.add(keyOf(job))
  const enqueueOrphan = (pod: PodObj): void => queue.add(ORPHAN_PREFIX + keyOf(pod))

  const ownerOf = (pod: PodObj): JobObj | undefined => {
    const ref = getControllerOf(pod)
    if (!ref || ref.kind !== 'Job') return undefined
    const job = jobs.store.get(`${pod.metadata.namespace}/${ref.name}`)
    return job && job.metadata.uid === ref.uid ? job : undefined
  }
  const matchingJobs = (pod: PodObj): JobObj[] =>
    jobs.store
      .byIndex('namespace', pod.metadata.namespace ?? '')
      .filter((j) => specSelector(j)?.matches(pod.metadata.labels) ?? false)
  const finalizerGone = (job: JobObj, pod: PodObj): void =>
    void finalizerExpectations.get(keyOf(job))?.delete(pod.metadata.uid ?? '')

  // A pod being deleted counts as deleted for the expectations at once (`deletePod`).
  const podDeleted = (pod: PodObj, final: boolean): void => {
    const owner = ownerOf(pod)
    if (!owner) {
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod)
      return
    }
    expectations.deletionObserved(keyOf(owner), keyOf(pod))
    if (final || !hasTrackingFinalizer(pod)) finalizerGone(owner, pod)
    enqueue(owner)
  }

  const offs = [
    jobs.on('add', (_, job) => enqueue(job)),
    jobs.on('update', (_, job) => enqueue(job)),
    jobs.on('delete', (_, job) => {
      // Its pods keep their finalizers until the orphan path removes them.
      for (const pod of pods.store.byIndex(CONTROLLER_UID_INDEX, job.metadata.uid ?? '')) {
        if (hasTrackingFinalizer(pod)) enqueueOrphan(pod)
      }
      enqueue(job)
    }),
    pods.on('add', (_, pod) => {
      if (pod.metadata.deletionTimestamp) return podDeleted(pod, false)
      const owner = ownerOf(pod)
      if (owner) {
        expectations.creationObserved(keyOf(owner))
        return enqueue(owner)
      }
      if (getControllerOf(pod)) return // its Job is not in the cache (yet)
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod)
      matchingJobs(pod).forEach(enqueue)
    }),
    pods.on('update', (old, pod) => {
      if (old === pod) return // resync
      if (pod.metadata.deletionTimestamp) return podDeleted(pod, false)
      const oldOwner = old && ownerOf(old)
      const owner = ownerOf(pod)
      if (oldOwner && oldOwner !== owner) {
        if (!hasTrackingFinalizer(pod)) finalizerGone(oldOwner, pod)
        enqueue(oldOwner)
      }
      if (owner) {
        if (!hasTrackingFinalizer(pod)) finalizerGone(owner, pod)
        return enqueue(owner)
      }
      if (getControllerOf(pod)) return // its Job is not in the cache (yet)
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod)
      matchingJobs(pod).forEach(enqueue)
    }),
    pods.on('delete', (old, pod) => podDeleted(old ?? pod, true))
  ]

  const deps: JobSyncDeps = {
    client: o.client,
    log: o.log,
    recorder,
    clock,
    delayer,
    jobs,
    pods,
    expectations,
    finalizerExpectations,
    backoff: createBackoffStore(),
    backoffBaseMs: o.podFailureBackoffMs ?? 10_000,
    backoffMaxMs: o.maxPodFailureBackoffMs ?? 10 * 60_000
  }
  const running = startController({
    kind: 'Job',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: (key) =>
      key.startsWith(ORPHAN_PREFIX)
        ? syncOrphanPod(deps, key.slice(ORPHAN_PREFIX.length))
        : syncJob(deps, key),
    log: o.log
  })
  return {
    ready: running.ready,
    async stop() {
      delayer.stop()
      await running.stop()
    }
  }
}

/**
 * Removes the tracking finalizer of a pod no unfinished Job of the cache controls any more
 * (`syncOrphanPod`), so that it can go.
 */
async function syncOrphanPod(deps: JobSyncDeps, podKey: string): Promise<void> {
  const pod = deps.pods.store.get(podKey)
  if (!pod || !hasTrackingFinalizer(pod)) return
  const ref = getControllerOf(pod)
  if (ref?.kind === 'Job') {
    const job = deps.jobs.store.get(`${pod.metadata.namespace}/${ref.name}`)
    if (job && job.metadata.uid === ref.uid && !finishedType(job)) return
  }
  await removeTrackingFinalizer(deps.client, pod)
}
