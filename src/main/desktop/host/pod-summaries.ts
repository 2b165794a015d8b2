/**
 * The `pods` topic: every Pod (or one namespace's) as a PodSummary for the Nodes view. STATUS,
 * READY and RESTARTS come from the API server's own pod printer (`kubectl get pods`); requests
 * are counted as kube-scheduler's `computePodResourceRequest` does (cpu and memory only). Built for 10,000 pods: a summary is computed once per
 * object version (objects are immutable, so a WeakMap keyed by the object is a safe cache).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1'
import { parseQuantity } from '../../apiserver/admission/shape'
import type { KubeObject } from '../../apiserver/types'
import { podSummary } from '../../apiserver/tables/pods'
import type { PodSummary, ResourceAmounts } from '../../../shared/desktop-api'
import type { ListTopic } from './list-subscription'
import { uidOf } from './list-watch'

/** The pod phases, in the order the UI shows them. */
export const POD_PHASES: readonly PodSummary['phase'][] = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Unknown'
]

/** A pod's phase as the contract has it (unset: Pending, anything unheard of: Unknown). */
export function podPhase(obj: KubeObject): PodSummary['phase'] {
  const phase = (obj as unknown as Pod).status?.phase ?? 'Pending'
  return (POD_PHASES as readonly string[]).includes(phase)
    ? (phase as PodSummary['phase'])
    : 'Unknown'
}

/** One container's cpu (millicores) and memory request; a limit alone stands for the request. */
function containerRequest(c: Container): ResourceAmounts {
  const requests = c.resources?.requests
  const limits = c.resources?.limits
  const cpu = parseQuantity(requests?.cpu ?? limits?.cpu) ?? 0
  return {
    cpuMillis: Math.round(cpu * 1000),
    memoryBytes: parseQuantity(requests?.memory ?? limits?.memory) ?? 0
  }
}

/**
 * What the scheduler counts for a pod: the sum over its containers, at least the largest init
 * container, plus `spec.overhead`.
 */
export function podRequestTotals(pod: Pod): ResourceAmounts {
  let cpuMillis = 0
  let memoryBytes = 0
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequest(c)
    cpuMillis += r.cpuMillis
    memoryBytes += r.memoryBytes
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequest(c)
    cpuMillis = Math.max(cpuMillis, r.cpuMillis)
    memoryBytes = Math.max(memoryBytes, r.memoryBytes)
  }
  const overhead = pod.spec?.overhead
  if (overhead) {
    cpuMillis += Math.round((parseQuantity(overhead.cpu) ?? 0) * 1000)
    memoryBytes += parseQuantity(overhead.memory) ?? 0
  }
  return { cpuMillis, memoryBytes }
}

/** Computes the summary of one pod (uncached). */
export function toPodSummary(obj: KubeObject, now = new Date()): PodSummary {
  const pod = obj as unknown as Pod
  const meta = obj.metadata
  const printed = podSummary(obj as unknown as Record<string, unknown>, now)
  const owner = meta.ownerReferences?.find((r) => r.controller)
  const summary: PodSummary = {
    key: uidOf(obj),
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    phase: podPhase(obj),
    status: printed.status,
    ready: printed.ready,
    // "3 (2m ago)": the count is what the summary keeps.
    restarts: parseInt(printed.restarts, 10) || 0,
    createdAt: meta.creationTimestamp ?? '',
    requests: podRequestTotals(pod),
    containers: (pod.spec?.containers ?? []).map((c) => c.name),
    labels: meta.labels ?? {}
  }
  if (pod.spec?.nodeName) summary.nodeName = pod.spec.nodeName
  if (pod.status?.podIP) summary.podIP = pod.status.podIP
  if (owner) summary.owner = { kind: owner.kind, name: owner.name }
  return summary
}

const cache = new WeakMap<KubeObject, PodSummary>()

/** The summary of one pod, computed once per object version. */
export function podSummaryOf(obj: KubeObject): PodSummary {
  let summary = cache.get(obj)
  if (!summary) cache.set(obj, (summary = toPodSummary(obj)))
  return summary
}

/** The `pods` topic for `params`. */
export function podsTopic(params: { namespace?: string }): ListTopic<PodSummary> {
  const namespace = params.namespace || undefined
  return {
    map: podSummaryOf,
    ...(namespace ? { filter: (obj: KubeObject) => obj.metadata.namespace === namespace } : {})
  }
}
