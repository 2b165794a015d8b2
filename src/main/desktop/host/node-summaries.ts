/**
 * The `nodes` topic: every Node as a NodeSummary — STATUS and ROLES as `kubectl get nodes` prints
 * them (the API server's node printer), taints, capacity and allocatable, the latest usage the
 * metrics scraper recorded (its newest point in the metrics history), and what the node provider says about the node's machine.
 */
import type { Node } from 'kubernetes-types/core/v1'
import { parseQuantity } from '../../apiserver/admission/shape'
import type { KubeObject } from '../../apiserver/types'
import { nodePrinter } from '../../apiserver/tables/core'
import type { MetricsHistory } from '../../observe/metrics-history'
import type { ClusterStatus, NodeStatus } from '../../../shared/status'
import type { NodeSummary, ResourceAmounts } from '../../../shared/desktop-api'
import type { ListTopic } from './list-subscription'

/** What a node summary needs besides the Node object. */
export interface NodeExtras {
  /** The latest scraped usage of a node. */
  usage(name: string): ResourceAmounts | undefined
  /** The provider's view of a node (from the last status). */
  provider(name: string): NodeSummary['provider']
}

/** NodeExtras from the metrics history and the last ClusterStatus. */
export function nodeExtras(
  history: MetricsHistory,
  status: () => ClusterStatus | undefined
): NodeExtras {
  // The provider's nodes by name, rebuilt when a new status arrives (1,000 nodes ask each poll).
  let seen: ClusterStatus | undefined
  let byName = new Map<string, NodeStatus>()
  return {
    usage(name) {
      const latest = history.latest({ kind: 'node', name })
      if (!latest) return undefined
      return { cpuMillis: Math.round(latest.cpu.value * 1000), memoryBytes: latest.memory.value }
    },
    provider(name) {
      const s = status()
      if (s !== seen) {
        seen = s
        byName = new Map((s?.nodes ?? []).map((n) => [n.name, n]))
      }
      const node = byName.get(name)
      if (!s?.nodeProvider || !node) return undefined
      return { name: s.nodeProvider.name, state: node.state }
    }
  }
}

type Quantities = Record<string, string | number> | undefined

/** CPU (millicores), memory (bytes) and pods of a capacity or allocatable map. */
export function amounts(list: Quantities): ResourceAmounts & { pods: number } {
  const q = (name: string): number => parseQuantity(list?.[name]) ?? 0
  return {
    cpuMillis: Math.round(q('cpu') * 1000),
    memoryBytes: q('memory'),
    pods: q('pods')
  }
}

/** The summary of one Node. */
export function toNodeSummary(obj: KubeObject, extras: NodeExtras): NodeSummary {
  const node = obj as unknown as Node
  const name = obj.metadata.name ?? ''
  const conditions = node.status?.conditions ?? []
  const ready = conditions.find((c) => c.type === 'Ready')?.status
  const info = node.status?.nodeInfo
  // STATUS and ROLES exactly as the server's printer (and so kubectl) words them.
  const [, status, roles] = nodePrinter.row(obj, new Date()).cells.map(String)
  const summary: NodeSummary = {
    key: name,
    name,
    ready: ready === 'True' || ready === 'False' ? ready : 'Unknown',
    status,
    roles: roles === '<none>' ? [] : roles.split(','),
    unschedulable: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map(
      (t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`
    ),
    kubeletVersion: info?.kubeletVersion ?? '',
    containerRuntime: info?.containerRuntimeVersion ?? '',
    createdAt: obj.metadata.creationTimestamp ?? '',
    capacity: amounts(node.status?.capacity as Quantities),
    allocatable: amounts((node.status?.allocatable ?? node.status?.capacity) as Quantities),
    conditions: conditions.map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
      ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {})
    })),
    labels: obj.metadata.labels ?? {}
  }
  const internalIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address
  if (internalIP) summary.internalIP = internalIP
  const usage = extras.usage(name)
  if (usage) summary.usage = usage
  const provider = extras.provider(name)
  if (provider) summary.provider = provider
  return summary
}

/** The `nodes` topic, by name. */
export function nodesTopic(extras: NodeExtras): ListTopic<NodeSummary> {
  return {
    map: (obj) => toNodeSummary(obj, extras),
    compare: (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }
}
