/**
 * The taint eviction controller (kube-controller-manager's `taint-eviction-controller`, once the
 * node lifecycle controller's NoExecuteTaintManager): a pod bound to a node with NoExecute taints
 * it does not tolerate is deleted at once; one tolerating every such taint is deleted when the
 * shortest `tolerationSeconds` of the tolerations used has passed since the taint came; one
 * tolerating them for ever stays. Removing the taint in time cancels the eviction. Events
 * `TaintManagerEviction` say "Marking for deletion Pod ns/name" and "Cancelling deletion of Pod
 * ns/name", as Kubernetes words them.
 *
 * The queue holds `Node/<name>` and `Pod/<ns>/<name>` keys. A node key fans out to the keys of
 * its pods; only pod keys decide, so one pod is never handled by two workers at once. A pending
 * eviction is the pod key queued with `addAfter` until its time.
 */
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../apiserver/types'
import { createEventRecorder } from '../observe/event-recorder'
import { tolerates } from '../scheduler/framework/selectors'
import type { SharedControllerOptions } from './controller-manager'
import { keyOf } from './shared/informer'
import { startController, type RunningController } from './shared/run-workers'
import { createWorkQueue } from './shared/work-queue'
import { isNotFound } from './shared/api-errors'
import { POD_TYPE } from './shared/pod-utils'

type NodeObj = Node & KubeObject
type PodObj = Pod & KubeObject

const NODE_TYPE = { apiVersion: 'v1', kind: 'Node' }
const COMPONENT = 'taint-eviction-controller'
/** The pod index by `spec.nodeName`, as kube-controller-manager's shared pod informer has it. */
export const NODE_NAME_INDEX = 'spec.nodeName'
/** The event reason of both the eviction and its cancellation. */
export const TAINT_MANAGER_EVICTION = 'TaintManagerEviction'

/** Options beyond the shared ones (tests inject a clock). */
export interface TaintEvictionOptions extends SharedControllerOptions {
  now?: () => number
}

/** The NoExecute taints of a node. */
export function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute')
}

/**
 * How long `tolerations` let a pod stay after `taint` came: `undefined` when none tolerates it
 * (evict now), `Infinity` when none of those that do sets `tolerationSeconds`, else the shortest
 * one (0 or less: now), as Kubernetes' `getMinTolerationTime` reads the tolerations used.
 */
export function tolerationSecondsFor(taint: Taint, tolerations: Toleration[]): number | undefined {
  const used = tolerations.filter((t) => tolerates(t, taint))
  if (used.length === 0) return undefined
  let min = Infinity
  for (const t of used) {
    if (typeof t.tolerationSeconds === 'number')
      min = Math.min(min, Math.max(0, t.tolerationSeconds))
  }
  return min
}

const sameTaints = (a: Taint[], b: Taint[]): boolean => JSON.stringify(a) === JSON.stringify(b)
const sameTolerations = (a: Pod | undefined, b: Pod): boolean =>
  JSON.stringify(a?.spec?.tolerations ?? []) === JSON.stringify(b.spec?.tolerations ?? [])

/** Starts the controller on the shared Node and Pod informers. */
export function startTaintEvictionController(o: TaintEvictionOptions): RunningController {
  const now = o.now ?? Date.now
  const nodes = o.informers.informerFor<NodeObj>(NODE_TYPE)
  const pods = o.informers.informerFor<PodObj>(POD_TYPE, {
    [NODE_NAME_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : [])
  })
  const queue = createWorkQueue()
  const recorder = createEventRecorder(o.client, COMPONENT, o.log)
  // When this controller first saw each NoExecute taint (`node\0key\0value`).
  const seen = new Map<string, number>()
  // Pods with an eviction waiting, by key: their due time.
  const scheduled = new Map<string, number>()
  const podKey = (pod: PodObj): string => `Pod/${keyOf(pod)}`

  const offs = [
    nodes.on('add', (_, n) => {
      if (noExecuteTaints(n).length > 0) queue.add(`Node/${keyOf(n)}`)
    }),
    nodes.on('update', (old, n) => {
      if (!sameTaints(noExecuteTaints(old), noExecuteTaints(n))) queue.add(`Node/${keyOf(n)}`)
    }),
    nodes.on('delete', (_, n) => queue.add(`Node/${keyOf(n)}`)),
    pods.on('add', (_, p) => {
      if (p.spec?.nodeName) queue.add(podKey(p))
    }),
    pods.on('update', (old, p) => {
      const moved = old?.spec?.nodeName !== p.spec?.nodeName
      const deleting = p.metadata.deletionTimestamp && scheduled.has(keyOf(p))
      if (moved || deleting || !sameTolerations(old, p)) queue.add(podKey(p))
    }),
    pods.on('delete', (_, p) => {
      if (scheduled.has(keyOf(p))) queue.add(podKey(p))
    })
  ]

  const cancel = (key: string, pod: { metadata: { namespace?: string; name?: string } }): void => {
    if (!scheduled.delete(key)) return
    const meta = pod.metadata
    recorder.event(
      { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: meta.namespace, name: meta.name } },
      'Normal',
      TAINT_MANAGER_EVICTION,
      `Cancelling deletion of Pod ${key}`
    )
  }

  // When the eviction clock of a taint starts: when it was first seen, but never later than its
  // timeAdded allows (timeAdded has whole seconds, so it may read up to 1 s early).
  const startOf = (nodeName: string, taint: Taint): number => {
    const id = `${nodeName}\0${taint.key}\0${taint.value ?? ''}`
    let first = seen.get(id)
    if (first === undefined) seen.set(id, (first = now()))
    const added = Date.parse(taint.timeAdded ?? '')
    return Number.isNaN(added) ? first : Math.min(first, added + 1000)
  }

  const syncNode = (name: string): void => {
    const taints = noExecuteTaints(nodes.store.get(name))
    const ids = new Set(taints.map((t) => `${name}\0${t.key}\0${t.value ?? ''}`))
    for (const id of seen.keys()) if (id.startsWith(`${name}\0`) && !ids.has(id)) seen.delete(id)
    for (const t of taints) startOf(name, t)
    for (const pod of pods.store.byIndex(NODE_NAME_INDEX, name)) queue.add(podKey(pod))
  }

  const syncPod = async (key: string): Promise<void> => {
    const pod = pods.store.get(key)
    if (!pod) {
      const [namespace, name] = key.split('/')
      return cancel(key, { metadata: { namespace, name } })
    }
    if (pod.metadata.deletionTimestamp) return void scheduled.delete(key)
    const nodeName = pod.spec?.nodeName
    const node = nodeName ? nodes.store.get(nodeName) : undefined
    // A pod on a node that is gone is left to the pod garbage collector, without a word.
    if (nodeName && !node) return void scheduled.delete(key)
    const taints = noExecuteTaints(node)
    if (!nodeName || taints.length === 0) return cancel(key, pod)
    // Each taint may be tolerated for its own time from its own start; the first to run out wins.
    let due = Infinity
    for (const taint of taints) {
      const seconds = tolerationSecondsFor(taint, pod.spec?.tolerations ?? [])
      if (seconds === undefined) {
        due = now()
        break
      }
      if (seconds !== Infinity) due = Math.min(due, startOf(nodeName, taint) + seconds * 1000)
    }
    if (due === Infinity) return cancel(key, pod)
    if (due > now()) {
      scheduled.set(key, due)
      queue.addAfter(`Pod/${key}`, due - now())
      return
    }
    scheduled.delete(key)
    await evict(pod)
  }

  const evict = async (pod: PodObj): Promise<void> => {
    const { namespace, name } = pod.metadata
    recorder.event(pod, 'Normal', TAINT_MANAGER_EVICTION, `Marking for deletion Pod ${keyOf(pod)}`)
    o.log.info('deleting pod for a NoExecute taint', { pod: keyOf(pod), node: pod.spec?.nodeName })
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget')
    try {
      await o.client.patch(
        POD_TYPE,
        namespace,
        name!,
        'merge',
        {
          status: {
            conditions: [
              ...conditions,
              {
                type: 'DisruptionTarget',
                status: 'True',
                reason: 'DeletionByTaintManager',
                message: 'Taint manager: deleting due to NoExecute taint',
                lastTransitionTime: new Date(now()).toISOString().replace(/\.\d+Z$/, 'Z')
              }
            ]
          }
        },
        { subresource: 'status' }
      )
      await o.client.delete(POD_TYPE, namespace, name!)
    } catch (err) {
      if (isNotFound(err)) return
      throw err
    }
  }

  return startController({
    kind: 'TaintEviction',
    informers: o.informers,
    ownInformers: false,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: async (key) => {
      if (key.startsWith('Node/')) return syncNode(key.slice('Node/'.length))
      await syncPod(key.slice('Pod/'.length))
    },
    log: o.log
  })
}
