/**
 * NodeAffinity: `spec.nodeSelector` and required node affinity filter; preferred terms add
 * their weights to the score.
 */
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/types'
import { MAX_NODE_SCORE, SKIP, SUCCESS, unresolvable } from '../framework/types'
import { matchesTerm } from '../framework/selectors'

/** The plugin's name. */
export const NODE_AFFINITY = 'NodeAffinity'
/** The reason for a node the selector or required affinity rules out. */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"

/** Filters on nodeSelector and requiredDuringScheduling terms; scores preferred terms (weight 2). */
export const nodeAffinity: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin = {
  name: NODE_AFFINITY,
  weight: 2,
  // Without a selector or required terms every node passes: skip Filter (as kube-scheduler).
  preFilter: (_state, pod) =>
    pod.pod.spec?.nodeSelector ||
    pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ? SUCCESS
      : SKIP,
  filter(_state, pod, node) {
    const spec = pod.pod.spec
    const selector = spec?.nodeSelector
    if (selector) {
      for (const k in selector) {
        if (node.labels[k] !== selector[k]) return unresolvable(ERR_REASON_POD)
      }
    }
    const required =
      spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
        ?.nodeSelectorTerms
    // Terms are ORed; an empty list matches nothing, as in Kubernetes.
    if (required && !required.some((t) => matchesTerm(node.labels, node.name, t))) {
      return unresolvable(ERR_REASON_POD)
    }
    return SUCCESS
  },
  // Without preferred terms every node scores 0.
  preScore: (_state, pod) =>
    (pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      .length === 0
      ? SKIP
      : undefined,
  score(_state, pod, node) {
    let total = 0
    const preferred =
      pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    for (const p of preferred) {
      if (p.weight && matchesTerm(node.labels, node.name, p.preference)) total += p.weight
    }
    return total
  },
  normalizeScore(_state, _pod, scores) {
    const max = Math.max(0, ...scores)
    if (max === 0) return
    for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] * MAX_NODE_SCORE) / max
  }
}
