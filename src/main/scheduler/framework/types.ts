/**
 * The scheduling framework's vocabulary, after kube-scheduler's `pkg/scheduler/framework`:
 * Status values (never exceptions) and one small interface per extension point.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import type { NodeInfo, PodInfo } from './node-info'

/** Outcome codes, as kube-scheduler's `framework.Code`. */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip'

/** The result of one plugin at one extension point; `reasons` are what a user reads. */
export interface Status {
  code: Code
  reasons: string[]
  /** The plugin that failed (filled in by the framework). */
  plugin?: string
}

/** The shared success value (never mutated). */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status

/** From PreFilter: the plugin has nothing to check for this pod; its Filter is not run. */
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: [] }) as Status

/** A failure that preemption could help with (e.g. Insufficient cpu). */
export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons }
}

/** A failure no preemption can fix (taints, node selectors …). */
export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons }
}

/** Per-cycle scratch space plugins fill in `preFilter`/`preScore` and read in `filter`/`score`. */
export type CycleState = Map<string, unknown>

/**
 * What the scheduler's cache knows about all nodes at once (kube-scheduler's snapshot lists of
 * nodes with affinity pods), so a plugin can skip a walk over every node that would find nothing.
 * Counts may be too high (a pod on a deleted node), never too low.
 */
export interface ClusterHints {
  /** Pods with any pod affinity or anti-affinity terms, bound or assumed. */
  podsWithAffinity: number
  /** Pods with required pod anti-affinity terms, bound or assumed. */
  podsWithRequiredAntiAffinity: number
}

/** Where the cycle state holds the ClusterHints, when the caller gave them. */
export const CLUSTER_HINTS = 'ClusterHints'

/** The hints of this cycle, if any. */
export function clusterHints(state: CycleState): ClusterHints | undefined {
  return state.get(CLUSTER_HINTS) as ClusterHints | undefined
}

/** The highest score a plugin may give a node. */
export const MAX_NODE_SCORE = 100

/** What every plugin has. */
export interface Plugin {
  readonly name: string
}

/** Computes state once per pod before filtering; may reject the pod outright. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status
}

/** Decides whether the pod can run on one node. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status
}

/**
 * Computes state once per pod before scoring the feasible nodes. Answering SKIP means the
 * plugin's Score would rank every feasible node alike for this pod: it is not run (as
 * kube-scheduler's PreScore Skip).
 */
export interface PreScorePlugin extends Plugin {
  preScore(
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
    all: readonly NodeInfo[]
  ): Status | void
}

/** Ranks a feasible node, 0…MAX_NODE_SCORE after `normalizeScore`. */
export interface ScorePlugin extends Plugin {
  /** Multiplies the plugin's normalized score (kube-scheduler's default weights). */
  readonly weight: number
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number
  /** Rescales raw scores in place to 0…MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[]): void
}

/** Any plugin: implements one or more extension points. */
export type AnyPlugin = Plugin &
  Partial<Pick<PreFilterPlugin, 'preFilter'>> &
  Partial<Pick<FilterPlugin, 'filter'>> &
  Partial<Pick<PreScorePlugin, 'preScore'>> &
  Partial<Pick<ScorePlugin, 'score' | 'weight' | 'normalizeScore'>>

/** The namespace/name key of a pod. */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`
}
