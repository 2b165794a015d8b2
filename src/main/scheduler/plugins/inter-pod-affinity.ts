/**
 * InterPodAffinity. Filter (required terms): a pod goes only where pods matching its affinity
 * terms run in the same topology domain, never where pods matching its anti-affinity terms run,
 * and never where an existing pod's anti-affinity would reject it. Score (preferred terms, and
 * existing pods' terms about this pod): see inter-pod-affinity-scoring.ts.
 */
import type { PodAffinityTerm } from 'kubernetes-types/core/v1'
import type { NodeInfo, PodInfo } from '../framework/node-info'
import type {
  CycleState,
  FilterPlugin,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin
} from '../framework/types'
import { clusterHints, SKIP, SUCCESS, unresolvable, unschedulable } from '../framework/types'
import {
  normalizeInterPodAffinity,
  preScoreInterPodAffinity,
  scoreInterPodAffinity,
  termMatches
} from './inter-pod-affinity-scoring'

/** The plugin's name. */
export const INTER_POD_AFFINITY = 'InterPodAffinity'
/** The reason for a node without the pods the pod's affinity needs. */
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
/** The reason for a node running pods the pod's anti-affinity excludes. */
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH =
  "node(s) didn't match pod anti-affinity rules"
/** The reason for a node whose pods' anti-affinity excludes this pod. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH =
  "node(s) didn't satisfy existing pods anti-affinity rules"

const KEY = INTER_POD_AFFINITY

/** `topologyKey=value` domains, per term, where matching pods run. */
interface AffinityState {
  affinity: Set<string>[]
  anti: Set<string>[]
  /** Domains where an existing pod's anti-affinity excludes the incoming pod. */
  existingAnti: Set<string>
  affinityTerms: PodAffinityTerm[]
  antiTerms: PodAffinityTerm[]
}

/** Filters on required pod affinity and anti-affinity; scores preferred terms (weight 2). */
export const interPodAffinity: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin = {
  name: INTER_POD_AFFINITY,
  weight: 2,
  preScore: (state, pod, _feasible, all) => preScoreInterPodAffinity(state, pod, all),
  score: (state, _pod, node) => scoreInterPodAffinity(state, node),
  normalizeScore: (_state, _pod, scores) => normalizeInterPodAffinity(scores),
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
    const affinityTerms =
      pod.pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    const antiTerms =
      pod.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    // Nothing to check anywhere: skip the walk over every node.
    const none = affinityTerms.length + antiTerms.length === 0
    if (none && clusterHints(state)?.podsWithRequiredAntiAffinity === 0) return SKIP
    const s: AffinityState = {
      affinity: affinityTerms.map(() => new Set()),
      anti: antiTerms.map(() => new Set()),
      existingAnti: new Set(),
      affinityTerms,
      antiTerms
    }
    const ownTerms = affinityTerms.length + antiTerms.length > 0
    for (const node of nodes) {
      // Without terms of its own, only pods with anti-affinity can reject this pod.
      if (!ownTerms && node.podsWithRequiredAntiAffinity === 0) continue
      for (const other of node.pods.values()) {
        if (other.key === pod.key) continue
        affinityTerms.forEach((t, i) => {
          const v = node.labels[t.topologyKey]
          if (v !== undefined && termMatches(pod, t, other)) s.affinity[i].add(v)
        })
        antiTerms.forEach((t, i) => {
          const v = node.labels[t.topologyKey]
          if (v !== undefined && termMatches(pod, t, other)) s.anti[i].add(v)
        })
        const theirs =
          other.pod.spec?.affinity?.podAntiAffinity
            ?.requiredDuringSchedulingIgnoredDuringExecution ?? []
        for (const t of theirs) {
          const v = node.labels[t.topologyKey]
          if (v !== undefined && termMatches(other, t, pod))
            s.existingAnti.add(`${t.topologyKey}=${v}`)
        }
      }
    }
    if (!ownTerms && s.existingAnti.size === 0) return SKIP
    state.set(KEY, s)
    return SUCCESS
  },
  filter(state, pod, node) {
    const s = state.get(KEY) as AffinityState | undefined
    if (!s) return SUCCESS
    if (s.existingAnti.size > 0) {
      for (const [k, v] of Object.entries(node.labels)) {
        if (s.existingAnti.has(`${k}=${v}`))
          return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH)
      }
    }
    for (let i = 0; i < s.antiTerms.length; i++) {
      const v = node.labels[s.antiTerms[i].topologyKey]
      if (v !== undefined && s.anti[i].has(v))
        return unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
    }
    for (let i = 0; i < s.affinityTerms.length; i++) {
      const t = s.affinityTerms[i]
      const v = node.labels[t.topologyKey]
      if (v !== undefined && s.affinity[i].has(v)) continue
      // The first pod of a group that matches its own affinity may go anywhere with the key.
      const noneAnywhere = s.affinity.every((set) => set.size === 0)
      if (v !== undefined && noneAnywhere && termMatches(pod, t, pod)) continue
      return unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH)
    }
    return SUCCESS
  }
}
