/**
 * DefaultSpread: the balanced spread of one workload's pods (kube-scheduler's SelectorSpread /
 * default topology spreading): a node with fewer pods of the same owner scores higher.
 */
import type { PodInfo } from '../framework/node-info'
import type { ScorePlugin } from '../framework/types'
import { MAX_NODE_SCORE } from '../framework/types'

/** The plugin's name. */
export const DEFAULT_SPREAD = 'DefaultSpread'

/** The workload a pod belongs to: its controller's uid, else its namespace and labels. */
export function workloadOf(pod: PodInfo): string | undefined {
  const refs = pod.pod.metadata?.ownerReferences ?? []
  const owner = refs.find((r) => r.controller) ?? refs[0]
  if (owner) return `owner:${owner.uid}`
  const labels = Object.keys(pod.labels)
  if (labels.length === 0) return undefined
  return `labels:${pod.namespace}:${labels
    .sort()
    .map((k) => `${k}=${pod.labels[k]}`)
    .join(',')}`
}

/** Scores by how few pods of the same workload a node runs (weight 2). */
export const defaultSpread: ScorePlugin = {
  name: DEFAULT_SPREAD,
  weight: 2,
  score(_state, pod, node) {
    const mine = workloadOf(pod)
    if (!mine) return 0
    let count = 0
    for (const other of node.pods.values()) {
      if (other.key !== pod.key && workloadOf(other) === mine) count++
    }
    return count
  },
  normalizeScore(_state, _pod, scores) {
    const max = Math.max(0, ...scores)
    for (let i = 0; i < scores.length; i++) {
      scores[i] = max === 0 ? MAX_NODE_SCORE : (MAX_NODE_SCORE * (max - scores[i])) / max
    }
  }
}
