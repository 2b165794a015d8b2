/**
 * TaintToleration: NoSchedule and NoExecute taints keep pods off unless tolerated;
 * PreferNoSchedule taints lower the score by how many are not tolerated.
 */
import type { Taint } from 'kubernetes-types/core/v1'
import type { FilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/types'
import { MAX_NODE_SCORE, SKIP, SUCCESS, unresolvable } from '../framework/types'
import { tolerates } from '../framework/selectors'

/** The plugin's name. */
export const TAINT_TOLERATION = 'TaintToleration'

/** The reason for a node with a taint the pod does not tolerate. */
export function errReasonUntoleratedTaint(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`
}

/** Filters on NoSchedule/NoExecute taints; scores on PreferNoSchedule ones (weight 3). */
export const taintToleration: FilterPlugin & PreScorePlugin & ScorePlugin = {
  name: TAINT_TOLERATION,
  weight: 3,
  filter(_state, pod, node) {
    const taints = node.taints
    if (taints.length === 0) return SUCCESS
    const tols = pod.pod.spec?.tolerations ?? []
    for (const taint of taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue
      if (!tols.some((t) => tolerates(t, taint)))
        return unresolvable(errReasonUntoleratedTaint(taint))
    }
    return SUCCESS
  },
  // When no feasible node has a PreferNoSchedule taint, every node scores the same.
  preScore(_state, _pod, nodes) {
    const preferNo = nodes.some(
      (n) => n.taints.length > 0 && n.taints.some((t) => t.effect === 'PreferNoSchedule')
    )
    return preferNo ? undefined : SKIP
  },
  score(_state, pod, node) {
    const tols = (pod.pod.spec?.tolerations ?? []).filter(
      (t) => !t.effect || t.effect === 'PreferNoSchedule'
    )
    let count = 0
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !tols.some((t) => tolerates(t, taint))) count++
    }
    return count
  },
  normalizeScore(_state, _pod, scores) {
    // Fewer intolerable taints is better: reverse the counts onto 0…100.
    const max = Math.max(0, ...scores)
    for (let i = 0; i < scores.length; i++) {
      scores[i] = max === 0 ? MAX_NODE_SCORE : MAX_NODE_SCORE - (scores[i] * MAX_NODE_SCORE) / max
    }
  }
}
