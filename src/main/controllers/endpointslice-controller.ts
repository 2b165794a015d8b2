/**
 * The EndpointSlice controller (kube-controller-manager's `pkg/controller/endpointslice`): for
 * each Service with a selector, discovery.k8s.io/v1 EndpointSlices (IPv4) listing the selected
 * pods — addresses, ready/serving/terminating conditions, nodeName, zone, targetRef — with the
 * ports their targetPorts resolve to, at most `maxEndpointsPerSlice` (100) per slice. Slices
 * carry `kubernetes.io/service-name`, the controller's managed-by label and a controller
 * reference to the Service. Terminating pods stay listed (terminating, not ready) so proxies
 * can drain them. The slices go with their Service: Kubernetes leaves that to the garbage
 * collector through the owner reference; deleting them here too works when it is off.
 */
import type { Node } from 'kubernetes-types/core/v1'
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import { createEventRecorder } from '../observe/event-recorder'
import { getControllerOf, newControllerRef } from './shared/controller-ref'
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
import { createWorkQueue, type WorkQueue } from './shared/work-queue'
import { reconcileSlices, type EndpointGroup, type SliceObj } from './endpointslice-reconciler'
import { isNotFound } from './shared/api-errors'

/** The EndpointSlice resource type. */
export const ENDPOINTSLICE_TYPE = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }
const NODE_TYPE = { apiVersion: 'v1', kind: 'Node' }

/** The label naming a slice's Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
/** The label naming who manages a slice, and this controller's value of it. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by'
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io'
/** Kubernetes' `--max-endpoints-per-slice` default. */
export const MAX_ENDPOINTS_PER_SLICE = 100
const ZONE_LABEL = 'topology.kubernetes.io/zone'
/** Informer index from `namespace/service` to the slices this controller manages for it. */
const SERVICE_INDEX = 'endpointSliceService'
/** How long an own write may stay unseen by the informer before the cache is trusted anyway. */
const TRACK_TTL_MS = 30_000

/** Options of the controller. */
export interface EndpointSliceControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-service-endpoint-syncs`). */
  workers?: number
  /** Endpoints per slice at most (default 100, as `--max-endpoints-per-slice`). */
  maxEndpointsPerSlice?: number
}

const managedServiceKey = (s: SliceObj): string[] => {
  const svc = s.metadata.labels?.[SERVICE_NAME_LABEL]
  if (!svc || s.metadata.labels?.[MANAGED_BY_LABEL] !== CONTROLLER_NAME) return []
  return [`${s.metadata.namespace}/${svc}`]
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startEndpointSliceController(o: EndpointSliceControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const services = informers.informerFor<ServiceObj>(SERVICE_TYPE)
  const pods = informers.informerFor<PodObj>(POD_TYPE)
  const nodes = informers.informerFor<Node & KubeObject>(NODE_TYPE)
  const slices = informers.informerFor<SliceObj>(ENDPOINTSLICE_TYPE, {
    [SERVICE_INDEX]: managedServiceKey
  })
  const queue = createWorkQueue()
  const recorder = createEventRecorder(o.client, 'endpointslice-controller', o.log)
  const tracker = createSliceTracker()
  const enqueue = (obj: KubeObject): void => queue.add(keyOf(obj))
  // A slice changed by someone else (or deleted) brings its Service back to the controller.
  const onSlice = (slice: SliceObj, deleted: boolean): void => {
    if (!tracker.observed(slice, deleted)) managedServiceKey(slice).forEach((k) => queue.add(k))
  }

  const offs = [
    ...handleServicesAndPods(services, pods, enqueue),
    slices.on('add', (_, s) => onSlice(s, false)),
    slices.on('update', (old, s) => old !== s && onSlice(s, false)),
    slices.on('delete', (_, s) => onSlice(s, true))
  ]

  const ctx: SyncContext = {
    o,
    services,
    pods,
    nodes,
    slices,
    tracker,
    queue,
    max: o.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE
  }
  return startController({
    kind: 'EndpointSlice',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: (key) => syncService(ctx, key),
    log: o.log
  })
}

interface SyncContext {
  o: EndpointSliceControllerOptions
  services: Informer<ServiceObj>
  pods: Informer<PodObj>
  nodes: Informer<Node & KubeObject>
  slices: Informer<SliceObj>
  tracker: SliceTracker
  queue: WorkQueue
  max: number
}

/** One reconciliation of the slices of the Service stored under `key`. */
async function syncService(ctx: SyncContext, key: string): Promise<void> {
  const { o, tracker } = ctx
  const { namespace, name } = splitKey(key)
  const existing = ctx.slices.store.byIndex(SERVICE_INDEX, key)
  // Our last writes not in the cache yet: acting now could create a slice twice.
  if (tracker.stale(existing, key)) return ctx.queue.addAfter(key, 50)
  const svc = ctx.services.store.get(key)
  if (!svc) {
    await Promise.all(existing.map((s) => deleteSlice(ctx, key, s)))
    return
  }
  if (!selectsPods(svc)) return

  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) }
  labels[SERVICE_NAME_LABEL] = name
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = ''
  else delete labels[HEADLESS_LABEL]
  // Slices of another address type (a Service that changed family), or of an earlier Service
  // of the same name, are replaced.
  const ours = (s: SliceObj): boolean =>
    s.addressType === 'IPv4' && getControllerOf(s)?.uid === svc.metadata.uid
  const ipv4 = existing.filter(ours)
  const plan = reconcileSlices({
    desired: desiredEndpoints(ctx, svc, ctx.pods.store.byIndex('namespace', namespace ?? '')),
    existing: ipv4,
    labels,
    maxEndpointsPerSlice: ctx.max,
    newSlice: () => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: `${name}-`,
        namespace,
        labels: { ...labels },
        ownerReferences: [{ ...newControllerRef(svc), apiVersion: 'v1', kind: 'Service' }]
      },
      addressType: 'IPv4',
      endpoints: []
    })
  })
  plan.delete.push(...existing.filter((s) => !ours(s)))
  // A Service being deleted gets no new slices: the garbage collector is removing them.
  if (svc.metadata.deletionTimestamp) plan.create = []
  // Creates first, deletes last, so the Service is never without its endpoints in between.
  try {
    for (const s of plan.create) tracker.wrote(key, await o.client.create<SliceObj>(s))
  } catch (err) {
    // A namespace being deleted refuses new content; its namespace controller deletes the rest.
    if (isNamespaceTerminating(err)) return
    throw err
  }
  await Promise.all(
    plan.update.map(async (s) => tracker.wrote(key, await o.client.update<SliceObj>(s)))
  )
  await Promise.all(plan.delete.map((s) => deleteSlice(ctx, key, s)))
}

async function deleteSlice(ctx: SyncContext, key: string, slice: SliceObj): Promise<void> {
  ctx.tracker.deleting(key, slice)
  try {
    await ctx.o.client.delete(ENDPOINTSLICE_TYPE, slice.metadata.namespace, slice.metadata.name!, {
      preconditions: { uid: slice.metadata.uid }
    })
  } catch (err) {
    ctx.tracker.forget(slice)
    if (!isNotFound(err)) throw err
  }
}

/** The endpoints a Service should have, grouped by the ports they expose. */
function desiredEndpoints(ctx: SyncContext, svc: ServiceObj, podsInNs: PodObj[]): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>()
  const publish = publishNotReady(svc)
  for (const pod of podsForService(svc, podsInNs)) {
    if (!shouldPodBeInEndpoints(pod, true)) continue
    const ports: EndpointPort[] = []
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp)
      if (port === undefined) continue
      const ep: EndpointPort = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port }
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol
      ports.push(ep)
    }
    const id = JSON.stringify(ports)
    let group = groups.get(id)
    if (!group) groups.set(id, (group = { ports, endpoints: [] }))
    group.endpoints.push(podToEndpoint(ctx, svc, pod, publish))
  }
  return [...groups.values()]
}

/** `podToEndpoint`: terminating pods are never ready, unless the Service publishes them all. */
function podToEndpoint(ctx: SyncContext, svc: ServiceObj, pod: PodObj, publish: boolean): Endpoint {
  const serving = publish || isPodReady(pod)
  const terminating = !!pod.metadata.deletionTimestamp
  const ep: Endpoint = {
    addresses: [podIPv4(pod)],
    conditions: { ready: publish || (serving && !terminating), serving, terminating }
  }
  const hostname = hostnameFor(pod, svc)
  if (hostname) ep.hostname = hostname
  ep.targetRef = podTargetRef(pod)
  const nodeName = pod.spec?.nodeName
  if (nodeName) {
    ep.nodeName = nodeName
    const zone = ctx.nodes.store.get(nodeName)?.metadata.labels?.[ZONE_LABEL]
    if (zone) ep.zone = zone
  }
  return ep
}

/**
 * `EndpointSliceTracker`: the resourceVersions of this controller's own writes, so that their
 * watch events do not trigger another sync, and a sync waits until the cache has them.
 */
interface SliceTracker {
  wrote(serviceKey: string, slice: SliceObj): void
  deleting(serviceKey: string, slice: SliceObj): void
  forget(slice: SliceObj): void
  /** True when the event is the echo of an own write (which it then clears). */
  observed(slice: SliceObj, deleted: boolean): boolean
  /** Whether the cache lacks an own write for this Service. */
  stale(cached: SliceObj[], serviceKey: string): boolean
}

function createSliceTracker(): SliceTracker {
  interface Write {
    service: string
    rv: number
    deleted: boolean
    at: number
  }
  const writes = new Map<string, Write>()
  const rvOf = (s: SliceObj): number => Number(s.metadata.resourceVersion ?? 0)
  return {
    wrote: (service, s) =>
      void writes.set(keyOf(s), { service, rv: rvOf(s), deleted: false, at: Date.now() }),
    deleting: (service, s) =>
      void writes.set(keyOf(s), { service, rv: rvOf(s), deleted: true, at: Date.now() }),
    forget: (s) => void writes.delete(keyOf(s)),
    observed(s, deleted) {
      const w = writes.get(keyOf(s))
      if (!w) return false
      if (w.deleted) {
        if (deleted) writes.delete(keyOf(s))
        return deleted
      }
      if (deleted || rvOf(s) >= w.rv) writes.delete(keyOf(s))
      return !deleted && rvOf(s) === w.rv
    },
    stale(cached, service) {
      const now = Date.now()
      const byKey = new Map(cached.map((s) => [keyOf(s), s]))
      for (const [key, w] of writes) {
        if (w.service !== service) continue
        if (now - w.at > TRACK_TTL_MS) {
          writes.delete(key)
          continue
        }
        const s = byKey.get(key)
        if (w.deleted ? !!s : !s || rvOf(s) < w.rv) return true
      }
      return false
    }
  }
}
