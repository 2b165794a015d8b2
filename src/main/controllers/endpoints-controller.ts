/**
 * The endpoints controller (kube-controller-manager's `pkg/controller/endpoint`): for each
 * Service with a selector, an Endpoints object of the same name listing the selected pods —
 * ready ones in `addresses`, others in `notReadyAddresses` (all in `addresses` with
 * `publishNotReadyAddresses`) — with the ports their targetPorts resolve to, repacked into one
 * subset per distinct port set. Pods without an IP and terminating pods are left out. The
 * Endpoints go with their Service; Services without a selector are left to their users.
 */
import { isDeepStrictEqual } from 'node:util'
import type {
  EndpointAddress,
  EndpointPort,
  Endpoints,
  EndpointSubset
} from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import { createEventRecorder, type EventRecorder } from '../observe/event-recorder'
import { keyOf, splitKey, type Informer } from './shared/informer'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import { isPodReady, POD_TYPE } from './shared/pod-utils'
import { isNamespaceTerminating } from './shared/namespace-terminating'
import { startController, type RunningController } from './shared/run-workers'
import {
  findPort,
  HEADLESS_LABEL,
  hostnameFor,
  isHeadless,
  podIPv4,
  podsForService,
  podTargetRef,
  publishNotReady,
  selectsPods,
  SERVICE_TYPE,
  handleServicesAndPods,
  shouldPodBeInEndpoints,
  type PodObj,
  type ServiceObj
} from './shared/service-pods'
import { createWorkQueue } from './shared/work-queue'
import { isNotFound, messageOf } from './shared/api-errors'

type EndpointsObj = Endpoints & KubeObject

/** The Endpoints resource type. */
export const ENDPOINTS_TYPE = { apiVersion: 'v1', kind: 'Endpoints' }

/** Endpoints of leader election records, which have no Service and must stay. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader'
const COMPONENT = 'endpoint-controller'
/** The label marking Endpoints this controller writes (Kubernetes 1.33+), valued COMPONENT. */
export const MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by'
/** Kubernetes' `maxCapacity`: an Endpoints object lists at most this many addresses. */
export const MAX_ENDPOINT_ADDRESSES = 1000
/** Set (`truncated`) on Endpoints that had more addresses than fit. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity'

/** Options of the controller. */
export interface EndpointsControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-endpoint-syncs`). */
  workers?: number
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startEndpointsController(o: EndpointsControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const services = informers.informerFor<ServiceObj>(SERVICE_TYPE)
  const pods = informers.informerFor<PodObj>(POD_TYPE)
  const endpoints = informers.informerFor<EndpointsObj>(ENDPOINTS_TYPE)
  const queue = createWorkQueue()
  const recorder = createEventRecorder(o.client, COMPONENT, o.log)
  const enqueue = (obj: KubeObject): void => queue.add(keyOf(obj))

  const offs = [
    ...handleServicesAndPods(services, pods, enqueue),
    // An Endpoints object deleted under a live Service is written again.
    endpoints.on('delete', (_, ep) => enqueue(ep))
  ]

  const ctx: SyncContext = { o, services, pods, endpoints, recorder }
  const running = startController({
    kind: 'Endpoint',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: (key) => syncService(ctx, key),
    log: o.log
  })
  // checkLeftoverEndpoints: Endpoints whose Service went while the controller was down.
  void running.ready.then(() => {
    for (const ep of endpoints.store.list()) {
      if (ep.metadata.annotations?.[LEADER_ANNOTATION] === undefined) enqueue(ep)
    }
  })
  return running
}

interface SyncContext {
  o: EndpointsControllerOptions
  services: Informer<ServiceObj>
  pods: Informer<PodObj>
  endpoints: Informer<EndpointsObj>
  recorder: EventRecorder
}

/** One reconciliation of the Endpoints of the Service stored under `key`. */
async function syncService(ctx: SyncContext, key: string): Promise<void> {
  const { o } = ctx
  const { namespace, name } = splitKey(key)
  const svc = ctx.services.store.get(key)
  if (!svc) {
    // The Service is gone: so are its endpoints. (Asked of the server, not the cache, which
    // may not have seen them yet.)
    try {
      await o.client.delete(ENDPOINTS_TYPE, namespace, name)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    return
  }
  if (!selectsPods(svc)) return

  const subsets = desiredSubsets(svc, ctx.pods.store.byIndex('namespace', namespace ?? ''))
  const current = ctx.endpoints.store.get(key)
  const truncated = truncateSubsets(subsets, MAX_ENDPOINT_ADDRESSES)
  const labels: Record<string, string> = {
    ...(svc.metadata.labels ?? {}),
    [MANAGED_BY_LABEL]: COMPONENT
  }
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = ''
  else delete labels[HEADLESS_LABEL]
  const flagged = current?.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] !== undefined
  if (
    current &&
    isDeepStrictEqual(current.subsets ?? [], subsets) &&
    isDeepStrictEqual(current.metadata.labels ?? {}, labels) &&
    flagged === truncated
  ) {
    return
  }
  const next: EndpointsObj = current
    ? structuredClone(current)
    : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } }
  next.metadata.labels = labels
  const annotations = { ...(next.metadata.annotations ?? {}) }
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated'
  else delete annotations[OVER_CAPACITY_ANNOTATION]
  if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations
  else delete next.metadata.annotations
  if (subsets.length > 0) next.subsets = subsets
  else delete next.subsets
  try {
    if (current) await o.client.update(next)
    else await o.client.create(next)
  } catch (err) {
    // A namespace being deleted refuses new content; its namespace controller deletes the rest.
    if (!current && isNamespaceTerminating(err)) return
    if ((err as { code?: number }).code !== 409) {
      const message = messageOf(err)
      if (current) {
        ctx.recorder.event(
          next,
          'Warning',
          'FailedToUpdateEndpoint',
          `Failed to update endpoint ${key}: ${message}`
        )
      } else {
        ctx.recorder.event(
          next,
          'Warning',
          'FailedToCreateEndpoint',
          `Failed to create endpoint for service ${key}: ${message}`
        )
      }
    }
    throw err
  }
}

/**
 * The subsets of a Service's Endpoints: one (address, port) pair per selected pod and Service
 * port, repacked so pods exposing the same ports share one subset (`RepackSubsets`).
 */
export function desiredSubsets(svc: ServiceObj, podsInNamespace: PodObj[]): EndpointSubset[] {
  const tolerate = publishNotReady(svc)
  const ports = svc.spec?.ports ?? []
  const byPorts = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >()
  const add = (epPorts: EndpointPort[], address: EndpointAddress, ready: boolean): void => {
    const id = JSON.stringify(epPorts)
    let subset = byPorts.get(id)
    if (!subset) byPorts.set(id, (subset = { ports: epPorts, ready: [], notReady: [] }))
    ;(ready ? subset.ready : subset.notReady).push(address)
  }
  for (const pod of podsForService(svc, podsInNamespace)) {
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue
    const address: EndpointAddress = { ip: podIPv4(pod) }
    const hostname = hostnameFor(pod, svc)
    if (hostname) address.hostname = hostname
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName
    address.targetRef = podTargetRef(pod)
    const ready = tolerate || isPodReady(pod)
    if (ports.length === 0) {
      // A headless Service may have no ports: its endpoints are addresses only.
      if (isHeadless(svc)) add([], address, ready)
      continue
    }
    const epPorts: EndpointPort[] = []
    for (const port of ports) {
      const number = findPort(pod, port)
      if (number === undefined) continue
      const ep: EndpointPort = { port: number, protocol: port.protocol ?? 'TCP' }
      if (port.name) ep.name = port.name
      if (port.appProtocol) ep.appProtocol = port.appProtocol
      epPorts.push(ep)
    }
    if (epPorts.length === 0) continue
    epPorts.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port)
    add(epPorts, address, ready)
  }
  const byAddress = (a: EndpointAddress, b: EndpointAddress): number =>
    a.ip.localeCompare(b.ip, 'en', { numeric: true }) ||
    (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '')
  return [...byPorts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, s]) => {
      const subset: EndpointSubset = {}
      if (s.ready.length > 0) subset.addresses = s.ready.sort(byAddress)
      if (s.notReady.length > 0) subset.notReadyAddresses = s.notReady.sort(byAddress)
      if (s.ports.length > 0) subset.ports = s.ports
      return subset
    })
}

/**
 * `truncateEndpoints`: cuts `subsets` (in place) to `max` addresses, ready ones first, each
 * subset keeping its share of what is cut. Answers whether anything was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], max: number): boolean {
  const count = (f: 'addresses' | 'notReadyAddresses'): number =>
    subsets.reduce((n, s) => n + (s[f]?.length ?? 0), 0)
  const ready = count('addresses')
  const notReady = count('notReadyAddresses')
  if (ready + notReady <= max) return false
  // Too many ready ones: only ready ones stay. Otherwise the not-ready ones share what is left.
  const field = ready > max ? 'addresses' : 'notReadyAddresses'
  const budget = ready > max ? max : max - ready
  const total = ready > max ? ready : notReady
  let left = budget
  for (const s of subsets) {
    if (field === 'addresses') delete s.notReadyAddresses
    const list = s[field] ?? []
    const take = Math.min(left, Math.ceil((list.length / total) * budget))
    s[field] = list.slice(0, take)
    if (s[field].length === 0) delete s[field]
    left -= take
  }
  // A subset left with no address at all is not valid Endpoints.
  const kept = subsets.filter((s) => s.addresses || s.notReadyAddresses)
  subsets.splice(0, subsets.length, ...kept)
  return true
}
