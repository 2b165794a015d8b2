/**
 * Node lifecycle (the part the nodes milestone needs; the full controller with pod eviction
 * comes with the controller manager): a node whose Lease has not been renewed within the grace
 * period goes Ready=Unknown with reason NodeStatusUnknown ("Kubelet stopped posting node
 * status."), as kube-controller-manager's node lifecycle controller marks it, and gets the
 * `node.kubernetes.io/unreachable` taints. When its kubelet posts Ready again the taints go.
 *
 * Kubernetes' default grace is 40 s (50 s since 1.32); KubeDesk uses 20 s, which suits a laptop
 * where a stopped node is a deliberate act. `kubedesk up --node-monitor-grace-period` changes it.
 */
import type { Lease } from 'kubernetes-types/coordination/v1'
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import { ApiError } from '../apiserver/api-errors'
import type { ComponentLog } from '../observe/component-log'

/** The taint keys Kubernetes puts on unreachable nodes. */
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable'

/** Options of the controller. */
export interface NodeLifecycleOptions {
  client: ApiClient
  log: ComponentLog
  /** Lease age after which a node is Unknown (default 20 s). */
  gracePeriodSeconds?: number
  /** How often leases are checked (default 5 s, as kube-controller-manager's node-monitor-period). */
  monitorPeriodSeconds?: number
  now?: () => Date
}

const NODE = { apiVersion: 'v1', kind: 'Node' }
const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }

/** Starts monitoring; returns a stop function. */
export function startNodeLifecycleController(o: NodeLifecycleOptions): () => void {
  const graceMs = (o.gracePeriodSeconds ?? 20) * 1000
  const now = o.now ?? (() => new Date())
  let running: Promise<void> | undefined
  const tick = (): void => {
    running ??= monitor(o, graceMs, now())
      .catch((err: unknown) => o.log.warn('node lifecycle check failed', { err }))
      .finally(() => (running = undefined))
  }
  const timer = setInterval(tick, (o.monitorPeriodSeconds ?? 5) * 1000)
  timer.unref()
  return () => clearInterval(timer)
}

/** One pass over every node: the unit tests call it directly. */
export async function monitor(o: NodeLifecycleOptions, graceMs: number, now: Date): Promise<void> {
  const [nodes, leases] = await Promise.all([
    o.client.list<Node & KubeObject>(NODE),
    o.client.list<Lease & KubeObject>(LEASE, { namespace: 'kube-node-lease' })
  ])
  const renewed = new Map(
    leases.items.map((l) => [l.metadata?.name, Date.parse(l.spec?.renewTime ?? '') || 0])
  )
  for (const node of nodes.items) {
    const name = node.metadata?.name ?? ''
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
    const lastRenew = renewed.get(name) ?? 0
    const stale = now.getTime() - lastRenew > graceMs
    try {
      if (stale && ready?.status !== 'Unknown') await markUnknown(o, node, now)
      else if (!stale && ready?.status === 'True' && hasUnreachableTaint(node)) {
        await setTaints(
          o,
          name,
          (node.spec?.taints ?? []).filter((t) => t.key !== UNREACHABLE_TAINT)
        )
        o.log.info('node reachable again', { node: name })
      }
    } catch (err) {
      // A node deleted or changed meanwhile is looked at again on the next pass.
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
    }
  }
}

async function markUnknown(o: NodeLifecycleOptions, node: Node, now: Date): Promise<void> {
  const name = node.metadata!.name!
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z')
  const conditions: NodeCondition[] = (node.status?.conditions ?? []).map((c) =>
    ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type)
      ? {
          ...c,
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastTransitionTime: stamp
        }
      : c
  )
  await o.client.patch(
    NODE,
    undefined,
    name,
    'merge',
    { status: { conditions } },
    {
      subresource: 'status'
    }
  )
  if (!hasUnreachableTaint(node)) {
    await setTaints(o, name, [
      ...(node.spec?.taints ?? []),
      { key: UNREACHABLE_TAINT, effect: 'NoSchedule' },
      { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: stamp }
    ])
  }
  o.log.warn('node not ready: its lease expired', { node: name })
}

function hasUnreachableTaint(node: Node): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === UNREACHABLE_TAINT)
}

function setTaints(o: NodeLifecycleOptions, name: string, taints: Taint[]): Promise<unknown> {
  return o.client.patch(NODE, undefined, name, 'merge', { spec: { taints } })
}
