/**
 * Node lifecycle (kube-controller-manager's `node-lifecycle-controller`; evicting the pods is the
 * taint eviction controller's part): a node whose Lease has not been renewed within the grace
 * period goes Ready=Unknown with reason NodeStatusUnknown ("Kubelet stopped posting node
 * status."), as kube-controller-manager's node lifecycle controller marks it, and gets the
 * `node.kubernetes.io/unreachable` taints (NoSchedule, and NoExecute with `timeAdded`, from which
 * the taint eviction controller counts the pods' toleration). A node whose kubelet reports Ready=False gets the
 * `node.kubernetes.io/not-ready` taints instead, as Kubernetes' tainting passes do; when the
 * kubelet posts Ready again the taints go. A node without a Lease yet is judged by its creation.
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

/** The taint key Kubernetes puts on unreachable nodes (Ready=Unknown). */
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable'
/** The taint key Kubernetes puts on nodes whose kubelet reports Ready=False. */
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready'
const CONDITION_TAINTS = [UNREACHABLE_TAINT, NOT_READY_TAINT]

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
    let ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status
    const lastRenew = renewed.get(name) ?? (Date.parse(node.metadata?.creationTimestamp ?? '') || 0)
    const stale = now.getTime() - lastRenew > graceMs
    try {
      if (stale && ready !== 'Unknown') {
        await markUnknown(o, node, now)
        ready = 'Unknown'
      }
      await reconcileTaints(o, node, ready, now)
    } catch (err) {
      // A node deleted or changed meanwhile is looked at again on the next pass.
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
    }
  }
}

/**
 * Puts the taints of the Ready condition on the node and takes the others off: Unknown →
 * unreachable, False → not-ready (each NoSchedule and NoExecute), True (or no condition yet) →
 * neither. Taints kept keep their `timeAdded`.
 */
async function reconcileTaints(
  o: NodeLifecycleOptions,
  node: Node,
  ready: string | undefined,
  now: Date
): Promise<void> {
  const want = ready === 'Unknown' ? UNREACHABLE_TAINT : ready === 'False' ? NOT_READY_TAINT : ''
  const current = node.spec?.taints ?? []
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z')
  const kept = current.filter((t) => !CONDITION_TAINTS.includes(t.key) || t.key === want)
  const added: Taint[] = []
  if (want) {
    for (const effect of ['NoSchedule', 'NoExecute']) {
      if (kept.some((t) => t.key === want && t.effect === effect)) continue
      added.push(
        effect === 'NoExecute' ? { key: want, effect, timeAdded: stamp } : { key: want, effect }
      )
    }
  }
  if (added.length === 0 && kept.length === current.length) return
  await setTaints(o, node.metadata!.name!, [...kept, ...added])
  const name = node.metadata?.name
  if (added.length > 0) o.log.warn('node tainted', { node: name, taint: want })
  else o.log.info('node ready again: condition taints removed', { node: name })
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
  // A kubelet that never posted a Ready condition gets one, as Kubernetes words it.
  if (!conditions.some((c) => c.type === 'Ready')) {
    conditions.push({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: stamp,
      lastTransitionTime: stamp
    })
  }
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
  o.log.warn('node not ready: its lease expired', { node: name })
}

function setTaints(o: NodeLifecycleOptions, name: string, taints: Taint[]): Promise<unknown> {
  return o.client.patch(NODE, undefined, name, 'merge', { spec: { taints } })
}
