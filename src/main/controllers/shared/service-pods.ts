/**
 * What the endpoints and EndpointSlice controllers share (Kubernetes' `endpointsliceutil` and
 * `podutil.FindPort`): which pods a Service selects, whether a pod belongs in its endpoints,
 * the address and target port of a pod, and which Services a pod change concerns.
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'
import type { Informer } from './informer'
import { isPodReady } from './pod-utils'

/** A Service as the informer holds it. */
export type ServiceObj = Service & KubeObject
/** A Pod as the informer holds it. */
export type PodObj = Pod & KubeObject

/** The resource types both controllers read. */
export const SERVICE_TYPE = { apiVersion: 'v1', kind: 'Service' }

/**
 * Whether the Service gets endpoints from the controllers: it has a (non-empty) selector and is
 * not ExternalName. Services without one get the endpoints their users write.
 */
export function selectsPods(svc: Service): boolean {
  if (svc.spec?.type === 'ExternalName') return false
  return Object.keys(svc.spec?.selector ?? {}).length > 0
}

/** Whether the Service's selector matches the pod's labels (same namespace assumed). */
export function serviceSelectsPod(svc: Service, pod: Pod): boolean {
  if (!selectsPods(svc)) return false
  const labels = pod.metadata?.labels ?? {}
  return Object.entries(svc.spec?.selector ?? {}).every(([k, v]) => labels[k] === v)
}

/** The pods of `podsInNamespace` the Service selects. */
export function podsForService<P extends Pod>(svc: Service, podsInNamespace: P[]): P[] {
  return podsInNamespace.filter((p) => serviceSelectsPod(svc, p))
}

/**
 * `ShouldPodBeInEndpoints`: the pod has an IP, is not terminating (unless `includeTerminating`),
 * and has not finished for good (a pod that will not restart and succeeded or failed is out).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!podIPv4(pod)) return false
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false
  const phase = pod.status?.phase
  const restart = pod.spec?.restartPolicy
  if (restart === 'Never') return phase !== 'Failed' && phase !== 'Succeeded'
  if (restart === 'OnFailure') return phase !== 'Succeeded'
  return true
}

/** The pod's IPv4 address (`status.podIPs`, else `status.podIP`); '' when it has none. */
export function podIPv4(pod: Pod): string {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip)
  if (pod.status?.podIP) ips.push(pod.status.podIP)
  return ips.find((ip) => !ip.includes(':')) ?? ''
}

/** `ShouldSetHostname`: the pod names this Service as its subdomain and has a hostname. */
export function hostnameFor(pod: Pod, svc: Service): string | undefined {
  const hostname = pod.spec?.hostname
  const same = pod.metadata?.namespace === svc.metadata?.namespace
  return hostname && same && pod.spec?.subdomain === svc.metadata?.name ? hostname : undefined
}

/** The reference to the pod an endpoint carries (`targetRef`). */
export function podTargetRef(pod: PodObj): {
  kind: string
  namespace: string
  name: string
  uid: string
} {
  return {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? ''
  }
}

/**
 * `FindPort`: the container port a Service port targets on this pod — the number itself, or
 * the port of that name and protocol on a container (or a sidecar init container). Undefined
 * when the pod has no such named port.
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port
  if (typeof target === 'number') return target
  const protocol = port.protocol ?? 'TCP'
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    const hit = c.ports?.find((p) => p.name === target && (p.protocol ?? 'TCP') === protocol)
    if (hit) return hit.containerPort
  }
  return undefined
}

/** Whether the Service publishes pods that are not ready (`publishNotReadyAddresses`). */
export function publishNotReady(svc: Service): boolean {
  return svc.spec?.publishNotReadyAddresses === true
}

/** Whether the Service is headless (`clusterIP: None`). */
export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None'
}

/** Label Kubernetes puts on the endpoints of a headless Service. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless'

// The parts of a pod its endpoints are made of; a change elsewhere (annotations, a container's
// restart count) changes no endpoint.
const endpointFields = (pod: Pod): string =>
  JSON.stringify([
    podIPv4(pod),
    isPodReady(pod),
    !!pod.metadata?.deletionTimestamp,
    pod.status?.phase,
    pod.spec?.nodeName,
    pod.spec?.hostname,
    pod.spec?.subdomain,
    (pod.spec?.containers ?? []).map((c) => c.ports ?? [])
  ])

/**
 * `GetServicesToUpdateOnPodChange`: the Services a pod update concerns — none when nothing an
 * endpoint shows changed; those selecting the old or the new labels when the labels changed.
 */
export function servicesForPodChange<S extends Service>(
  servicesInNamespace: S[],
  oldPod: Pod,
  newPod: Pod
): S[] {
  const labelsChanged =
    JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(newPod.metadata?.labels ?? {})
  if (!labelsChanged && endpointFields(oldPod) === endpointFields(newPod)) return []
  return servicesInNamespace.filter(
    (s) => serviceSelectsPod(s, newPod) || (labelsChanged && serviceSelectsPod(s, oldPod))
  )
}

/**
 * The event handlers both endpoint controllers register on the Service and Pod informers: a
 * Service change queues that Service; a pod change queues the Services of its namespace it
 * concerns. Answers the unsubscribe functions.
 */
export function handleServicesAndPods(
  services: Informer<ServiceObj>,
  pods: Informer<PodObj>,
  enqueue: (service: ServiceObj) => void
): (() => void)[] {
  const servicesIn = (ns: string | undefined): ServiceObj[] =>
    services.store.byIndex('namespace', ns ?? '')
  return [
    services.on('add', (_, s) => enqueue(s)),
    services.on('update', (_, s) => enqueue(s)),
    services.on('delete', (_, s) => enqueue(s)),
    pods.on('add', (_, p) =>
      servicesIn(p.metadata.namespace)
        .filter((s) => serviceSelectsPod(s, p))
        .forEach(enqueue)
    ),
    pods.on('update', (old, p) => {
      if (!old || old === p) return
      servicesForPodChange(servicesIn(p.metadata.namespace), old, p).forEach(enqueue)
    }),
    pods.on('delete', (old, p) =>
      servicesIn(p.metadata.namespace)
        .filter((s) => serviceSelectsPod(s, old ?? p))
        .forEach(enqueue)
    )
  ]
}
