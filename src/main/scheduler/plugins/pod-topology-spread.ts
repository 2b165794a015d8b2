/**
 * PodTopologySpread: `topologySpreadConstraints` with `whenUnsatisfiable: DoNotSchedule` —
 * placing the pod must not make any domain exceed the least-populated one by more than maxSkew.
 */
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1'
import type { NodeInfo, PodInfo } from '../framework/node-info'
import type { CycleState, FilterPlugin, PreFilterPlugin } from '../framework/types'
import { SKIP, SUCCESS, unresolvable, unschedulable } from '../framework/types'
import { matchesLabelSelector } from '../framework/selectors'

/** The plugin's name. */
export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread'
/** The reason for a node that would make a domain too crowded. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH =
  "node(s) didn't match pod topology spread constraints"
/** The reason for a node without the constraint's topology label. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH =
  "node(s) didn't match pod topology spread constraints (missing required label)"

interface Counted {
  constraint: TopologySpreadConstraint
  counts: Map<string, number>
  min: number
}

const KEY = POD_TOPOLOGY_SPREAD

function hard(pod: PodInfo): TopologySpreadConstraint[] {
  return (pod.pod.spec?.topologySpreadConstraints ?? []).filter(
    (c) => c.whenUnsatisfiable === 'DoNotSchedule'
  )
}

/** Counts matching pods per topology domain, then filters nodes by skew. */
export const podTopologySpread: PreFilterPlugin & FilterPlugin = {
  name: POD_TOPOLOGY_SPREAD,
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
    const constraints = hard(pod)
    if (constraints.length === 0) return SKIP
    const counted: Counted[] = []
    for (const constraint of constraints) {
      const counts = new Map<string, number>()
      for (const node of nodes) {
        const value = node.labels[constraint.topologyKey]
        if (value === undefined) continue
        let n = counts.get(value) ?? 0
        for (const other of node.pods.values()) {
          if (
            other.namespace === pod.namespace &&
            matchesLabelSelector(other.labels, constraint.labelSelector)
          )
            n++
        }
        counts.set(value, n)
      }
      const min = counts.size === 0 ? 0 : Math.min(...counts.values())
      counted.push({ constraint, counts, min })
    }
    state.set(KEY, counted)
    return SUCCESS
  },
  filter(state, pod, node) {
    const counted = state.get(KEY) as Counted[] | undefined
    for (const { constraint, counts, min } of counted ?? []) {
      const value = node.labels[constraint.topologyKey]
      if (value === undefined) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH)
      const self = matchesLabelSelector(pod.labels, constraint.labelSelector) ? 1 : 0
      if ((counts.get(value) ?? 0) + self - min > constraint.maxSkew) {
        return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
      }
    }
    return SUCCESS
  }
}
