/**
 * The EndpointSlice reconciler (Kubernetes' `endpointslice` reconciler): given the endpoints a
 * Service should have, grouped by the ports they expose, and the slices it has, decides which
 * slices to create, update and delete. Endpoints stay in the slice they are in; new ones fill
 * slices with room before new slices are made; no slice holds more than `maxEndpointsPerSlice`;
 * emptied slices are deleted. A Service with no endpoints keeps one empty placeholder slice.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1'
import type { KubeObject } from '../apiserver/types'

/** An EndpointSlice as the informer holds it. */
export type SliceObj = EndpointSlice & KubeObject

/** Endpoints that expose the same ports: they can share slices. */
export interface EndpointGroup {
  ports: EndpointPort[]
  endpoints: Endpoint[]
}

/** What a sync writes: new slices, changed slices (copies), slices to delete. */
export interface SlicePlan {
  create: SliceObj[]
  update: SliceObj[]
  delete: SliceObj[]
}

/** How slices of one Service are made: `newSlice` gives an empty one with its metadata. */
export interface ReconcileInput {
  desired: EndpointGroup[]
  existing: SliceObj[]
  /** The labels every slice of the Service carries. */
  labels: Record<string, string>
  newSlice: () => SliceObj
  maxEndpointsPerSlice: number
}

/** The identity of an endpoint across syncs: its pod, else its first address. */
export function endpointId(ep: Endpoint): string {
  return ep.targetRef?.uid || ep.addresses[0] || ''
}

const portsKey = (ports: EndpointPort[] | undefined): string =>
  JSON.stringify(
    [...(ports ?? [])]
      .map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? ''])
      .sort()
  )

/** Plans the writes that turn `existing` into slices holding exactly `desired`. */
export function reconcileSlices(input: ReconcileInput): SlicePlan {
  const { labels } = input
  const plan: SlicePlan = { create: [], update: [], delete: [] }
  const existing = [...input.existing].sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
  )
  const total = input.desired.reduce((n, g) => n + g.endpoints.length, 0)
  const labelsDiffer = (s: SliceObj): boolean => !isDeepStrictEqual(s.metadata.labels ?? {}, labels)

  if (total === 0) {
    // A placeholder keeps the Service visible as having no endpoints (`kubectl get
    // endpointslices` shows it with no ports).
    const keep = existing.find((s) => !s.endpoints?.length && !s.ports?.length) ?? existing[0]
    for (const s of existing) if (s !== keep) plan.delete.push(s)
    if (!keep) {
      plan.create.push({ ...input.newSlice(), endpoints: [] })
    } else if (keep.endpoints?.length || keep.ports?.length || labelsDiffer(keep)) {
      const next = structuredClone(keep)
      next.endpoints = []
      delete next.ports
      next.metadata.labels = { ...labels }
      plan.update.push(next)
    }
    return plan
  }

  const byKey = new Map<string, SliceObj[]>()
  for (const s of existing) {
    const key = portsKey(s.ports)
    byKey.set(key, [...(byKey.get(key) ?? []), s])
  }
  const wanted = new Set<string>()
  for (const group of input.desired) {
    if (group.endpoints.length === 0) continue
    const key = portsKey(group.ports)
    wanted.add(key)
    planGroup(group, byKey.get(key) ?? [], input, plan)
  }
  for (const [key, slices] of byKey) if (!wanted.has(key)) plan.delete.push(...slices)
  return plan
}

function planGroup(
  group: EndpointGroup,
  slices: SliceObj[],
  input: ReconcileInput,
  plan: SlicePlan
): void {
  const max = input.maxEndpointsPerSlice
  const want = new Map(group.endpoints.map((e) => [endpointId(e), e]))
  const placed = new Set<string>()
  const next = slices.map((s) => {
    const endpoints: Endpoint[] = []
    for (const ep of s.endpoints ?? []) {
      const id = endpointId(ep)
      const desired = want.get(id)
      // An endpoint listed twice, or beyond the cap, moves out.
      if (!desired || placed.has(id) || endpoints.length >= max) continue
      placed.add(id)
      endpoints.push(desired)
    }
    return { slice: s, endpoints }
  })
  const unplaced = group.endpoints.filter((e) => !placed.has(endpointId(e)))
  // Fill slices already being rewritten first, then the fullest, so fewer slices change.
  const changed = (n: (typeof next)[number]): boolean =>
    !isDeepStrictEqual(n.endpoints, n.slice.endpoints ?? [])
  const order = [...next].sort(
    (a, b) => Number(changed(b)) - Number(changed(a)) || b.endpoints.length - a.endpoints.length
  )
  for (const n of order) {
    while (unplaced.length > 0 && n.endpoints.length < max) n.endpoints.push(unplaced.shift()!)
  }
  for (const n of next) {
    if (n.endpoints.length === 0) {
      plan.delete.push(n.slice)
      continue
    }
    const samePorts = isDeepStrictEqual(n.slice.ports ?? [], group.ports)
    const sameLabels = isDeepStrictEqual(n.slice.metadata.labels ?? {}, input.labels)
    if (!changed(n) && samePorts && sameLabels) continue
    const slice = structuredClone(n.slice)
    slice.endpoints = n.endpoints
    slice.ports = group.ports
    slice.metadata.labels = { ...input.labels }
    plan.update.push(slice)
  }
  for (let i = 0; i < unplaced.length; i += max) {
    plan.create.push({
      ...input.newSlice(),
      endpoints: unplaced.slice(i, i + max),
      ports: group.ports
    })
  }
}
