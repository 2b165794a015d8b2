/**
 * The part of the Kubernetes API the kubelet uses, as one small interface. Two implementations:
 * the in-process client of the control plane (simulated nodes run inside it) and
 * `createHttpsClient` (src/agent/api/https-client.ts) for kubelets in node containers and child
 * processes, which talks HTTPS with the node's token and limits its own request rate as
 * kubelet's `kubeAPIQPS`/`kubeAPIBurst` do.
 */
import type { ApiClient } from '../../main/apiserver/client'

/** The verbs a kubelet needs; `ApiClient` (in-process) satisfies it as it is. */
export type KubeletClient = Pick<
  ApiClient,
  'get' | 'list' | 'watch' | 'create' | 'update' | 'updateStatus' | 'patch' | 'delete'
>

export type { ResourceType, WatchEventOut, WatchHandle } from '../../main/apiserver/client'
export { ApiError } from '../../main/apiserver/api-errors'

/** The kinds the kubelet touches. */
export const KINDS = {
  node: { apiVersion: 'v1', kind: 'Node' },
  pod: { apiVersion: 'v1', kind: 'Pod' },
  event: { apiVersion: 'v1', kind: 'Event' },
  configMap: { apiVersion: 'v1', kind: 'ConfigMap' },
  secret: { apiVersion: 'v1', kind: 'Secret' },
  service: { apiVersion: 'v1', kind: 'Service' },
  lease: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }
} as const
