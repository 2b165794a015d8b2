/**
 * The FailedScheduling message, worded as kube-scheduler's FitError: a sorted histogram of the
 * filter reasons, then what preemption would find (KubeDesk does not preempt).
 */
import type { Status } from './types'

/** Preemption's reason for a node no eviction could help. */
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling'
/** Preemption's reason for a node without lower-priority pods to evict. */
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod'

function histogram(counts: Map<string, number>): string {
  // kube-scheduler sorts the "count reason" strings as strings.
  return [...counts.entries()]
    .map(([reason, n]) => `${n} ${reason}`)
    .sort()
    .join(', ')
}

/** "0/4 nodes are available: 1 node(s) had untolerated taint {…}, 3 Insufficient cpu. preemption: …" */
export function fitErrorMessage(numAllNodes: number, statuses: Iterable<Status>): string {
  const reasons = new Map<string, number>()
  const preemption = new Map<string, number>()
  for (const s of statuses) {
    for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1)
    const p = s.code === 'Unschedulable' ? NO_PREEMPTION_VICTIMS : PREEMPTION_NOT_HELPFUL
    preemption.set(p, (preemption.get(p) ?? 0) + 1)
  }
  if (numAllNodes === 0) return 'no nodes available to schedule pods'
  return (
    `0/${numAllNodes} nodes are available: ${histogram(reasons)}. ` +
    `preemption: 0/${numAllNodes} nodes are available: ${histogram(preemption)}.`
  )
}
