/**
 * The Node object the kubelet registers and keeps up to date: labels, addresses, capacity,
 * nodeInfo, daemon endpoint and the Ready / MemoryPressure / DiskPressure / PIDPressure
 * conditions, as kubelet's nodestatus setters write them.
 */
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1'
import { release } from 'node:os'
import type { KubeletConfig } from '../config'
import { KUBELET_DEFAULTS } from '../config'

/** The version the kubelet reports; equal to the API server's `/version` (v1.32.0+kubedesk). */
export const KUBELET_VERSION = 'v1.32.0+kubedesk'

/** `x64` → `amd64`, as Go names architectures. */
export function goArch(arch: string = process.arch): string {
  return (
    ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[arch] ??
    arch
  )
}

/** The labels kubelet puts on its Node, plus the configured ones. */
export function nodeLabels(config: KubeletConfig): Record<string, string> {
  return {
    'kubernetes.io/hostname': config.nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': goArch(),
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': goArch(),
    'node-role.kubernetes.io/worker': '',
    ...config.labels
  }
}

/** The Node as first registered (metadata and status). */
export function initialNode(config: KubeletConfig, status: NodeStatus): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: config.nodeName,
      labels: nodeLabels(config),
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' }
    },
    spec: {},
    status
  }
}

const CONDITIONS: [string, string, string][] = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'KubeletReady', 'kubelet is posting ready status']
]

/** Everything the kubelet owns in node.status, with heartbeat times set to `now`. */
export function desiredNodeStatus(
  config: KubeletConfig,
  runtime: { runtimeName: string; runtimeVersion: string },
  previous: NodeStatus | undefined,
  now: string
): NodeStatus {
  const resources: Record<string, string> = {
    cpu: config.capacity.cpu,
    memory: config.capacity.memory,
    pods: config.capacity.pods || KUBELET_DEFAULTS.pods,
    'ephemeral-storage': '100Gi'
  }
  const conditions: NodeCondition[] = CONDITIONS.map(([type, reason, message]) => {
    const status = type === 'Ready' ? 'True' : 'False'
    const old = previous?.conditions?.find((c) => c.type === type)
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now
    }
  })
  return {
    ...previous,
    capacity: resources,
    allocatable: { ...resources },
    addresses: config.addresses.map((a) => ({ type: a.type, address: a.address })),
    conditions,
    daemonEndpoints: { kubeletEndpoint: { Port: config.server?.port ?? 0 } },
    nodeInfo: {
      machineID: config.nodeName,
      systemUUID: config.nodeName,
      bootID: previous?.nodeInfo?.bootID ?? '',
      kernelVersion: release(),
      osImage: 'KubeDesk node',
      containerRuntimeVersion: `${runtime.runtimeName}://${runtime.runtimeVersion}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: goArch()
    }
  }
}

/** Whether two statuses differ in more than heartbeat times. */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined) =>
    JSON.stringify({
      ...s,
      conditions: s?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined }))
    })
  return strip(a) !== strip(b)
}
