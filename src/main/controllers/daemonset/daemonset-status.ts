/**
 * DaemonSet status (`updateDaemonSetStatus`): per node that should run a pod, whether it has
 * one (current), whether the oldest one is ready, available and of the current revision
 * (updated); pods on nodes that should not run one are misscheduled. `kubectl rollout status
 * daemonset` waits for observedGeneration, updatedNumberScheduled and numberAvailable to reach
 * desiredNumberScheduled.
 */
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1'
import { keyOf } from '../shared/informer'
import { isPodAvailable, isPodReady } from '../shared/pod-utils'
import {
  byCreationAndPhase,
  isPodUpdated,
  nodesToDaemonPods,
  templateGeneration
} from './daemon-pods'
import { nodeShouldRunDaemonPod, type DaemonSetObj } from './node-should-run'
import { DAEMONSET_TYPE, type SyncContext } from './sync-context'
import { omitEmptyFields, patchStatus } from '../shared/status-patch'

/** The counts of DaemonSetStatus the controller computes. */
export type DaemonSetCounts = Required<
  Pick<
    DaemonSetStatus,
    | 'currentNumberScheduled'
    | 'desiredNumberScheduled'
    | 'numberMisscheduled'
    | 'numberReady'
    | 'updatedNumberScheduled'
    | 'numberAvailable'
    | 'numberUnavailable'
  >
>

// Fields without omitempty in the API always show, zero or not.
const ALWAYS: readonly (keyof DaemonSetCounts)[] = [
  'currentNumberScheduled',
  'desiredNumberScheduled',
  'numberMisscheduled',
  'numberReady'
]
const FIELDS: readonly (keyof DaemonSetCounts)[] = [
  ...ALWAYS,
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable'
]

/** Computes the status and writes it when it changed (observedGeneration only if asked). */
export async function updateDaemonSetStatus(
  ctx: SyncContext,
  ds: DaemonSetObj,
  hash: string,
  updateObservedGeneration: boolean
): Promise<void> {
  const byNode = await nodesToDaemonPods(ctx, ds)
  const now = Date.now()
  const minReady = ds.spec?.minReadySeconds ?? 0
  const generation = templateGeneration(ds)
  const c: DaemonSetCounts = {
    currentNumberScheduled: 0,
    desiredNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0
  }
  for (const node of ctx.nodeInformer.store.list()) {
    const pods = byNode.get(node.metadata.name ?? '') ?? []
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (pods.length > 0) c.numberMisscheduled++
      continue
    }
    c.desiredNumberScheduled++
    if (pods.length === 0) continue
    c.currentNumberScheduled++
    const pod = [...pods].sort(byCreationAndPhase)[0]
    if (isPodReady(pod)) {
      c.numberReady++
      if (isPodAvailable(pod, minReady, now)) c.numberAvailable++
    }
    if (isPodUpdated(pod, hash, generation)) c.updatedNumberScheduled++
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable

  // A ready pod not yet available for minReadySeconds needs another look then.
  if (minReady > 0 && c.numberReady !== c.numberAvailable) {
    ctx.queue.addAfter(keyOf(ds), minReady * 1000)
  }
  const cur = (ds.status ?? {}) as DaemonSetStatus
  const generationSeen = (cur.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0)
  // Without a generation to record, equal counts are nothing to write (no write, no update
  // event, no sync loop while expectations are pending).
  const same = FIELDS.every((f) => (cur[f] ?? 0) === c[f])
  if (same && (generationSeen || !updateObservedGeneration)) return
  // Zero counts of omitempty fields are left out, as kube-apiserver's JSON leaves them out.
  const patch = omitEmptyFields(c, FIELDS, ALWAYS)
  if (updateObservedGeneration) patch.observedGeneration = ds.metadata.generation
  await patchStatus(ctx.client, DAEMONSET_TYPE, ds, patch)
}
