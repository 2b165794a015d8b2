/**
 * Where a Service port's traffic goes, as kube-proxy works it out: the ready endpoints of the
 * Service's EndpointSlices (label `kubernetes.io/service-name`) that expose a port of the same
 * name and protocol, each reached at its address and that slice port's number (the resolved
 * `targetPort`). Pure functions over informer objects.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1'
import type { Service, ServicePort } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../apiserver/types'

/** A Service as the informer holds it. */
export type ServiceObj = Service & KubeObject
/** An EndpointSlice as the informer holds it. */
export type EndpointSliceObj = EndpointSlice & KubeObject

/** The label that names a slice's Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'

/** One address a connection can be sent to. */
export interface Backend {
  host: string
  port: number
}

/** The informer index key of a slice: the `namespace/name` of its Service. */
export function sliceServiceKey(slice: EndpointSliceObj): string[] {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL]
  return svc ? [`${slice.metadata.namespace}/${svc}`] : []
}

/** The Service's TCP ports (the only protocol this proxy carries). */
export function tcpPorts(svc: ServiceObj): ServicePort[] {
  return (svc.spec?.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP')
}

/** Ready endpoints of `port` of the Service across `slices`, deduplicated, in slice order. */
export function readyBackends(port: ServicePort, slices: EndpointSliceObj[]): Backend[] {
  const seen = new Set<string>()
  const out: Backend[] = []
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue
    const match = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === 'TCP'
    )
    if (!match?.port) continue
    for (const ep of slice.endpoints ?? []) {
      // kube-proxy: an endpoint whose `ready` is unset counts as ready.
      if (ep.conditions?.ready === false) continue
      const host = ep.addresses[0]
      if (!host) continue
      const id = `${host}:${match.port}`
      if (seen.has(id)) continue
      seen.add(id)
      out.push({ host, port: match.port })
    }
  }
  return out
}
