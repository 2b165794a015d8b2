/**
 * Scaling a Deployment outside a rollout step (kube-controller-manager's `sync.go`: `scale`,
 * `isScalingEvent`, `GetReplicaSetProportion`): when `spec.replicas` changes during a rollout,
 * or while the Deployment is paused, the change is spread over the active ReplicaSets in
 * proportion to their sizes, measured against the `max-replicas` annotation each carries from
 * the last time it was scaled. Leftovers go to the largest.
 */
import {
  byCreation,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  resolveFenceposts,
  specReplicas,
  type DeploymentObj,
  type ReplicaSetObj
} from './deployment-util'
import type { RolloutOps } from './rollout'

const size = (rs: ReplicaSetObj): number => rs.spec?.replicas ?? 0
const annotation = (rs: ReplicaSetObj, key: string): number | undefined => {
  const v = rs.metadata.annotations?.[key]
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined
}
const isRolling = (d: DeploymentObj): boolean => d.spec?.strategy?.type !== 'Recreate'
const maxSurge = (d: DeploymentObj): number => (isRolling(d) ? resolveFenceposts(d).maxSurge : 0)

/**
 * `isScalingEvent`: an active ReplicaSet was last scaled for another `spec.replicas` than the
 * Deployment's (its desired-replicas annotation differs).
 */
export function isScalingEvent(d: DeploymentObj, sets: ReplicaSetObj[]): boolean {
  const replicas = d.spec?.replicas ?? 1
  return sets.some((rs) => {
    if (size(rs) === 0) return false
    const desired = annotation(rs, DESIRED_REPLICAS)
    return desired !== undefined && desired !== replicas
  })
}

/** `IsSaturated`: the new ReplicaSet has all the replicas, all available. */
function isSaturated(d: DeploymentObj, newRS: ReplicaSetObj | undefined): boolean {
  if (!newRS) return false
  const replicas = d.spec?.replicas ?? 1
  return (
    annotation(newRS, DESIRED_REPLICAS) === replicas &&
    size(newRS) === replicas &&
    (newRS.status?.availableReplicas ?? 0) === replicas
  )
}

/** `FindActiveOrLatest`: the one active ReplicaSet, the newest when none is; none when several. */
function activeOrLatest(
  newRS: ReplicaSetObj | undefined,
  oldSets: ReplicaSetObj[]
): ReplicaSetObj | undefined {
  const active = [...oldSets, ...(newRS ? [newRS] : [])].filter((rs) => size(rs) > 0)
  if (active.length === 1) return active[0]
  if (active.length > 1) return undefined
  return newRS ?? [...oldSets].sort(byCreation).at(-1)
}

/**
 * `getReplicaSetFraction`: how many replicas `rs` gains (or loses) so that it keeps its share
 * of the Deployment's new maximum size.
 */
function fraction(rs: ReplicaSetObj, d: DeploymentObj): number {
  const replicas = d.spec?.replicas ?? 1
  if (replicas === 0) return -size(rs)
  const maxNow = replicas + maxSurge(d)
  let maxBefore = annotation(rs, MAX_REPLICAS) ?? 0
  // Edited by hand, or scaled up from zero: fall back to the current size of the Deployment.
  if (maxBefore === 0) maxBefore = d.status?.replicas ?? 0
  if (maxBefore === 0) return 0
  // Go's math.Round: halves away from zero (sizes are never negative here).
  return Math.round((size(rs) * maxNow) / maxBefore) - size(rs)
}

/** `GetReplicaSetProportion`: the fraction, never beyond what is left to add or remove. */
export function replicaSetProportion(
  rs: ReplicaSetObj,
  d: DeploymentObj,
  toAdd: number,
  added: number
): number {
  if (size(rs) === 0 || toAdd === 0 || toAdd === added) return 0
  const f = fraction(rs, d)
  const allowed = toAdd - added
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed)
}

/**
 * The new sizes `scale` gives the active ReplicaSets of a rolling Deployment that is not
 * saturated: the Deployment's allowed size minus what they have, shared by proportion.
 */
export function proportionalSizes(
  d: DeploymentObj,
  newRS: ReplicaSetObj | undefined,
  oldSets: ReplicaSetObj[]
): Map<ReplicaSetObj, number> {
  const replicas = d.spec?.replicas ?? 1
  const active = [...oldSets, ...(newRS ? [newRS] : [])].filter((rs) => size(rs) > 0)
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0
  const toAdd = allowed - specReplicas(active)
  // Largest first; among equals, newer first when growing (they are the future), older first
  // when shrinking (`ReplicaSetsBySizeNewer` / `ReplicaSetsBySizeOlder`).
  active.sort((a, b) => {
    if (size(a) !== size(b)) return size(b) - size(a)
    return toAdd > 0 ? byCreation(b, a) : byCreation(a, b)
  })
  const sizes = new Map<ReplicaSetObj, number>()
  let added = 0
  for (const rs of active) {
    const p = replicaSetProportion(rs, d, toAdd, added)
    sizes.set(rs, size(rs) + p)
    added += p
  }
  if (active.length > 0 && toAdd !== 0) {
    const largest = active[0]
    sizes.set(largest, Math.max(0, sizes.get(largest)! + toAdd - added))
  }
  return sizes
}

/** `scale`: brings the ReplicaSets to the Deployment's size (proportionally when rolling). */
export async function scaleDeployment(
  d: DeploymentObj,
  newRS: ReplicaSetObj | undefined,
  oldSets: ReplicaSetObj[],
  ops: RolloutOps
): Promise<void> {
  const replicas = d.spec?.replicas ?? 1
  const only = activeOrLatest(newRS, oldSets)
  if (only) {
    if (size(only) !== replicas) await ops.scale(only, replicas, d)
    return
  }
  if (isSaturated(d, newRS)) {
    for (const rs of oldSets) if (size(rs) > 0) await ops.scale(rs, 0, d)
    return
  }
  if (!isRolling(d)) return
  // Every active ReplicaSet is written, so each carries the new desired/max annotations.
  for (const [rs, n] of proportionalSizes(d, newRS, oldSets)) await ops.scale(rs, n, d)
}
