/** Builders of Nodes and Pods for scheduler tests. */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../src/main/apiserver/types'

/** A Node the API client accepts. */
export type TestNode = Node & KubeObject & { metadata: { name: string } }
/** A Pod the API client accepts. */
export type TestPod = Pod & KubeObject & { metadata: { name: string; namespace: string } }

/** A Ready node with allocatable cpu/memory/pods. */
export function makeNode(
  name: string,
  opts: {
    cpu?: string
    memory?: string
    pods?: string
    labels?: Record<string, string>
    taints?: Taint[]
    unschedulable?: boolean
  } = {}
): TestNode {
  const resources = { cpu: opts.cpu ?? '2', memory: opts.memory ?? '4Gi', pods: opts.pods ?? '110' }
  // JSON round trip: the API server rejects fields set to undefined.
  return clean<TestNode>({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }]
    }
  })
}

/** A one-container pod, pending unless `nodeName` is given. */
export function makePod(
  name: string,
  opts: {
    cpu?: string
    memory?: string
    labels?: Record<string, string>
    spec?: Partial<NonNullable<Pod['spec']>>
    hostPort?: number
    nodeName?: string
  } = {}
): TestPod {
  const requests: Record<string, string> = {}
  if (opts.cpu) requests.cpu = opts.cpu
  if (opts.memory) requests.memory = opts.memory
  return clean<TestPod>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: opts.labels },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['sleep', '3600'],
          resources: { requests },
          ports: opts.hostPort ? [{ containerPort: 80, hostPort: opts.hostPort }] : undefined
        }
      ],
      nodeName: opts.nodeName,
      ...(opts.spec ?? {})
    }
  })
}

function clean<T>(obj: T): T {
  return JSON.parse(JSON.stringify(obj)) as T
}
