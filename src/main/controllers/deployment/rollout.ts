/**
 * The two rollout strategies (kube-controller-manager's `rolling.go`, `recreate.go`, `sync.go`):
 * RollingUpdate scales the new ReplicaSet up within maxSurge and old ones down within
 * maxUnavailable as pods become available; Recreate scales old ones to zero, waits for their
 * pods to be gone, then scales the new one up.
 */
import {
  byCreation,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  maxUnavailable,
  resolveFenceposts,
  specReplicas,
  statusSum,
  type DeploymentObj,
  type ReplicaSetObj
} from './deployment-util'

/** What the strategies need from the controller. */
export interface RolloutOps {
  /** Sets `rs.spec.replicas` (and the desired/max annotations); records ScalingReplicaSet. */
  scale(rs: ReplicaSetObj, replicas: number, d: DeploymentObj): Promise<void>
  /** Whether pods of these old ReplicaSets still exist (Recreate waits for them). */
  oldPodsRunning(oldSets: ReplicaSetObj[]): boolean
}

/** The replicas the new ReplicaSet should have now (`NewRSNewReplicas`). */
export function newRSNewReplicas(
  d: DeploymentObj,
  all: ReplicaSetObj[],
  newRS: ReplicaSetObj | undefined
): number {
  const replicas = d.spec?.replicas ?? 1
  if (d.spec?.strategy?.type === 'Recreate') return replicas
  const current = newRS?.spec?.replicas ?? 0
  const { maxSurge } = resolveFenceposts(d)
  const maxTotal = replicas + maxSurge
  const existing = specReplicas(all)
  if (existing >= maxTotal) return current
  return current + Math.max(0, Math.min(maxTotal - existing, replicas - current))
}

/** `rolloutRolling` after the new ReplicaSet exists: one step up or down. */
export async function rolloutRolling(
  d: DeploymentObj,
  newRS: ReplicaSetObj,
  oldSets: ReplicaSetObj[],
  ops: RolloutOps
): Promise<boolean> {
  const all = [...oldSets, newRS]
  const replicas = d.spec?.replicas ?? 1
  // reconcileNewReplicaSet
  const current = newRS.spec?.replicas ?? 0
  if (current > replicas) {
    await ops.scale(newRS, replicas, d)
    return true
  }
  if (current < replicas) {
    const want = newRSNewReplicas(d, all, newRS)
    if (want !== current) {
      await ops.scale(newRS, want, d)
      return true
    }
  }
  return reconcileOldReplicaSets(d, newRS, oldSets, ops)
}

async function reconcileOldReplicaSets(
  d: DeploymentObj,
  newRS: ReplicaSetObj,
  oldSets: ReplicaSetObj[],
  ops: RolloutOps
): Promise<boolean> {
  const active = oldSets.filter((rs) => (rs.spec?.replicas ?? 0) > 0)
  if (specReplicas(active) === 0) return false
  const all = [...active, newRS]
  const replicas = d.spec?.replicas ?? 1
  const minAvailable = replicas - maxUnavailable(d)
  const newUnavailable = (newRS.spec?.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0)
  const maxScaledDown = specReplicas(all) - minAvailable - newUnavailable
  if (maxScaledDown <= 0) return false

  // cleanupUnhealthyReplicas: unavailable old pods go first, they cost no availability.
  let cleaned = 0
  const sorted = [...active].sort(byCreation)
  const after = new Map<ReplicaSetObj, number>()
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break
    const want = rs.spec?.replicas ?? 0
    const available = rs.status?.availableReplicas ?? 0
    if (want === available) continue
    const count = Math.min(maxScaledDown - cleaned, want - available)
    if (count <= 0) continue
    await ops.scale(rs, want - count, d)
    after.set(rs, want - count)
    cleaned += count
  }

  // scaleDownOldReplicaSetsForRollingUpdate: only what availability above the minimum allows.
  const available = statusSum(all, 'availableReplicas')
  let scaledDown = 0
  if (available > minAvailable) {
    const total = available - minAvailable
    for (const rs of sorted) {
      if (scaledDown >= total) break
      const want = after.get(rs) ?? rs.spec?.replicas ?? 0
      if (want === 0) continue
      const count = Math.min(want, total - scaledDown)
      await ops.scale(rs, want - count, d)
      scaledDown += count
    }
  }
  return cleaned + scaledDown > 0
}

/** `rolloutRecreate` steps; answers whether it may scale the new ReplicaSet up yet. */
export async function recreateScaleDown(
  d: DeploymentObj,
  oldSets: ReplicaSetObj[],
  ops: RolloutOps
): Promise<'scaled' | 'waiting' | 'ready'> {
  let scaled = false
  for (const rs of oldSets) {
    if ((rs.spec?.replicas ?? 0) === 0) continue
    await ops.scale(rs, 0, d)
    scaled = true
  }
  if (scaled) return 'scaled'
  return ops.oldPodsRunning(oldSets) ? 'waiting' : 'ready'
}

/** The desired/max annotations a ReplicaSet of `d` carries (`SetReplicasAnnotations`). */
export function replicasAnnotations(d: DeploymentObj): Record<string, string> {
  const replicas = d.spec?.replicas ?? 1
  const surge = d.spec?.strategy?.type === 'RollingUpdate' ? resolveFenceposts(d).maxSurge : 0
  return { [DESIRED_REPLICAS]: String(replicas), [MAX_REPLICAS]: String(replicas + surge) }
}
