/**
 * What the Logs view's picker offers: the control-plane components (those this process logs,
 * those with a log file, and the well-known ones), each node's kubelet (simulated nodes' kubelets
 * write to the node-provider log), and every container of every pod (init containers too).
 */
import type { ApiClient } from '../../../apiserver/client'
import type { KubeObject } from '../../../apiserver/types'
import {
  CONTROL_PLANE_COMPONENT,
  isComponentName,
  KNOWN_COMPONENTS,
  loggedComponents
} from '../../../observe/component-log'
import { existingLogHub } from '../../../observe/log-hub'
import { kubeletLogComponent, kubeletNodeOf } from '../../../nodes/kubelet-verbosity'
import type { LogSource } from '../../../../shared/desktop-api'
import type { HostContext } from '../host-context'
import { NODE_TYPE, POD_TYPE } from '../resource-types'

/** The components with a log in this data directory, kubelets included. */
export function componentNames(dataDir: string): Set<string> {
  return new Set([
    CONTROL_PLANE_COMPONENT,
    ...KNOWN_COMPONENTS,
    ...(existingLogHub(dataDir)?.components() ?? []),
    ...loggedComponents(dataDir)
  ])
}

function onFakeRuntime(node: KubeObject): boolean {
  const info = (node.status as { nodeInfo?: { containerRuntimeVersion?: string } } | undefined)
    ?.nodeInfo
  return info?.containerRuntimeVersion?.startsWith('fake://') === true
}

/** Every log source, components first, then nodes, then pods (each group sorted). */
export async function listLogSources(ctx: HostContext): Promise<LogSource[]> {
  const names = componentNames(ctx.dataDir)
  const client: ApiClient | undefined = ctx.controlPlane.apiClient
  const pods = client ? (await client.list(POD_TYPE)).items : []
  if (client) {
    for (const node of (await client.list(NODE_TYPE)).items) {
      // Simulated nodes' kubelets log to the node provider's log, not a kubelet log of their own.
      if (node.metadata?.name && !onFakeRuntime(node)) {
        names.add(kubeletLogComponent(node.metadata.name))
      }
    }
  }
  const components: LogSource[] = []
  const nodes: LogSource[] = []
  for (const name of [...names].sort()) {
    if (!isComponentName(name)) continue
    const node = kubeletNodeOf(name)
    if (node) nodes.push({ kind: 'component', name, title: name, group: 'nodes' })
    else components.push({ kind: 'component', name, title: name, group: 'control plane' })
  }
  const podSources: LogSource[] = []
  for (const pod of pods) {
    const namespace = pod.metadata?.namespace ?? 'default'
    const name = pod.metadata?.name ?? ''
    const spec = (pod.spec ?? {}) as {
      containers?: { name: string }[]
      initContainers?: { name: string }[]
    }
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      podSources.push({
        kind: 'pod',
        namespace,
        name,
        container: c.name,
        title: `${namespace}/${name}/${c.name}`,
        group: 'pods'
      })
    }
  }
  podSources.sort((a, b) => a.title.localeCompare(b.title, 'en', { numeric: true }))
  return [...components, ...nodes, ...podSources]
}
