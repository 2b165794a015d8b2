/**
 * The core loop of the DaemonSet controller (`manage`, `podsShouldBeOnNode`, `syncNodes`): a
 * pod is created for every node that should run one and has none; pods are deleted from nodes
 * that should not keep them, from nodes that no longer exist, and beyond one per node (two
 * while surging). Failed pods are deleted so they can be recreated, with a per-node back-off.
 */
import { ApiError } from '../../apiserver/api-errors'
import { keyOf } from '../shared/informer'
import { isPodAvailable, isPodReady, slowStartBatch, POD_TYPE } from '../shared/pod-utils'
import {
  byCreationAndPhase,
  CONTROLLER_REVISION_HASH,
  newDaemonPod,
  nodesToDaemonPods
} from './daemon-pods'
import { nodeShouldRunDaemonPod, type DaemonSetObj, type NodeObj } from './node-should-run'
import { allowsSurge } from './update-counts'
import { type PodObj, type SyncContext } from './sync-context'
import { isNotFound, messageOf } from '../shared/api-errors'

/** Kubernetes' cap on pods created or deleted by one sync (`BurstReplicas`). */
export const BURST_REPLICAS = 250

/** Event reasons, as kube-controller-manager words them. */
export const FAILED_DAEMON_POD = 'FailedDaemonPod'
export const SUCCEEDED_DAEMON_POD = 'SucceededDaemonPod'

/** What should change on the nodes: where to create pods, which pods to delete. */
export interface NodeChanges {
  create: string[]
  delete: PodObj[]
}

/** The back-off key of failed pods: per daemon set, observed generation and node. */
const failedPodsBackoffKey = (ds: DaemonSetObj, node: string): string =>
  `${ds.metadata.uid}/${ds.status?.observedGeneration ?? 0}/${node}`

/** `podsShouldBeOnNode`: the pod to create and the pods to delete on one node. */
export function podsShouldBeOnNode(
  ctx: SyncContext,
  node: NodeObj,
  byNode: Map<string, PodObj[]>,
  ds: DaemonSetObj,
  hash: string
): NodeChanges {
  const out: NodeChanges = { create: [], delete: [] }
  const name = node.metadata.name ?? ''
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds)
  const pods = byNode.get(name)
  if (shouldRun && !pods) {
    out.create.push(name)
    return out
  }
  if (!pods) return out
  if (!shouldContinueRunning) {
    out.delete.push(...pods.filter((p) => !p.metadata.deletionTimestamp))
    return out
  }
  const running: PodObj[] = []
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue
    const phase = pod.status?.phase
    if (phase === 'Failed') {
      // Kubelets that reject a pod make it fail at once: back off rather than hot-loop.
      const key = failedPodsBackoffKey(ds, name)
      if (ctx.failedPodsBackoff.isInBackOffSinceUpdate(key)) {
        ctx.queue.addAfter(keyOf(ds), ctx.failedPodsBackoff.get(key))
        continue
      }
      ctx.failedPodsBackoff.next(key)
      const msg = `Found failed daemon pod ${keyOf(pod)} on node ${name}, will try to kill it`
      ctx.recorder.event(ds, 'Warning', FAILED_DAEMON_POD, msg)
      out.delete.push(pod)
    } else if (phase === 'Succeeded') {
      const msg = `Found succeeded daemon pod ${keyOf(pod)} on node ${name}, will try to delete it`
      ctx.recorder.event(ds, 'Normal', SUCCEEDED_DAEMON_POD, msg)
      out.delete.push(pod)
    } else running.push(pod)
  }
  running.sort(byCreationAndPhase)
  if (!allowsSurge(ds)) {
    // One pod per node: keep the oldest.
    out.delete.push(...running.slice(1))
    return out
  }
  if (running.length <= 1) {
    if (running.length === 0 && shouldRun) out.create.push(name)
    return out
  }
  // Surging: keep the oldest new pod and, until it is available, the oldest old one (if ready).
  let oldestNew: PodObj | undefined
  let oldestOld: PodObj | undefined
  for (const pod of running) {
    const isNew = pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash
    if (isNew && !oldestNew) oldestNew = pod
    else if (!isNew && !oldestOld) oldestOld = pod
    else out.delete.push(pod)
  }
  if (oldestNew && oldestOld) {
    const minReady = ds.spec?.minReadySeconds ?? 0
    if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, Date.now())) {
      out.delete.push(oldestOld)
    }
  }
  return out
}

/**
 * `manage`: per node, what `podsShouldBeOnNode` asks for, plus the pods of nodes that are gone
 * (Kubernetes leaves bound ones to the pod GC; removing them here too makes a deleted node's
 * pod go at once).
 */
export async function manage(ctx: SyncContext, ds: DaemonSetObj, hash: string): Promise<void> {
  const byNode = await nodesToDaemonPods(ctx, ds)
  const nodes = ctx.nodeInformer.store.list()
  const changes: NodeChanges = { create: [], delete: [] }
  for (const node of nodes) {
    const c = podsShouldBeOnNode(ctx, node, byNode, ds, hash)
    changes.create.push(...c.create)
    changes.delete.push(...c.delete)
  }
  const existing = new Set(nodes.map((n) => n.metadata.name))
  for (const [node, pods] of byNode) {
    if (existing.has(node)) continue
    // Pods already on their way out need no second delete, unless bound and awaiting a kubelet
    // that is gone with its node.
    const stuck = (p: PodObj): boolean =>
      !p.metadata.deletionTimestamp ||
      (!!p.spec?.nodeName && p.metadata.deletionGracePeriodSeconds !== 0)
    changes.delete.push(...pods.filter(stuck))
  }
  await syncNodes(ctx, ds, changes, hash)
}

/** A create refused because the namespace is being deleted: every later one would be too. */
function namespaceTerminating(err: unknown): boolean {
  const causes = (err as { details?: { causes?: { type?: string }[] } }).details?.causes ?? []
  return err instanceof ApiError && causes.some((c) => c.type === 'NamespaceTerminating')
}

/**
 * `syncNodes`: deletes `changes.delete` and creates a pod on every node of `changes.create`
 * (slow-start batches 1, 2, 4…), each capped at BURST_REPLICAS, expectations set first.
 */
export async function syncNodes(
  ctx: SyncContext,
  ds: DaemonSetObj,
  changes: NodeChanges,
  hash: string
): Promise<void> {
  const key = keyOf(ds)
  const nodes = changes.create.slice(0, BURST_REPLICAS)
  const victims = changes.delete.slice(0, BURST_REPLICAS)
  ctx.expectations.set(key, nodes.length, victims.map(keyOf))
  const errors: unknown[] = []
  let next = 0
  const { attempted, error } = await slowStartBatch(nodes.length, 1, async () => {
    const node = nodes[next++]
    try {
      const pod = await ctx.client.create<PodObj>(newDaemonPod(ds, node, hash))
      ctx.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
    } catch (err) {
      // A failed create will never be observed.
      ctx.expectations.creationObserved(key)
      if (namespaceTerminating(err)) return
      ctx.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`)
      throw err
    }
  })
  if (error) errors.push(error)
  // Batches never started will not be observed either.
  for (let i = attempted; i < nodes.length; i++) ctx.expectations.creationObserved(key)

  const results = await Promise.allSettled(victims.map((pod) => deletePod(ctx, ds, pod)))
  for (const r of results) if (r.status === 'rejected') errors.push(r.reason)
  if (errors.length > 0) throw errors[0]
}

async function deletePod(ctx: SyncContext, ds: DaemonSetObj, pod: PodObj): Promise<void> {
  const key = keyOf(ds)
  const nodeGone = !!pod.spec?.nodeName && !ctx.nodeInformer.store.get(pod.spec.nodeName)
  try {
    // No kubelet will confirm the deletion of a pod on a node that is gone: delete it at once,
    // as the pod GC would.
    await ctx.client.delete(
      POD_TYPE,
      pod.metadata.namespace,
      pod.metadata.name!,
      nodeGone ? { gracePeriodSeconds: 0 } : undefined
    )
    ctx.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`)
  } catch (err) {
    ctx.expectations.deletionObserved(key, keyOf(pod))
    if (isNotFound(err)) return
    ctx.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`)
    throw err
  }
}
