/**
 * Which pods `kubectl drain` deletes, as its pod filters decide (k8s.io/kubectl/pkg/drain,
 * filters.go), in their order: DaemonSet-managed pods are never deleted and block the drain
 * unless --ignore-daemonsets (a pod whose DaemonSet is gone goes with --force); mirror pods are
 * skipped (the kubelet owns them); pods with an emptyDir volume block unless
 * --delete-emptydir-data; pods that declare no controller block unless --force. Finished pods
 * (Succeeded, Failed) may always go. Pure: the caller looks the DaemonSets up.
 */
import { isMirrorPod } from '../../../../agent/kubelet/mirror-pod'
import type { KubeObject } from '../../../apiserver/types'
import { getControllerOf } from '../../../controllers/shared/controller-ref'
import type { DrainOptions } from '../../../../shared/desktop-api'

/** The messages kubectl uses, so a user finds them in Kubernetes' docs. */
export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)'
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods'
export const LOCAL_STORAGE_FATAL =
  'Pods with local storage (use --delete-emptydir-data to override)'
export const UNMANAGED_FATAL =
  'cannot delete Pods that declare no controller (use --force to override)'
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller'
export const ORPHANED_DAEMONSET_WARNING = 'deleting Pods whose DaemonSet is gone'
export const ORPHANED_DAEMONSET_FATAL = 'Pods whose DaemonSet is gone (use --force to override)'

/**
 * What drain does with one pod: `delete` it or not; `skip` it quietly (mirror pods), go on with
 * a `warning`, or refuse the whole drain with an `error`.
 */
export interface PodDeleteStatus {
  delete: boolean
  reason: 'okay' | 'skip' | 'warning' | 'error'
  message?: string
}

const OKAY: PodDeleteStatus = { delete: true, reason: 'okay' }
const SKIP: PodDeleteStatus = { delete: false, reason: 'skip' }
const warn = (remove: boolean, message: string): PodDeleteStatus => ({
  delete: remove,
  reason: 'warning',
  message
})
const refuse = (message: string): PodDeleteStatus => ({ delete: false, reason: 'error', message })

/** The DaemonSet that controls `pod` (its name), if one does. */
export function daemonSetOf(pod: KubeObject): string | undefined {
  const ref = getControllerOf(pod)
  return ref?.kind === 'DaemonSet' ? ref.name : undefined
}

/** Whether the pod has run to completion: any drain may delete it. */
function finished(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase
  return phase === 'Succeeded' || phase === 'Failed'
}

function hasLocalStorage(pod: KubeObject): boolean {
  const volumes = (pod.spec as { volumes?: { emptyDir?: unknown }[] } | undefined)?.volumes ?? []
  return volumes.some((v) => v.emptyDir !== undefined && v.emptyDir !== null)
}

/**
 * What drain does with `pod`, given the flags and whether its DaemonSet (if any) still exists.
 * The first filter that keeps the pod decides; otherwise it goes, with the last warning.
 */
export function drainPodStatus(
  pod: KubeObject,
  opts: DrainOptions,
  daemonSetExists: (namespace: string, name: string) => boolean
): PodDeleteStatus {
  let status = OKAY
  for (const filter of FILTERS) {
    const next = filter(pod, opts, daemonSetExists)
    if (!next.delete) return next
    // kubectl keeps only the last filter's status, dropping earlier warnings (its TODO says
    // so); the warning is what the user should read, so it stays.
    if (next.reason === 'warning') status = next
  }
  return status
}

type PodFilter = (
  pod: KubeObject,
  opts: DrainOptions,
  daemonSetExists: (namespace: string, name: string) => boolean
) => PodDeleteStatus

const FILTERS: readonly PodFilter[] = [
  function daemonSetFilter(pod, opts, daemonSetExists) {
    const daemonSet = daemonSetOf(pod)
    if (daemonSet === undefined || finished(pod)) return OKAY
    if (!daemonSetExists(pod.metadata?.namespace ?? 'default', daemonSet)) {
      return opts.force ? warn(true, ORPHANED_DAEMONSET_WARNING) : refuse(ORPHANED_DAEMONSET_FATAL)
    }
    return opts.ignoreDaemonSets ? warn(false, DAEMONSET_WARNING) : refuse(DAEMONSET_FATAL)
  },
  function mirrorPodFilter(pod) {
    return isMirrorPod(pod) ? SKIP : OKAY
  },
  function localStorageFilter(pod, opts) {
    if (!hasLocalStorage(pod) || finished(pod)) return OKAY
    return opts.deleteEmptyDirData ? OKAY : refuse(LOCAL_STORAGE_FATAL)
  },
  function unreplicatedFilter(pod, opts) {
    if (finished(pod) || getControllerOf(pod)) return OKAY
    return opts.force ? warn(true, UNMANAGED_WARNING) : refuse(UNMANAGED_FATAL)
  }
]

/**
 * The pods each message names, "message: ns/a, ns/b", joined by "; " (kubectl prefixes an
 * error that does not say so with "cannot delete").
 */
export function groupByMessage(
  entries: readonly { pod: KubeObject; status: PodDeleteStatus }[],
  reason: PodDeleteStatus['reason']
): string[] {
  const byMessage = new Map<string, string[]>()
  for (const { pod, status } of entries) {
    if (status.reason !== reason || !status.message) continue
    const names = byMessage.get(status.message) ?? []
    names.push(`${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`)
    byMessage.set(status.message, names)
  }
  return [...byMessage].map(([message, pods]) => {
    const text =
      reason === 'error' && !/^cannot delete/i.test(message) ? `cannot delete ${message}` : message
    return `${text}: ${pods.sort().join(', ')}`
  })
}
