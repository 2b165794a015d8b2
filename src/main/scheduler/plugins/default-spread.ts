/**
 * DefaultSpread: the balanced spread of one workload's pods (kube-scheduler's SelectorSpread /
 * default topology spreading): a node with fewer pods of the same owner scores higher. The
 * count per node is kept up to date in NodeInfo, so scoring a node is O(1).
 */
import type { PodInfo } from '../framework/node-info'
import type { PreScorePlugin, ScorePlugin } from '../framework/types'
import { MAX_NODE_SCORE, SKIP } from '../framework/types'

/** The plugin's name. */
export const DEFAULT_SPREAD = 'DefaultSpread'

/** The workload a pod belongs to: its controller's uid, else its namespace and labels. */
export function workloadOf(pod: PodInfo): string | undefined {
  return pod.workload
}

/** Scores by how few pods of the same workload a node runs (weight 2). */
export const defaultSpread: PreScorePlugin & ScorePlugin = {
  name: DEFAULT_SPREAD,
  weight: 2,
  // A bare pod without labels belongs to no workload: every node would score the same.
  preScore: (_state, pod) => (pod.workload === undefined ? SKIP : undefined),
  score(_state, pod, node) {
    const mine = pod.workload
    if (mine === undefined) return 0
    // Counted as pods come and go (NodeInfo.workloadCounts); the pod itself is not counted.
    const count = node.workloadCounts.get(mine) ?? 0
    return node.pods.get(pod.key)?.workload === mine ? count - 1 : count
  },
  normalizeScore(_state, _pod, scores) {
    const max = Math.max(0, ...scores)
    for (let i = 0; i < scores.length; i++) {
      scores[i] = max === 0 ? MAX_NODE_SCORE : (MAX_NODE_SCORE * (max - scores[i])) / max
    }
  }
}
