/**
 * How far a DaemonSet's RollingUpdate may go (`SurgeCount`, `UnavailableCount`, `AllowsSurge`
 * of `daemon/util`): `maxSurge` and `maxUnavailable` scaled against the nodes that should run a
 * pod, percentages rounded up; 0 for OnDelete.
 */
import { scaledValue } from '../deployment/deployment-util'
import type { DaemonSetObj } from './node-should-run'

const isRollingUpdate = (ds: DaemonSetObj): boolean =>
  ds.spec?.updateStrategy?.type === 'RollingUpdate'

/** `SurgeCount`: how many nodes may run an extra new pod, out of `numberToSchedule`. */
export function surgeCount(ds: DaemonSetObj, numberToSchedule: number): number {
  if (!isRollingUpdate(ds)) return 0
  return scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, numberToSchedule, true)
}

/** `UnavailableCount`: how many nodes may lack an available pod, out of `numberToSchedule`. */
export function unavailableCount(ds: DaemonSetObj, numberToSchedule: number): number {
  if (!isRollingUpdate(ds)) return 0
  const ru = ds.spec?.updateStrategy?.rollingUpdate
  return scaledValue(ru?.maxUnavailable, numberToSchedule, true)
}

/** `AllowsSurge`: whether a node may briefly hold two pods of the set. */
export function allowsSurge(ds: DaemonSetObj): boolean {
  try {
    return surgeCount(ds, 1) > 0
  } catch {
    return false
  }
}
