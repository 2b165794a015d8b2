/**
 * The kinds this API server serves, one entry each: the data discovery, routing and the generic
 * handlers work from. Adding a kind adds an entry here, not a handler.
 */
import type { ResourceInfo, Subresource, Verb } from '../types'

/** A registry entry: the public ResourceInfo plus what storage and the handlers need. */
export interface RegistryEntry extends ResourceInfo {
  /** Store prefix of every object of this resource, ending in '/' (`/registry/pods/`). */
  storagePrefix: string
  /** metadata.generation is kept (1 on create, +1 when anything but status/metadata changes). */
  tracksGeneration: boolean
  /** Status a create starts with (status is owned by controllers); undefined keeps the client's. */
  initialStatus?: () => Record<string, unknown>
  /** Delete answers the deleted object (pods), not a Status Success, as kube-apiserver does. */
  returnsDeletedObject: boolean
  /** The store forgets objects this long after their last write (Events: one hour, `--event-ttl`). */
  ttlSeconds?: number
}

const ALL_VERBS: Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch'
]

interface EntrySpec {
  group: string
  version: string
  kind: string
  plural: string
  namespaced: boolean
  shortNames?: string[]
  categories?: string[]
  subresources?: Subresource[]
  verbs?: Verb[]
  tracksGeneration?: boolean
  initialStatus?: () => Record<string, unknown>
  returnsDeletedObject?: boolean
  /** Overrides the store prefix (when two groups serve the same plural). */
  storageName?: string
  ttlSeconds?: number
}

function entry(spec: EntrySpec): RegistryEntry {
  return {
    group: spec.group,
    version: spec.version,
    kind: spec.kind,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    ...(spec.shortNames ? { shortNames: spec.shortNames } : {}),
    ...(spec.categories ? { categories: spec.categories } : {}),
    subresources: spec.subresources ?? [],
    verbs: spec.verbs ?? ALL_VERBS,
    storagePrefix: `/registry/${spec.storageName ?? spec.plural}/`,
    tracksGeneration: spec.tracksGeneration ?? false,
    ...(spec.initialStatus ? { initialStatus: spec.initialStatus } : {}),
    returnsDeletedObject: spec.returnsDeletedObject ?? false,
    ...(spec.ttlSeconds ? { ttlSeconds: spec.ttlSeconds } : {})
  }
}

const ALL = ['all']
/** kube-apiserver's default `--event-ttl`. */
const EVENT_TTL_SECONDS = 3600
const emptyStatus = (): Record<string, unknown> => ({})

/** Every resource served, in discovery order. */
export const RESOURCES: readonly RegistryEntry[] = [
  // core/v1
  entry({
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    initialStatus: () => ({ phase: 'Active' })
  }),
  entry({
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    subresources: ['status']
  }),
  entry({
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ALL,
    subresources: ['status', 'binding', 'eviction', 'log', 'exec'],
    initialStatus: () => ({ phase: 'Pending' }),
    returnsDeletedObject: true
  }),
  entry({
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ALL,
    subresources: ['status'],
    initialStatus: () => ({ loadBalancer: {} })
  }),
  entry({
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    namespaced: true,
    shortNames: ['ep']
  }),
  entry({
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    ttlSeconds: EVENT_TTL_SECONDS
  }),
  entry({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    shortNames: ['cm']
  }),
  entry({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true }),
  entry({
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa']
  }),
  entry({
    group: '',
    version: 'v1',
    kind: 'ReplicationController',
    plural: 'replicationcontrollers',
    namespaced: true,
    shortNames: ['rc'],
    categories: ALL,
    subresources: ['status', 'scale'],
    tracksGeneration: true,
    initialStatus: () => ({ replicas: 0 })
  }),
  // apps/v1
  ...[
    { kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], scale: true },
    { kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'], scale: true },
    { kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], scale: true },
    { kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'], scale: false }
  ].map((w) =>
    entry({
      group: 'apps',
      version: 'v1',
      kind: w.kind,
      plural: w.plural,
      namespaced: true,
      shortNames: w.shortNames,
      categories: ALL,
      subresources: w.scale ? ['status', 'scale'] : ['status'],
      tracksGeneration: true,
      initialStatus: emptyStatus
    })
  ),
  // The template history of StatefulSets and DaemonSets (`kubectl rollout history | undo`).
  entry({
    group: 'apps',
    version: 'v1',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
    namespaced: true
  }),
  // batch/v1
  entry({
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    namespaced: true,
    categories: ALL,
    subresources: ['status'],
    tracksGeneration: true,
    initialStatus: emptyStatus
  }),
  entry({
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    namespaced: true,
    shortNames: ['cj'],
    categories: ALL,
    subresources: ['status'],
    tracksGeneration: true,
    initialStatus: emptyStatus
  }),
  entry({
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    namespaced: true
  }),
  entry({
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    namespaced: true
  }),
  // events.k8s.io/v1 Events are kept apart from core/v1 Events: kube-apiserver converts one
  // stored Event between both versions; KubeDesk stores each version's objects separately.
  entry({
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    storageName: 'events.k8s.io/events',
    ttlSeconds: EVENT_TTL_SECONDS
  })
]
