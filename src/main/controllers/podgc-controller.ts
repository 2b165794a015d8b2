/**
 * The pod garbage collector (kube-controller-manager's `pod-garbage-collector`), a pass every
 * 20 s (`gcCheckPeriod`) over the shared informers' pods and nodes:
 * - terminated pods (Succeeded or Failed) beyond `--terminated-pod-gc-threshold` are deleted,
 *   evicted ones first, then oldest first (0 or less turns this off);
 * - terminating pods on a not-ready node tainted `node.kubernetes.io/out-of-service`;
 * - pods bound to a node that does not exist: once the node has stayed missing through a
 *   quarantine (40 s in Kubernetes) and a live GET still answers NotFound;
 * - terminating pods never scheduled to a node.
 * Each is force-deleted (grace 0), after its phase is set to Failed when it had not finished, with
 * a DisruptionTarget condition for the orphans, as Kubernetes ≥ 1.26 does.
 *
 * Kubernetes keeps 12,500 terminated pods; KubeDesk keeps 1,000, which is plenty on a laptop.
 */
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../apiserver/types'
import type { SharedControllerOptions } from './controller-manager'
import { keyOf } from './shared/informer'
import type { RunningController } from './shared/run-workers'
import { isNotFound } from './shared/api-errors'
import { POD_TYPE } from './shared/pod-utils'

type NodeObj = Node & KubeObject
type PodObj = Pod & KubeObject

const NODE_TYPE = { apiVersion: 'v1', kind: 'Node' }
/** KubeDesk's `--terminated-pod-gc-threshold` default (Kubernetes: 12500). */
export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 1000
const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service'

/** Options beyond the shared ones. */
export interface PodGcOptions extends SharedControllerOptions {
  /** Terminated pods kept (default 1000; 0 or less: never deleted for their number). */
  terminatedPodGcThreshold?: number
  /** Time between passes (default 20 s). */
  gcCheckPeriodMs?: number
  /** How long a node must stay missing before its pods go (default 40 s). */
  quarantineMs?: number
  now?: () => number
}

const isTerminated = (p: Pod): boolean =>
  p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'
const isEvicted = (p: Pod): boolean => p.status?.phase === 'Failed' && p.status.reason === 'Evicted'
const created = (p: PodObj): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0
const isReady = (n: Node): boolean =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false

/** Evicted before others, then oldest first, then by name (`byEvictionAndCreationTimestamp`). */
export function compareForGc(a: PodObj, b: PodObj): number {
  if (isEvicted(a) !== isEvicted(b)) return isEvicted(a) ? -1 : 1
  if (created(a) !== created(b)) return created(a) - created(b)
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
}

/** Starts the collector on the shared Pod and Node informers. */
export function startPodGcController(o: PodGcOptions): RunningController {
  const now = o.now ?? Date.now
  const threshold = o.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD
  const quarantineMs = o.quarantineMs ?? 40_000
  const pods = o.informers.informerFor<PodObj>(POD_TYPE)
  const nodes = o.informers.informerFor<NodeObj>(NODE_TYPE)
  // Missing nodes and when they were first found missing.
  const missingSince = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  let pass: Promise<void> | undefined
  let stopped = false

  const forceDelete = async (pod: PodObj, condition?: PodCondition): Promise<void> => {
    const { namespace, name } = pod.metadata
    try {
      if (!isTerminated(pod)) {
        const others = (pod.status?.conditions ?? []).filter((c) => c.type !== condition?.type)
        const status: Record<string, unknown> = { phase: 'Failed' }
        if (condition) status.conditions = [...others, condition]
        await o.client.patch(
          POD_TYPE,
          namespace,
          name!,
          'merge',
          { status },
          { subresource: 'status' }
        )
      }
      await o.client.delete(POD_TYPE, namespace, name!, { gracePeriodSeconds: 0 })
      o.log.info('PodGC force-deleted pod', { pod: keyOf(pod) })
    } catch (err) {
      if (isNotFound(err)) return
      o.log.warn('PodGC could not delete pod', { pod: keyOf(pod), err: String(err) })
    }
  }

  const gcTerminated = async (all: PodObj[]): Promise<void> => {
    if (threshold <= 0) return
    const terminated = all.filter(isTerminated)
    const excess = terminated.length - threshold
    if (excess <= 0) return
    o.log.info('garbage collecting terminated pods', { count: excess, threshold })
    await Promise.all(
      terminated
        .sort(compareForGc)
        .slice(0, excess)
        .map((p) => forceDelete(p))
    )
  }

  const gcTerminatingOutOfService = async (all: PodObj[]): Promise<void> => {
    const victims = all.filter((p) => {
      const node = p.metadata.deletionTimestamp && nodes.store.get(p.spec?.nodeName ?? '')
      if (!node || isReady(node)) return false
      return (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT)
    })
    await Promise.all(victims.sort(compareForGc).map((p) => forceDelete(p)))
  }

  const nodeGone = async (name: string): Promise<boolean> => {
    try {
      await o.client.get(NODE_TYPE, undefined, name)
      return false
    } catch (err) {
      if (isNotFound(err)) return true
      o.log.warn('PodGC could not get node', { node: name, err: String(err) })
      return false
    }
  }

  const gcOrphaned = async (all: PodObj[]): Promise<void> => {
    const t = now()
    const missing = new Set<string>()
    for (const p of all) {
      const name = p.spec?.nodeName
      if (name && !nodes.store.get(name)) missing.add(name)
    }
    for (const name of missingSince.keys()) if (!missing.has(name)) missingSince.delete(name)
    const gone = new Set<string>()
    for (const name of missing) {
      const since = missingSince.get(name)
      if (since === undefined) missingSince.set(name, t)
      // The cache may simply lag: only a live NotFound after the quarantine counts.
      else if (t - since >= quarantineMs && (await nodeGone(name))) gone.add(name)
    }
    const orphans = all.filter((p) => gone.has(p.spec?.nodeName ?? ''))
    await Promise.all(
      orphans.map((p) =>
        forceDelete(p, {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByPodGC',
          message: 'PodGC: node no longer exists',
          lastTransitionTime: new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')
        })
      )
    )
  }

  const gcUnscheduledTerminating = async (all: PodObj[]): Promise<void> => {
    const victims = all.filter((p) => p.metadata.deletionTimestamp && !p.spec?.nodeName)
    await Promise.all(victims.map((p) => forceDelete(p)))
  }

  /** One pass, in Kubernetes' order. */
  const gc = async (): Promise<void> => {
    const all = pods.store.list()
    await gcTerminated(all)
    await gcTerminatingOutOfService(all)
    await gcOrphaned(all)
    await gcUnscheduledTerminating(all)
  }

  const tick = (): void => {
    if (stopped || pass) return
    pass = gc()
      .catch((err: unknown) => o.log.warn('pod garbage collection failed', { err: String(err) }))
      .finally(() => (pass = undefined))
  }

  const ready = o.informers.start().then(() => {
    if (stopped) return
    o.log.info('pod garbage collector started', { threshold })
    timer = setInterval(tick, o.gcCheckPeriodMs ?? 20_000)
    timer.unref()
  })
  ready.catch((err: unknown) =>
    o.log.error('pod garbage collector failed to start', { err: String(err) })
  )
  return {
    ready,
    async stop() {
      stopped = true
      clearInterval(timer)
      await pass
    }
  }
}
