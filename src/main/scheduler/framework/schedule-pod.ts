/**
 * One scheduling cycle for one pod, without side effects: PreFilter, Filter over the nodes
 * (stopping once enough feasible nodes are found, as kube-scheduler), PreScore, Score with
 * normalization and weights, and the pick (ties broken at random).
 */
import type { NodeInfo, PodInfo } from './node-info'
import type { AnyPlugin, ClusterHints, CycleState, Status } from './types'
import { CLUSTER_HINTS } from './types'

/** kube-scheduler's floor for how many feasible nodes to find before scoring. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100
/** …and the floor of the adaptive percentage. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5

/** How many feasible nodes to look for among `numAllNodes` (adaptive percentageOfNodesToScore). */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes
  let pct = percentage
  if (pct <= 0)
    pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.floor(numAllNodes / 125))
  const n = Math.floor((numAllNodes * pct) / 100)
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND)
}

/** The outcome of a cycle. */
export interface ScheduleResult {
  /** The chosen node, or undefined when none fits. */
  node?: string
  /** Why each rejected node was rejected (first failing filter). */
  rejected: Map<string, Status>
  /** A PreFilter rejection (applies to every node). */
  preFilterStatus?: Status
  feasible: number
  evaluated: number
  /** Where the next cycle starts looking (round-robin over nodes). */
  nextStartIndex: number
}

/** Runs the plugins for `pod` over `nodes` (`hints`: what the cache knows of all of them). */
export function schedulePod(
  plugins: readonly AnyPlugin[],
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  startIndex = 0,
  random: () => number = Math.random,
  hints?: ClusterHints
): ScheduleResult {
  const state: CycleState = new Map()
  if (hints) state.set(CLUSTER_HINTS, hints)
  const rejected = new Map<string, Status>()
  const skipped = new Set<string>()
  for (const p of plugins) {
    if (!p.preFilter) continue
    const s = p.preFilter(state, pod, nodes)
    if (s.code === 'Skip') {
      skipped.add(p.name)
      continue
    }
    if (s.code !== 'Success') {
      return {
        rejected,
        preFilterStatus: { ...s, plugin: p.name },
        feasible: 0,
        evaluated: 0,
        nextStartIndex: startIndex
      }
    }
  }
  const filters = plugins.filter((p) => p.filter && !skipped.has(p.name))
  const want = numFeasibleNodesToFind(nodes.length)
  const feasible: NodeInfo[] = []
  let evaluated = 0
  const n = nodes.length
  for (; evaluated < n && feasible.length < want; evaluated++) {
    const node = nodes[(startIndex + evaluated) % n]
    let failed: Status | undefined
    for (const p of filters) {
      const s = p.filter!(state, pod, node)
      if (s.code !== 'Success') {
        failed = { ...s, plugin: p.name }
        break
      }
    }
    if (failed) rejected.set(node.name, failed)
    else feasible.push(node)
  }
  const nextStartIndex = n === 0 ? 0 : (startIndex + evaluated) % n
  const base = { rejected, feasible: feasible.length, evaluated, nextStartIndex }
  if (feasible.length === 0) return base
  if (feasible.length === 1) return { ...base, node: feasible[0].name }
  const skipScore = new Set<string>()
  for (const p of plugins) {
    if (p.preScore?.(state, pod, feasible, nodes)?.code === 'Skip') skipScore.add(p.name)
  }
  const totals = new Array<number>(feasible.length).fill(0)
  const scores = new Array<number>(feasible.length)
  for (const p of plugins) {
    if (!p.score || skipScore.has(p.name)) continue
    for (let i = 0; i < feasible.length; i++) scores[i] = p.score(state, pod, feasible[i])
    p.normalizeScore?.(state, pod, scores)
    const w = p.weight ?? 1
    for (let i = 0; i < scores.length; i++) totals[i] += scores[i] * w
  }
  let best = -Infinity
  let ties = 0
  let chosen = 0
  for (let i = 0; i < totals.length; i++) {
    if (totals[i] > best) {
      best = totals[i]
      chosen = i
      ties = 1
    } else if (totals[i] === best) {
      // Reservoir sampling: each tied node is equally likely.
      ties++
      if (random() * ties < 1) chosen = i
    }
  }
  return { ...base, node: feasible[chosen].name }
}
