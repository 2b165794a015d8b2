/**
 * The kinds the desktop host reads and acts on, and how a kind named by the UI (`Deployment`)
 * becomes the API's `{ apiVersion, kind }`, its group (the printer key) and whether it is
 * namespaced; plus how an object of a resolved kind is addressed and named in messages.
 */
import type { ResourceType } from '../../apiserver/client'
import { apiVersionOf, type ResourceInfo } from '../../apiserver/types'
import { WORKLOAD_KINDS, type ObjectRef } from '../../../shared/desktop-api'

export const NODE_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Node' }
export const POD_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Pod' }
export const EVENT_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Event' }
export const NAMESPACE_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Namespace' }
export const SERVICE_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Service' }

/** A resolved kind: what the client takes, and what discovery says about it. */
export interface KindInfo {
  type: ResourceType
  group: string
  namespaced: boolean
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `''`. */
export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : ''

/** Groups preferred when a kind is served by several (core/v1 Event over events.k8s.io). */
const GROUP_PREFERENCE = ['', 'apps', 'batch']

/**
 * The kind as the UI names it: a Workloads kind, else whichever served resource has that kind
 * (core, apps and batch first). Throws a readable error for a kind the server does not serve.
 */
export function resolveKind(kind: string, resources: readonly ResourceInfo[]): KindInfo {
  const workload = WORKLOAD_KINDS.find((k) => k.kind === kind)
  if (workload) {
    return {
      type: { apiVersion: workload.apiVersion, kind },
      group: groupOf(workload.apiVersion),
      namespaced: workload.namespaced
    }
  }
  const served = resources
    .filter((r) => r.kind === kind)
    .sort((a, b) => rank(a.group) - rank(b.group))[0]
  if (!served) throw new Error(`the server has no kind "${kind}"`)
  return {
    type: { apiVersion: apiVersionOf(served), kind },
    group: served.group,
    namespaced: served.namespaced
  }
}

function rank(group: string): number {
  const i = GROUP_PREFERENCE.indexOf(group)
  return i < 0 ? GROUP_PREFERENCE.length : i
}

/** The ref's namespace as the API wants it: "default" when a namespaced ref has none. */
export function namespaceOf(kind: KindInfo, ref: ObjectRef): string | undefined {
  return kind.namespaced ? ref.namespace || 'default' : undefined
}

/** "deployment.apps/web" — how kubectl names an object in its messages. */
export function displayName(kind: KindInfo, name: string): string {
  const suffix = kind.group ? `.${kind.group}` : ''
  return `${kind.type.kind.toLowerCase()}${suffix}/${name}`
}
