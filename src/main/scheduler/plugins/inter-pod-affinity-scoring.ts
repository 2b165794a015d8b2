/**
 * InterPodAffinity scoring (kube-scheduler's interpodaffinity `scoring.go`): every topology
 * domain gets points from the pods already running in it —
 *   + the weight of each preferred affinity term of the incoming pod that an existing pod matches,
 *   − the weight of each preferred anti-affinity term of the incoming pod an existing pod matches,
 *   + HARD_POD_AFFINITY_WEIGHT for each required affinity term of an existing pod the incoming
 *     pod matches, ± the weights of the existing pod's preferred (anti-)affinity terms likewise —
 * and a node scores the sum over the domains it belongs to (`hostname=n1`, `zone=a` …),
 * rescaled min–max onto 0…MAX_NODE_SCORE.
 */
import type { PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1'
import type { NodeInfo, PodInfo } from '../framework/node-info'
import type { CycleState, Status } from '../framework/types'
import { clusterHints, MAX_NODE_SCORE, SKIP } from '../framework/types'
import { matchesLabelSelector } from '../framework/selectors'

/** kube-scheduler's default `hardPodAffinityWeight`: what an existing pod's required term adds. */
export const HARD_POD_AFFINITY_WEIGHT = 1

const KEY = 'InterPodAffinity/score'

/** True when `target` is selected by `term` of `owner` (namespaces default to the owner's). */
export function termMatches(owner: PodInfo, term: PodAffinityTerm, target: PodInfo): boolean {
  const namespaces =
    term.namespaces && term.namespaces.length > 0 ? term.namespaces : [owner.namespace]
  return (
    namespaces.includes(target.namespace) && matchesLabelSelector(target.labels, term.labelSelector)
  )
}

/** Points per topology domain: topologyKey → value → points. */
type TopologyScore = Map<string, Map<string, number>>

function add(scores: TopologyScore, node: NodeInfo, key: string, points: number): void {
  const value = node.labels[key]
  if (value === undefined || points === 0) return
  let byValue = scores.get(key)
  if (!byValue) scores.set(key, (byValue = new Map()))
  byValue.set(value, (byValue.get(value) ?? 0) + points)
}

function weighted(
  scores: TopologyScore,
  node: NodeInfo,
  terms: readonly WeightedPodAffinityTerm[],
  owner: PodInfo,
  target: PodInfo,
  sign: 1 | -1
): void {
  for (const t of terms) {
    const term = t.podAffinityTerm
    if (t.weight && termMatches(owner, term, target))
      add(scores, node, term.topologyKey, sign * t.weight)
  }
}

/** Collects the points of every domain for `pod`; SKIP when no pod has any preference. */
export function preScoreInterPodAffinity(
  state: CycleState,
  pod: PodInfo,
  all: readonly NodeInfo[]
): Status | void {
  const affinity = pod.pod.spec?.affinity
  const preferred = affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
  const preferredAnti =
    affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
  const own = preferred.length + preferredAnti.length > 0
  // No preferences of its own and no pod with affinity terms anywhere: skip the walk.
  if (!own && clusterHints(state)?.podsWithAffinity === 0) return SKIP
  const scores: TopologyScore = new Map()
  for (const node of all) {
    // Without preferences of its own, only pods with affinity terms can move the score.
    if (!own && node.podsWithAffinity === 0) continue
    for (const other of node.pods.values()) {
      if (other.key === pod.key) continue
      weighted(scores, node, preferred, pod, other, 1)
      weighted(scores, node, preferredAnti, pod, other, -1)
      if (!other.hasAffinity) continue
      const theirs = other.pod.spec?.affinity
      for (const term of theirs?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ??
        []) {
        if (termMatches(other, term, pod))
          add(scores, node, term.topologyKey, HARD_POD_AFFINITY_WEIGHT)
      }
      const theirPreferred =
        theirs?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
      const theirPreferredAnti =
        theirs?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
      weighted(scores, node, theirPreferred, other, pod, 1)
      weighted(scores, node, theirPreferredAnti, other, pod, -1)
    }
  }
  // No points anywhere: every node would score the same.
  if (scores.size === 0) return SKIP
  state.set(KEY, scores)
}

/** A node's points: the sum over the domains it is in. */
export function scoreInterPodAffinity(state: CycleState, node: NodeInfo): number {
  const scores = state.get(KEY) as TopologyScore | undefined
  if (!scores) return 0
  let total = 0
  for (const [key, byValue] of scores) {
    const value = node.labels[key]
    if (value !== undefined) total += byValue.get(value) ?? 0
  }
  return total
}

/** Min–max onto 0…MAX_NODE_SCORE; all equal → 0 everywhere, as kube-scheduler. */
export function normalizeInterPodAffinity(scores: number[]): void {
  let min = Infinity
  let max = -Infinity
  for (const s of scores) {
    if (s < min) min = s
    if (s > max) max = s
  }
  const diff = max - min
  for (let i = 0; i < scores.length; i++) {
    scores[i] = diff > 0 ? (MAX_NODE_SCORE * (scores[i] - min)) / diff : 0
  }
}
