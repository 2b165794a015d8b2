/**
 * The StatefulSet controller (kube-controller-manager's `pkg/controller/statefulset`): pods with
 * stable names `<set>-<ordinal>`, created in order and removed in reverse order (OrderedReady) or
 * all at once (Parallel), recreated under the same name when they fail or are deleted, and
 * replaced highest ordinal first when the template changes (RollingUpdate with partition, or
 * OnDelete). Each template is kept as a ControllerRevision (`revisions.ts`), which `kubectl
 * rollout history | undo` read; `volumeClaimTemplates` become emptyDir volumes (no
 * PersistentVolumeClaims are served).
 */
import type { ApiClient } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import type { ComponentLog } from '../../observe/component-log'
import { createEventRecorder, type EventRecorder } from '../../observe/event-recorder'
import {
  CONTROLLER_UID_INDEX,
  controllerUidOf,
  getControllerOf,
  specSelector
} from '../shared/controller-ref'
import { createInformerFactory, type InformerFactory } from '../shared/informer-factory'
import { keyOf, type Informer } from '../shared/informer'
import { startController, type RunningController } from '../shared/run-workers'
import { createWorkQueue, type WorkQueue } from '../shared/work-queue'
import { claimPods } from './claim-pods'
import { CONTROLLER_REVISION_TYPE, type ControllerRevisionObj } from '../shared/controller-history'
import { getStatefulSetRevisions, truncateHistory } from './revisions'
import { createStatefulPodControl, type StatefulPodControl } from './stateful-pod-control'
import { updateStatefulSet } from './stateful-set-control'
import { STATEFULSET_TYPE, updateStatefulSetStatus } from './stateful-set-status'
import type { PodObj, StatefulSetObj } from './stateful-set-utils'
import { POD_TYPE } from '../shared/pod-utils'

const COMPONENT = 'statefulset-controller'

/** Options of the controller. */
export interface StatefulSetControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-statefulset-syncs`). */
  workers?: number
}

interface SyncContext {
  o: StatefulSetControllerOptions
  sets: Informer<StatefulSetObj>
  pods: Informer<PodObj>
  revisions: Informer<ControllerRevisionObj>
  control: StatefulPodControl
  recorder: EventRecorder
  queue: WorkQueue
  /** Sets already told that their volumeClaimTemplates are ignored. */
  warnedClaims: Set<string>
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startStatefulSetController(o: StatefulSetControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const sets = informers.informerFor<StatefulSetObj>(STATEFULSET_TYPE)
  const pods = informers.informerFor<PodObj>(POD_TYPE, { [CONTROLLER_UID_INDEX]: controllerUidOf })
  const queue = createWorkQueue()
  const recorder = createEventRecorder(o.client, COMPONENT, o.log)
  const revisions = informers.informerFor<ControllerRevisionObj>(CONTROLLER_REVISION_TYPE)
  const enqueue = (set: KubeObject): void => queue.add(keyOf(set))

  // The set controlling `pod`, when the cache has it with the same uid.
  const ownerOf = (pod: PodObj): StatefulSetObj | undefined => {
    const ref = getControllerOf(pod)
    if (!ref || ref.kind !== 'StatefulSet') return undefined
    const set = sets.store.get(`${pod.metadata.namespace}/${ref.name}`)
    return set && set.metadata.uid === ref.uid ? set : undefined
  }
  // An orphan wakes every set whose selector matches it (one of them may adopt it).
  const orphanSets = (pod: PodObj): StatefulSetObj[] =>
    getControllerOf(pod)
      ? []
      : sets.store
          .byIndex('namespace', pod.metadata.namespace ?? '')
          .filter((s) => specSelector(s)?.matches(pod.metadata.labels) ?? false)
  const onPod = (pod: PodObj): void => {
    const owner = ownerOf(pod)
    if (owner) enqueue(owner)
    else orphanSets(pod).forEach(enqueue)
  }

  const handlers = [
    sets.on('add', (_, set) => enqueue(set)),
    sets.on('update', (_, set) => enqueue(set)),
    sets.on('delete', (_, set) => enqueue(set)),
    pods.on('add', (_, pod) => onPod(pod)),
    pods.on('update', (old, pod) => {
      if (old === pod) return // resync: the sets resync themselves
      const oldOwner = old && ownerOf(old)
      if (oldOwner && oldOwner !== ownerOf(pod)) enqueue(oldOwner)
      onPod(pod)
    }),
    pods.on('delete', (old, pod) => {
      const owner = ownerOf(old ?? pod)
      if (owner) enqueue(owner)
    })
  ]

  const ctx: SyncContext = {
    o,
    sets,
    pods,
    revisions,
    control: createStatefulPodControl(o.client, recorder),
    recorder,
    queue,
    warnedClaims: new Set()
  }
  return startController({
    kind: 'StatefulSet',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers,
    workers: o.workers ?? 5,
    sync: (key) => syncStatefulSet(ctx, key),
    log: o.log
  })
}

/** One reconciliation of the StatefulSet stored under `key`. */
async function syncStatefulSet(ctx: SyncContext, key: string): Promise<void> {
  const { o } = ctx
  const set = ctx.sets.store.get(key)
  if (!set) {
    ctx.warnedClaims.delete(key)
    return
  }
  const selector = specSelector(set)
  if (!selector) {
    o.log.warn('statefulset has an invalid selector', { statefulset: key })
    return
  }
  if ((set.spec?.volumeClaimTemplates?.length ?? 0) > 0 && !ctx.warnedClaims.has(key)) {
    ctx.warnedClaims.add(key)
    o.log.info(
      'volumeClaimTemplates ignored: no PersistentVolumeClaims in KubeDesk; emptyDir used',
      {
        statefulset: key,
        claims: set.spec!.volumeClaimTemplates!.map((c) => c.metadata?.name)
      }
    )
  }
  const pods = await claimPods(o.client, o.log, ctx.pods.store, set, selector)
  const revCtx = { client: o.client, log: o.log, revisions: ctx.revisions.store }
  const rev = await getStatefulSetRevisions(revCtx, set, selector)
  const { status, error } = await updateStatefulSet(
    { control: ctx.control, recorder: ctx.recorder, log: o.log, now: Date.now() },
    set,
    pods,
    rev
  )
  await updateStatefulSetStatus(o.client, set, status)
  if (!error) await truncateHistory(revCtx, set, pods, rev, status.currentRevision)
  // A pod ready but not yet available for minReadySeconds needs another look later.
  const minReady = set.spec?.minReadySeconds ?? 0
  if (minReady > 0 && status.readyReplicas !== status.availableReplicas) {
    ctx.queue.addAfter(key, minReady * 1000 + 100)
  }
  if (error) throw error
}
