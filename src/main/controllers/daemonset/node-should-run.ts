/**
 * Which nodes a DaemonSet's pod belongs on (kube-controller-manager's `NodeShouldRunDaemonPod`
 * and `AddOrUpdateDaemonPodTolerations`): the node must match the template's `nodeName`,
 * `nodeSelector` and required node affinity, and its NoSchedule/NoExecute taints must be
 * tolerated — by the template's tolerations plus the ones every daemon pod gets, so daemon pods
 * survive not-ready, unreachable, pressured and cordoned nodes.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1'
import type { Node, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'
import { matchesTerm, tolerates } from '../../scheduler/framework/selectors'

/** A DaemonSet as the cache holds it. */
export type DaemonSetObj = DaemonSet & KubeObject
/** A Node as the cache holds it. */
export type NodeObj = Node & KubeObject

/**
 * The tolerations the controller adds to every daemon pod, in Kubernetes' order: NoExecute
 * not-ready and unreachable without tolerationSeconds (never evicted), and the NoSchedule
 * condition taints (`TaintNodesByCondition`).
 */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }
]

/** Added as well when the pod uses the host network (a CNI plugin must run before networking). */
const NETWORK_UNAVAILABLE: Toleration = {
  key: 'node.kubernetes.io/network-unavailable',
  operator: 'Exists',
  effect: 'NoSchedule'
}

const sameToleration = (a: Toleration, b: Toleration): boolean =>
  (a.key ?? '') === (b.key ?? '') &&
  (a.operator ?? 'Equal') === (b.operator ?? 'Equal') &&
  (a.value ?? '') === (b.value ?? '') &&
  (a.effect ?? '') === (b.effect ?? '')

/**
 * `AddOrUpdateDaemonPodTolerations`: the daemon tolerations added to `spec` (changed in place),
 * each replacing an equal one the template already has.
 */
export function addDaemonPodTolerations(spec: PodSpec): void {
  const wanted = [...DAEMON_POD_TOLERATIONS, ...(spec.hostNetwork ? [NETWORK_UNAVAILABLE] : [])]
  const tolerations = spec.tolerations ?? []
  for (const t of wanted) {
    const i = tolerations.findIndex((x) => sameToleration(x, t))
    if (i >= 0) tolerations[i] = { ...t }
    else tolerations.push({ ...t })
  }
  spec.tolerations = tolerations
}

/** The first taint with one of `effects` that none of `tolerations` tolerates. */
function untoleratedTaint(
  taints: Taint[],
  tolerations: Toleration[],
  effects: string[]
): Taint | undefined {
  return taints.find(
    (taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint))
  )
}

/** Whether the node matches `nodeSelector` and the required node affinity of `spec`. */
export function fitsNodeAffinity(spec: PodSpec | undefined, node: NodeObj): boolean {
  const labels = node.metadata.labels ?? {}
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false
  const terms =
    spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  // Terms are ORed; an empty list matches nothing.
  return !terms || terms.some((t) => matchesTerm(labels, node.metadata.name ?? '', t))
}

/** What `nodeShouldRunDaemonPod` answers. */
export interface ShouldRun {
  /** A daemon pod should be created here when there is none. */
  shouldRun: boolean
  /** A daemon pod already here may stay (its NoExecute taints are tolerated). */
  shouldContinueRunning: boolean
}

/** `NodeShouldRunDaemonPod`: whether `ds` wants a pod on `node`. */
export function nodeShouldRunDaemonPod(node: NodeObj, ds: DaemonSetObj): ShouldRun {
  const spec = ds.spec?.template?.spec
  const name = node.metadata.name ?? ''
  if (spec?.nodeName && spec.nodeName !== name)
    return { shouldRun: false, shouldContinueRunning: false }
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false }
  const tolerations = [...(spec?.tolerations ?? [])]
  const probe: PodSpec = { containers: [], tolerations, hostNetwork: spec?.hostNetwork }
  addDaemonPodTolerations(probe)
  const taints = node.spec?.taints ?? []
  if (!untoleratedTaint(taints, probe.tolerations!, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: true, shouldContinueRunning: true }
  }
  // Pods already running stay unless a NoExecute taint would evict them anyway.
  return {
    shouldRun: false,
    shouldContinueRunning: !untoleratedTaint(taints, probe.tolerations!, ['NoExecute'])
  }
}
