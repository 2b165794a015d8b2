/**
 * What the scheduler knows about a node and a pod, precomputed once: resource requests in
 * integer units (milli-CPU, bytes), host ports, and the pods a node already runs.
 */
import type { Container, Node, Pod, Taint } from 'kubernetes-types/core/v1'
import { parseQuantity } from '../../apiserver/admission/shape'
import { podKey } from './types'

/** Requested or allocatable amounts: cpu in millicores, memory and storage in bytes. */
export interface Resources {
  milliCpu: number
  memory: number
  ephemeralStorage: number
  /** Extended resources (`nvidia.com/gpu` …) by name. */
  scalar: Record<string, number>
}

/** kube-scheduler's defaults for best-effort pods when scoring (not filtering). */
export const DEFAULT_MILLI_CPU_REQUEST = 100
/** 200 MiB, as kube-scheduler. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

/** A pod with what the plugins need from it, computed once. */
export interface PodInfo {
  pod: Pod
  key: string
  namespace: string
  labels: Record<string, string>
  requests: Resources
  /** Requests with the best-effort defaults filled in, for scoring. */
  nonZero: { milliCpu: number; memory: number }
  /** `protocol/hostIP/hostPort` of each container port with a hostPort. */
  hostPorts: { protocol: string; hostIP: string; hostPort: number }[]
  hasRequiredAntiAffinity: boolean
  /** The pod has pod affinity or anti-affinity terms of any kind (they may score other pods). */
  hasAffinity: boolean
  /** The extended resources the pod requests (names of `requests.scalar`). */
  scalarNames: string[]
  /**
   * The workload the pod belongs to, for the default spread: its controller's uid, else its
   * namespace and labels; undefined for a bare pod without labels.
   */
  workload?: string
}

/** A node and the pods bound (or assumed) to it. */
export interface NodeInfo {
  node: Node
  name: string
  labels: Record<string, string>
  allocatable: Resources & { pods: number }
  requested: Resources
  /**
   * Allocatable minus requested for cpu, memory, ephemeral storage and pod slots, kept as pods
   * come and go (NodeResourcesFit's fast path reads this one object per node).
   */
  free: { milliCpu: number; memory: number; ephemeralStorage: number; pods: number }
  /**
   * `spec.unschedulable` and `spec.taints` (a shared empty list when none), read once: Filter
   * visits hundreds of nodes per pod, and reaching into each Node object costs cache misses.
   */
  unschedulable: boolean
  taints: readonly Taint[]
  nonZeroRequested: { milliCpu: number; memory: number }
  pods: Map<string, PodInfo>
  /** How many of `pods` have required anti-affinity terms (lets InterPodAffinity skip nodes). */
  podsWithRequiredAntiAffinity: number
  /** How many of `pods` have any pod (anti-)affinity terms (lets scoring skip nodes). */
  podsWithAffinity: number
  /** How many of `pods` belong to each workload (PodInfo.workload), kept as pods come and go. */
  workloadCounts: Map<string, number>
}

function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: {} }
}

function addList(into: Resources, list: Record<string, unknown> | undefined): void {
  for (const [name, raw] of Object.entries(list ?? {})) {
    const v = parseQuantity(raw) ?? 0
    if (name === 'cpu') into.milliCpu += Math.round(v * 1000)
    else if (name === 'memory') into.memory += v
    else if (name === 'ephemeral-storage') into.ephemeralStorage += v
    else if (name !== 'pods') into.scalar[name] = (into.scalar[name] ?? 0) + v
  }
}

function maxInto(into: Resources, other: Resources): void {
  into.milliCpu = Math.max(into.milliCpu, other.milliCpu)
  into.memory = Math.max(into.memory, other.memory)
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage)
  for (const [k, v] of Object.entries(other.scalar))
    into.scalar[k] = Math.max(into.scalar[k] ?? 0, v)
}

function containerRequests(c: Container): Resources {
  const r = emptyResources()
  // A limit without a request defaults the request (the API server does it too; be safe).
  addList(r, { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) })
  return r
}

/**
 * A pod's effective request: the sum over containers, at least the largest init container,
 * plus `spec.overhead` — kube-scheduler's `computePodResourceRequest`.
 */
export function podRequests(pod: Pod): Resources {
  const sum = emptyResources()
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c)
    sum.milliCpu += r.milliCpu
    sum.memory += r.memory
    sum.ephemeralStorage += r.ephemeralStorage
    for (const [k, v] of Object.entries(r.scalar)) sum.scalar[k] = (sum.scalar[k] ?? 0) + v
  }
  for (const c of pod.spec?.initContainers ?? []) maxInto(sum, containerRequests(c))
  addList(sum, pod.spec?.overhead as Record<string, unknown> | undefined)
  return sum
}

/** The workload key of a pod: its controller's uid, else its namespace and sorted labels. */
export function workloadKey(pod: Pod): string | undefined {
  const refs = pod.metadata?.ownerReferences ?? []
  const owner = refs.find((r) => r.controller) ?? refs[0]
  if (owner) return `owner:${owner.uid}`
  const labels = pod.metadata?.labels ?? {}
  const keys = Object.keys(labels)
  if (keys.length === 0) return undefined
  const namespace = pod.metadata?.namespace ?? 'default'
  return `labels:${namespace}:${keys
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}`
}

function hasPodAffinityTerms(pod: Pod): boolean {
  const a = pod.spec?.affinity
  return [
    a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution
  ].some((terms) => (terms ?? []).length > 0)
}

/** Precomputes a pod's PodInfo. */
export function newPodInfo(pod: Pod): PodInfo {
  const requests = podRequests(pod)
  const hostPorts: PodInfo['hostPorts'] = []
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) {
        hostPorts.push({
          protocol: p.protocol ?? 'TCP',
          hostIP: p.hostIP || '0.0.0.0',
          hostPort: p.hostPort
        })
      }
    }
  }
  return {
    pod,
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? 'default',
    labels: pod.metadata?.labels ?? {},
    requests,
    nonZero: {
      milliCpu: requests.milliCpu || DEFAULT_MILLI_CPU_REQUEST,
      memory: requests.memory || DEFAULT_MEMORY_REQUEST
    },
    hostPorts,
    scalarNames: Object.keys(requests.scalar),
    workload: workloadKey(pod),
    hasRequiredAntiAffinity:
      (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
        .length > 0,
    hasAffinity: hasPodAffinityTerms(pod)
  }
}

const NO_TAINTS: readonly Taint[] = Object.freeze([])

/** A NodeInfo with no pods yet. */
export function newNodeInfo(node: Node): NodeInfo {
  const alloc = emptyResources()
  const list = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, unknown>
  addList(alloc, list)
  const maxPods = parseQuantity(list.pods) ?? 110
  return {
    node,
    name: node.metadata?.name ?? '',
    labels: node.metadata?.labels ?? {},
    // A literal of fixed shape: a spread copy here made every read of it slow (~1 µs in V8).
    allocatable: {
      milliCpu: alloc.milliCpu,
      memory: alloc.memory,
      ephemeralStorage: alloc.ephemeralStorage,
      scalar: alloc.scalar,
      pods: maxPods
    },
    requested: emptyResources(),
    free: {
      milliCpu: alloc.milliCpu,
      memory: alloc.memory,
      ephemeralStorage: alloc.ephemeralStorage,
      pods: maxPods
    },
    unschedulable: !!node.spec?.unschedulable,
    taints: node.spec?.taints?.length ? node.spec.taints : NO_TAINTS,
    nonZeroRequested: { milliCpu: 0, memory: 0 },
    pods: new Map(),
    podsWithRequiredAntiAffinity: 0,
    podsWithAffinity: 0,
    workloadCounts: new Map()
  }
}

function apply(info: NodeInfo, pod: PodInfo, sign: 1 | -1): void {
  const r = info.requested
  r.milliCpu += sign * pod.requests.milliCpu
  r.memory += sign * pod.requests.memory
  r.ephemeralStorage += sign * pod.requests.ephemeralStorage
  const free = info.free
  free.milliCpu = info.allocatable.milliCpu - r.milliCpu
  free.memory = info.allocatable.memory - r.memory
  free.ephemeralStorage = info.allocatable.ephemeralStorage - r.ephemeralStorage
  for (const k of pod.scalarNames) r.scalar[k] = (r.scalar[k] ?? 0) + sign * pod.requests.scalar[k]
  info.nonZeroRequested.milliCpu += sign * pod.nonZero.milliCpu
  info.nonZeroRequested.memory += sign * pod.nonZero.memory
  if (pod.hasRequiredAntiAffinity) info.podsWithRequiredAntiAffinity += sign
  if (pod.hasAffinity) info.podsWithAffinity += sign
  if (pod.workload !== undefined) {
    const n = (info.workloadCounts.get(pod.workload) ?? 0) + sign
    if (n > 0) info.workloadCounts.set(pod.workload, n)
    else info.workloadCounts.delete(pod.workload)
  }
}

/** Accounts a pod on the node (replacing an earlier version of the same pod). */
export function addPod(info: NodeInfo, pod: PodInfo): void {
  removePod(info, pod.key)
  info.pods.set(pod.key, pod)
  info.free.pods = info.allocatable.pods - info.pods.size
  apply(info, pod, 1)
}

/** Stops accounting a pod on the node; false when it was not there. */
export function removePod(info: NodeInfo, key: string): boolean {
  const old = info.pods.get(key)
  if (!old) return false
  info.pods.delete(key)
  info.free.pods = info.allocatable.pods - info.pods.size
  apply(info, old, -1)
  return true
}

/** A NodeInfo for a changed Node object that keeps the pods already accounted. */
export function replaceNode(info: NodeInfo, node: Node): NodeInfo {
  const next = newNodeInfo(node)
  for (const p of info.pods.values()) addPod(next, p)
  return next
}
