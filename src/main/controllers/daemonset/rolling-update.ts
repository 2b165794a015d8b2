/**
 * The RollingUpdate strategy of a DaemonSet (kube-controller-manager's `daemon/update.go`):
 * without surge, old pods are deleted node by node while no more than `maxUnavailable` nodes
 * lack an available pod (the core loop then creates the new one); with `maxSurge`, a new pod
 * starts beside the old one on up to `maxSurge` nodes and the old pod goes once the new one is
 * available. Both round percentages up against the number of nodes that should run a pod.
 */
import { isPodAvailable } from '../shared/pod-utils'
import { isPodUpdated, nodesToDaemonPods, templateGeneration } from './daemon-pods'
import { syncNodes } from './manage'
import { nodeShouldRunDaemonPod, type DaemonSetObj } from './node-should-run'
import type { PodObj, SyncContext } from './sync-context'
import { surgeCount, unavailableCount } from './update-counts'

/**
 * `findUpdatedPodsOnNode`: the node's new and old pod (not counting ones being deleted);
 * undefined when it has more than one of either, which the core loop cleans up first.
 */
function findUpdatedPodsOnNode(
  pods: PodObj[],
  hash: string,
  generation: number | undefined
): { newPod?: PodObj; oldPod?: PodObj } | undefined {
  let newPod: PodObj | undefined
  let oldPod: PodObj | undefined
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return undefined
      newPod = pod
    } else {
      if (oldPod) return undefined
      oldPod = pod
    }
  }
  return { newPod, oldPod }
}

/** `rollingUpdate`: the old pods to delete now, or the nodes to surge onto. */
export async function rollingUpdate(
  ctx: SyncContext,
  ds: DaemonSetObj,
  hash: string
): Promise<void> {
  const byNode = await nodesToDaemonPods(ctx, ds)
  // `updatedDesiredNodeCounts`: nodes that want a pod but have none count as unavailable too.
  let desired = 0
  for (const node of ctx.nodeInformer.store.list()) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue
    desired++
    const name = node.metadata.name ?? ''
    if (!byNode.has(name)) byNode.set(name, [])
  }
  const maxSurge = surgeCount(ds, desired)
  let maxUnavailable = unavailableCount(ds, desired)
  // An impossible 0/0 configuration gets the default of one unavailable node.
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1
  const generation = templateGeneration(ds)
  const minReady = ds.spec?.minReadySeconds ?? 0
  const now = Date.now()
  const available = (p: PodObj): boolean => isPodAvailable(p, minReady, now)

  if (maxSurge === 0) {
    let numUnavailable = 0
    const replacements: PodObj[] = []
    const candidates: PodObj[] = []
    for (const pods of byNode.values()) {
      const found = findUpdatedPodsOnNode(pods, hash, generation)
      if (!found) {
        numUnavailable++
        continue
      }
      const { newPod, oldPod } = found
      if (!oldPod) {
        // Nothing yet, or only the new pod: unavailable until that pod is.
        if (!newPod || !available(newPod)) numUnavailable++
      } else if (newPod) {
        numUnavailable++ // the core loop settles nodes holding both
      } else if (!available(oldPod)) {
        replacements.push(oldPod) // an unavailable old pod costs nothing to replace
      } else if (numUnavailable < maxUnavailable) {
        candidates.push(oldPod)
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length)
    const victims = [...replacements, ...candidates.slice(0, room)]
    return syncNodes(ctx, ds, { create: [], delete: victims }, hash)
  }

  const victims: PodObj[] = []
  const allowedNewNodes: string[] = []
  const candidateNewNodes: string[] = []
  let numSurge = 0
  for (const [nodeName, pods] of byNode) {
    const found = findUpdatedPodsOnNode(pods, hash, generation)
    if (!found) {
      numSurge++
      continue
    }
    const { newPod, oldPod } = found
    if (!oldPod) continue // the core loop handles it
    if (!newPod) {
      if (!available(oldPod)) {
        const node = ctx.nodeInformer.store.get(nodeName)
        // An old pod that is unavailable on a node that no longer wants it simply goes.
        if (!node || !nodeShouldRunDaemonPod(node, ds).shouldRun) victims.push(oldPod)
        else allowedNewNodes.push(nodeName)
      } else if (numSurge < maxSurge) candidateNewNodes.push(nodeName)
      continue
    }
    // Surged here already: the old pod goes once the new one is available.
    if (available(newPod)) victims.push(oldPod)
    else numSurge++
  }
  const room = Math.min(Math.max(0, maxSurge - numSurge), candidateNewNodes.length)
  const create = [...allowedNewNodes, ...candidateNewNodes.slice(0, room)]
  return syncNodes(ctx, ds, { create, delete: victims }, hash)
}
