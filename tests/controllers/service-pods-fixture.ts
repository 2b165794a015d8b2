/**
 * Pods and Services for the endpoints and EndpointSlice controller tests: a pod is created
 * with labels and named container ports, then given an IP and readiness as a kubelet would.
 */
import type { ApiClient } from '../../src/main/apiserver/client'
import type { Json } from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }

/** How a test pod looks. */
export interface TestPod {
  name: string
  labels?: Record<string, string>
  /** Its IP; none means the kubelet has not started it. */
  ip?: string
  ready?: boolean
  nodeName?: string
}

/** Creates a namespace. */
export async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
}

/** Creates the pod (one container exposing `http` on 8080) and sets its status. */
export async function createPod(client: ApiClient, namespace: string, p: TestPod): Promise<Json> {
  const spec: Json = {
    containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }]
  }
  if (p.nodeName) spec.nodeName = p.nodeName
  const pod: Json = await client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace, labels: p.labels ?? { app: 'web' } },
    spec
  })
  if (p.ip) await setPodStatus(client, namespace, p.name, p.ip, p.ready ?? false)
  return pod
}

/** Sets the pod Running with `ip` and its Ready condition, as a kubelet would. */
export async function setPodStatus(
  client: ApiClient,
  namespace: string,
  name: string,
  ip: string,
  ready: boolean
): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  await client.patch(
    POD,
    namespace,
    name,
    'merge',
    {
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }]
      }
    },
    { subresource: 'status' }
  )
}

/** A Service `name` selecting `selector`, with an `http` port (targetPort by name) and a numbered one. */
export function service(namespace: string, name: string, spec: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { team: 'blue' } },
    spec: {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'metrics', port: 9090, targetPort: 9091 }
      ],
      ...spec
    }
  }
}
