/**
 * The `kubernetes` Service in `default`, which kube-apiserver keeps pointing at itself
 * (pkg/controlplane/controller/kubernetesservice): ClusterIP the first address of the Service
 * range, port `https` 443 → the API server's port, and an Endpoints and an EndpointSlice of the
 * same name with the API server's address. The Service is created once; its endpoints are
 * rewritten at each start, since the API server's address or port may have changed.
 */
import { ApiError } from './api-errors'
import { APISERVER_USER } from './bootstrap'
import { findResource, type RegistryEntry } from './registry'
import type { RestContext } from './rest/context'
import { createObject } from './rest/create'
import { writeUpdate } from './rest/update'
import type { KubeObject } from './types'
import type { ComponentLog } from '../observe/component-log'

/** The Service's name and namespace. */
export const KUBERNETES_SERVICE = { namespace: 'default', name: 'kubernetes' }

const MANAGER = { fieldManager: 'kube-apiserver' }

/** Where the API server is reached: the endpoint address and port. */
export interface ApiServerEndpoint {
  ip: string
  port: number
}

function entryOf(group: string, version: string, plural: string): RegistryEntry {
  return findResource(group, version, plural) as RegistryEntry
}

/** Creates the object when missing; rewrites it when `same` says it differs. */
async function ensure(
  ctx: RestContext,
  entry: RegistryEntry,
  desired: KubeObject,
  same: (current: KubeObject) => boolean
): Promise<void> {
  const { namespace, name } = desired.metadata
  const target = { entry, namespace, name, user: APISERVER_USER }
  const current = await ctx.storage.find(entry, namespace, name ?? '')
  try {
    if (!current) {
      await createObject(ctx, target, desired, MANAGER)
    } else if (!same(current)) {
      const next = { ...structuredClone(current), ...structuredClone(desired) }
      next.metadata = { ...current.metadata, labels: desired.metadata.labels }
      await writeUpdate(ctx, target, current, next, MANAGER, 'main')
    }
  } catch (err) {
    // Another writer on the same store got there first: theirs is as good.
    if (!(err instanceof ApiError && (err.reason === 'AlreadyExists' || err.code === 409))) {
      throw err
    }
  }
}

/**
 * Ensures the `kubernetes` Service (ClusterIP `clusterIP`) and its endpoints at `endpoint`. A
 * failure (the address taken by a Service a user made) is logged, never fatal: the API server
 * serves without it, as kube-apiserver keeps running when its controller cannot write it.
 */
export async function bootstrapKubernetesService(
  ctx: RestContext,
  clusterIP: string,
  endpoint: ApiServerEndpoint,
  log?: Pick<ComponentLog, 'warn'>
): Promise<void> {
  try {
    await ensureAll(ctx, clusterIP, endpoint)
  } catch (err) {
    log?.warn('cannot write the kubernetes Service', { err })
  }
}

async function ensureAll(
  ctx: RestContext,
  clusterIP: string,
  endpoint: ApiServerEndpoint
): Promise<void> {
  const { namespace, name } = KUBERNETES_SERVICE
  const labels = { component: 'apiserver', provider: 'kubernetes' }
  await ensure(
    ctx,
    entryOf('', 'v1', 'services'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace, name, labels },
      spec: {
        type: 'ClusterIP',
        clusterIP,
        clusterIPs: [clusterIP],
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: endpoint.port }],
        sessionAffinity: 'None'
      }
    },
    () => true
  )
  const port = { name: 'https', port: endpoint.port, protocol: 'TCP' }
  await ensure(
    ctx,
    entryOf('', 'v1', 'endpoints'),
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { namespace, name, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: endpoint.ip }], ports: [port] }]
    },
    (current) =>
      JSON.stringify(current.subsets) ===
      JSON.stringify([{ addresses: [{ ip: endpoint.ip }], ports: [port] }])
  )
  const slicePorts = [port]
  const endpoints = [{ addresses: [endpoint.ip], conditions: { ready: true } }]
  await ensure(
    ctx,
    entryOf('discovery.k8s.io', 'v1', 'endpointslices'),
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace, name, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints,
      ports: slicePorts
    },
    (current) =>
      JSON.stringify(current.endpoints) === JSON.stringify(endpoints) &&
      JSON.stringify(current.ports) === JSON.stringify(slicePorts)
  )
}
