/**
 * The DaemonSet controller (kube-controller-manager's `pkg/controller/daemon`): one pod per
 * eligible node, following nodes as they come, go and change. Pods are created unbound, pinned
 * to their node by required node affinity (`matchFields metadata.name In [node]`), for the
 * scheduler to bind. RollingUpdate replaces old-revision pods within maxUnavailable / maxSurge;
 * OnDelete waits for the user to delete them. Shared informers for DaemonSets, Pods and Nodes;
 * expectations keep a stale cache from creating or deleting twice. Each template is kept as a
 * ControllerRevision (`history.ts`), which `kubectl rollout history | undo` read.
 */
import { createEventRecorder } from '../../observe/event-recorder'
import type { ComponentLog } from '../../observe/component-log'
import type { ApiClient } from '../../apiserver/client'
import {
  CONTROLLER_UID_INDEX,
  controllerUidOf,
  getControllerOf,
  specSelector
} from '../shared/controller-ref'
import { createInformerFactory, type InformerFactory } from '../shared/informer-factory'
import { keyOf } from '../shared/informer'
import { isPodReady, POD_TYPE } from '../shared/pod-utils'
import { startController, type RunningController } from '../shared/run-workers'
import { createWorkQueue } from '../shared/work-queue'
import { CONTROLLER_REVISION_TYPE, type ControllerRevisionObj } from '../shared/controller-history'
import { updateDaemonSetStatus } from './daemonset-status'
import { createBackoff } from './failed-pods-backoff'
import { cleanupHistory, constructHistory, revisionHash } from './history'
import { manage } from './manage'
import { nodeShouldRunDaemonPod, type DaemonSetObj, type NodeObj } from './node-should-run'
import { rollingUpdate } from './rolling-update'
import {
  createDaemonExpectations,
  DAEMONSET_TYPE,
  NODE_TYPE,
  type PodObj,
  type SyncContext
} from './sync-context'

const COMPONENT = 'daemonset-controller'
/** Event reason of a DaemonSet whose selector selects every pod. */
export const SELECTING_ALL = 'SelectingAll'
/** How often expired failed-pod back-off entries are dropped (`BackoffGCInterval`). */
const BACKOFF_GC_MS = 60_000

/** Options of the controller. */
export interface DaemonSetControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 2, as `--concurrent-daemonset-syncs`). */
  workers?: number
  /** First delay before a failed daemon pod is deleted again on the same node (default 1 s). */
  failedPodBackoffMs?: number
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startDaemonSetController(o: DaemonSetControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const dsInformer = informers.informerFor<DaemonSetObj>(DAEMONSET_TYPE)
  const podInformer = informers.informerFor<PodObj>(POD_TYPE, {
    [CONTROLLER_UID_INDEX]: controllerUidOf
  })
  const nodeInformer = informers.informerFor<NodeObj>(NODE_TYPE)
  const revisionInformer = informers.informerFor<ControllerRevisionObj>(CONTROLLER_REVISION_TYPE)
  const queue = createWorkQueue()
  const expectations = createDaemonExpectations()
  const recorder = createEventRecorder(o.client, COMPONENT, o.log)
  const failedPodsBackoff = createBackoff(o.failedPodBackoffMs ?? 1000)
  const enqueue = (ds: DaemonSetObj): void => queue.add(keyOf(ds))

  // The DaemonSet controlling `pod`, when the cache has it with the same uid.
  const ownerOf = (pod: PodObj): DaemonSetObj | undefined => {
    const ref = getControllerOf(pod)
    if (!ref || ref.kind !== 'DaemonSet') return undefined
    const ds = dsInformer.store.get(`${pod.metadata.namespace}/${ref.name}`)
    return ds && ds.metadata.uid === ref.uid ? ds : undefined
  }
  const matchingSets = (pod: PodObj): DaemonSetObj[] =>
    dsInformer.store
      .byIndex('namespace', pod.metadata.namespace ?? '')
      .filter((ds) => specSelector(ds)?.matches(pod.metadata.labels) ?? false)
  const podGone = (pod: PodObj): void => {
    const owner = ownerOf(pod)
    if (!owner) return
    expectations.deletionObserved(keyOf(owner), keyOf(pod))
    enqueue(owner)
  }
  // A revision changed or gone wakes its DaemonSet (`addHistory` and friends).
  const onRevision = (rev: ControllerRevisionObj): void => {
    const ref = getControllerOf(rev)
    const ds =
      ref?.kind === 'DaemonSet' && dsInformer.store.get(`${rev.metadata.namespace}/${ref.name}`)
    if (ds && ds.metadata.uid === ref.uid) enqueue(ds)
  }
  const sameLabels = (a: PodObj, b: PodObj): boolean =>
    JSON.stringify(a.metadata.labels ?? {}) === JSON.stringify(b.metadata.labels ?? {})

  const gcTimer = setInterval(() => failedPodsBackoff.gc(), BACKOFF_GC_MS)
  gcTimer.unref?.()

  const offs = [
    () => clearInterval(gcTimer),
    dsInformer.on('add', (_, ds) => enqueue(ds)),
    dsInformer.on('update', (old, ds) => {
      if (old && old.metadata.uid !== ds.metadata.uid) expectations.delete(keyOf(old))
      enqueue(ds)
    }),
    dsInformer.on('delete', (_, ds) => {
      // A new DaemonSet of the same name starts clean.
      expectations.delete(keyOf(ds))
      enqueue(ds)
    }),
    podInformer.on('add', (_, pod) => {
      // After a restart a pod may first show up already being deleted: not a creation.
      if (pod.metadata.deletionTimestamp) return podGone(pod)
      const owner = ownerOf(pod)
      if (owner) {
        expectations.creationObserved(keyOf(owner))
        enqueue(owner)
      } else if (!getControllerOf(pod)) matchingSets(pod).forEach(enqueue)
    }),
    podInformer.on('update', (old, pod) => {
      if (!old || old.metadata.resourceVersion === pod.metadata.resourceVersion) return
      // A graceful deletion counts now: the replacement need not wait for the kubelet.
      if (pod.metadata.deletionTimestamp) return podGone(pod)
      const oldOwner = ownerOf(old)
      const owner = ownerOf(pod)
      if (oldOwner && oldOwner !== owner) enqueue(oldOwner)
      if (owner) {
        enqueue(owner)
        const minReady = owner.spec?.minReadySeconds ?? 0
        // Available minReadySeconds after turning ready; a second more against timer skew.
        if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) {
          queue.addAfter(keyOf(owner), minReady * 1000 + 1000)
        }
      } else if (!getControllerOf(pod)) {
        const refChanged = getControllerOf(old)?.uid !== undefined
        if (refChanged || !sameLabels(old, pod)) matchingSets(pod).forEach(enqueue)
      }
    }),
    podInformer.on('delete', (old, pod) => podGone(old ?? pod)),
    nodeInformer.on('add', (_, node) => {
      for (const ds of dsInformer.store.list()) {
        if (nodeShouldRunDaemonPod(node, ds).shouldRun) enqueue(ds)
      }
    }),
    nodeInformer.on('update', (old, node) => {
      if (!old || old === node) return
      for (const ds of dsInformer.store.list()) {
        const a = nodeShouldRunDaemonPod(old, ds)
        const b = nodeShouldRunDaemonPod(node, ds)
        if (a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning) {
          enqueue(ds)
        }
      }
    }),
    revisionInformer.on('add', (_, rev) => onRevision(rev)),
    revisionInformer.on('update', (old, rev) => {
      if (old !== rev) onRevision(rev)
    }),
    revisionInformer.on('delete', (old, rev) => onRevision(old ?? rev)),
    // Kubernetes leaves this to the pod GC; here the node's daemon pods go at once.
    nodeInformer.on('delete', () => dsInformer.store.list().forEach(enqueue))
  ]

  const ctx: SyncContext = {
    client: o.client,
    log: o.log,
    dsInformer,
    podInformer,
    nodeInformer,
    revisionInformer,
    expectations,
    recorder,
    queue,
    failedPodsBackoff
  }
  return startController({
    kind: 'DaemonSet',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 2,
    sync: (key) => syncDaemonSet(ctx, key),
    log: o.log
  })
}

/** Whether a selector is the empty one, which would select every pod of the namespace. */
function selectsAll(ds: DaemonSetObj): boolean {
  const s = ds.spec?.selector
  return (
    !!s && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0
  )
}

/** One reconciliation of the DaemonSet stored under `key` (`syncDaemonSet`). */
export async function syncDaemonSet(ctx: SyncContext, key: string): Promise<void> {
  const ds = ctx.dsInformer.store.get(key)
  if (!ds) {
    ctx.expectations.delete(key)
    return
  }
  if (selectsAll(ds)) {
    const msg = 'This daemon set is selecting all pods. A non-empty selector is required.'
    ctx.recorder.event(ds, 'Warning', SELECTING_ALL, msg)
    return
  }
  if (!specSelector(ds)) {
    ctx.log.warn('daemonset has an invalid selector', { daemonset: key })
    return
  }
  // Its pods are the garbage collector's now; its status can no longer be trusted.
  if (ds.metadata.deletionTimestamp) return
  const { cur, old } = await constructHistory(ctx, ds)
  const hash = revisionHash(cur)
  if (!ctx.expectations.satisfied(key)) {
    // Only the status; observedGeneration waits until this generation has been acted on.
    return updateDaemonSetStatus(ctx, ds, hash, false)
  }
  let syncError: unknown
  try {
    await manage(ctx, ds, hash)
    // Roll only once the core loop's own creations and deletions have been seen.
    if (ctx.expectations.satisfied(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
      await rollingUpdate(ctx, ds, hash)
    }
    await cleanupHistory(ctx, ds, old)
  } catch (err) {
    syncError = err
  }
  try {
    await updateDaemonSetStatus(ctx, ds, hash, true)
  } catch (err) {
    if (!syncError) throw err
    ctx.log.warn('failed to update daemonset status', { daemonset: key, err: String(err) })
  }
  if (syncError) throw syncError
}
