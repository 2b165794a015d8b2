/**
 * NodeResourcesFit: a pod's requests must fit the node's allocatable minus what the pods on it
 * request (pod count included); LeastAllocated scoring prefers emptier nodes.
 */
import type { NodeInfo, PodInfo } from '../framework/node-info'
import type { FilterPlugin, ScorePlugin, Status } from '../framework/types'
import { MAX_NODE_SCORE, SUCCESS, unschedulable } from '../framework/types'

/** The plugin's name. */
export const NODE_RESOURCES_FIT = 'NodeResourcesFit'
/** The reason for a node already running `allocatable.pods` pods. */
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods'

/** The reason for a node without enough of one resource (`Insufficient cpu`). */
export function errReasonInsufficient(resource: string): string {
  return `Insufficient ${resource}`
}

/** LeastAllocated for one resource: the free share after placing the pod, 0…MAX_NODE_SCORE. */
function leastAllocated(requested: number, capacity: number): number {
  return capacity <= 0 || requested > capacity
    ? 0
    : ((capacity - requested) * MAX_NODE_SCORE) / capacity
}

/** True when the pod fits on every count (the common case; no reasons need building). */
function fits(pod: PodInfo, node: NodeInfo): boolean {
  const req = pod.requests
  const free = node.free
  return (
    free.pods > 0 &&
    req.milliCpu <= free.milliCpu &&
    req.memory <= free.memory &&
    req.ephemeralStorage <= free.ephemeralStorage &&
    pod.scalarNames.length === 0
  )
}

/** Filters on requests vs allocatable; scores with LeastAllocated (weight 1). */
export const nodeResourcesFit: FilterPlugin & ScorePlugin = {
  name: NODE_RESOURCES_FIT,
  weight: 1,
  filter(_state, pod, node): Status {
    if (fits(pod, node)) return SUCCESS
    const reasons: string[] = []
    const alloc = node.allocatable
    const used = node.requested
    if (node.pods.size + 1 > alloc.pods) reasons.push(ERR_REASON_TOO_MANY_PODS)
    const req = pod.requests
    if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) {
      reasons.push(errReasonInsufficient('cpu'))
    }
    if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
      reasons.push(errReasonInsufficient('memory'))
    }
    if (
      req.ephemeralStorage > 0 &&
      req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage
    ) {
      reasons.push(errReasonInsufficient('ephemeral-storage'))
    }
    for (const name of pod.scalarNames) {
      const v = req.scalar[name]
      if (v > 0 && v > (alloc.scalar[name] ?? 0) - (used.scalar[name] ?? 0)) {
        reasons.push(errReasonInsufficient(name))
      }
    }
    return reasons.length > 0 ? unschedulable(...reasons) : SUCCESS
  },
  score(_state, pod, node) {
    // LeastAllocated over cpu and memory (weight 1 each), with best-effort defaults.
    const cpu = leastAllocated(
      node.nonZeroRequested.milliCpu + pod.nonZero.milliCpu,
      node.allocatable.milliCpu
    )
    const mem = leastAllocated(
      node.nonZeroRequested.memory + pod.nonZero.memory,
      node.allocatable.memory
    )
    return Math.floor((cpu + mem) / 2)
  }
}
