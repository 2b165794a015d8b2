/**
 * Pod predicates controllers share (kube-controller-manager's `controller_utils.go` and
 * `podutil`): active, ready, available, and the order in which surplus pods are deleted.
 */
import type { Pod } from 'kubernetes-types/core/v1'

/** The Pod resource type. */
export const POD_TYPE = { apiVersion: 'v1', kind: 'Pod' }

/** Not terminal and not being deleted (`FilterActivePods`). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}

/** Ready for at least `minReadySeconds` (`IsPodAvailable`). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false
  if (minReadySeconds <= 0) return true
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')
  const since = Date.parse(ready?.lastTransitionTime ?? '')
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now
}

const phaseRank = (pod: Pod): number =>
  pod.status?.phase === 'Pending' ? 0 : pod.status?.phase === 'Running' ? 2 : 1

const restarts = (pod: Pod): number =>
  (pod.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0)

const time = (s: string | undefined): number => (s ? Date.parse(s) || 0 : 0)

const deletionCost = (pod: Pod): number =>
  Number(pod.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0) || 0

/**
 * Orders pods so the ones to delete first come first (`ActivePodsWithRanks`): unscheduled before
 * scheduled, Pending before Unknown before Running, not ready before ready, lower deletion cost,
 * ready for less time, more restarts, then the newest.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 1 : 0
  const sb = b.spec?.nodeName ? 1 : 0
  if (sa !== sb) return sa - sb
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b)
  const ra = isPodReady(a) ? 1 : 0
  const rb = isPodReady(b) ? 1 : 0
  if (ra !== rb) return ra - rb
  if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) - deletionCost(b)
  if (ra && rb) {
    const readyAt = (p: Pod): number =>
      time(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime)
    if (readyAt(a) !== readyAt(b)) return readyAt(b) - readyAt(a)
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a)
  return time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp)
}

/**
 * Runs `fn` `count` times in batches of 1, 2, 4… (`slowStartBatch`), stopping after a batch
 * with a failure so a quota or admission error costs one call rather than hundreds. Answers how
 * many calls were made, how many succeeded, and the first error.
 */
export async function slowStartBatch(
  count: number,
  initialBatch: number,
  fn: () => Promise<void>
): Promise<{ successes: number; attempted: number; error?: unknown }> {
  let remaining = count
  let successes = 0
  let attempted = 0
  for (let batch = Math.min(remaining, initialBatch); batch > 0;) {
    attempted += batch
    const results = await Promise.allSettled(Array.from({ length: batch }, fn))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    successes += results.filter((r) => r.status === 'fulfilled').length
    if (failed) return { successes, attempted, error: failed.reason }
    remaining -= batch
    batch = Math.min(2 * batch, remaining)
  }
  return { successes, attempted }
}
