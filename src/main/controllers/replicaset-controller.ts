/**
 * The ReplicaSet controller (kube-controller-manager's `pkg/controller/replicaset`): keeps
 * `spec.replicas` pods matching `spec.selector` and owned by the ReplicaSet through a
 * controller owner reference. Orphans that match are adopted, owned pods that stop matching are
 * released; missing pods are created from `spec.template` in slow-start batches (1, 2, 4…),
 * surplus ones deleted unscheduled/pending/not-ready/newest first. Expectations keep a stale
 * cache from creating or deleting twice. Status counts replicas, fully labelled, ready and
 * available pods. The same implementation manages ReplicationControllers (see
 * replication-controller.ts): only the kind, the event source and the selector's form differ.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import type { ReplicaSetStatus } from 'kubernetes-types/apps/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import { claimPods } from './replicaset/claim-pods'
import type { ReplicaSetKind, ReplicatedObj } from './replicaset/replica-set-kind'
import {
  CONTROLLER_UID_INDEX,
  controllerUidOf,
  getControllerOf,
  newControllerRef,
  specSelector
} from './shared/controller-ref'
import { createEventRecorder, type EventRecorder } from '../observe/event-recorder'
import { createExpectations } from './shared/expectations'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import { keyOf, type Informer } from './shared/informer'
import {
  compareForDeletion,
  isPodActive,
  isPodAvailable,
  isPodReady,
  slowStartBatch,
  POD_TYPE
} from './shared/pod-utils'
import { startController, type RunningController } from './shared/run-workers'
import { createWorkQueue } from './shared/work-queue'
import { isNotFound, messageOf } from './shared/api-errors'
import { omitEmptyFields, patchStatus } from './shared/status-patch'

export { CONTROLLER_UID_INDEX } from './shared/controller-ref'
export type { RunningController } from './shared/run-workers'

type RS = ReplicatedObj
type PodObj = Pod & KubeObject

/** The resource types the controller reads and writes. */
export const REPLICASET_TYPE = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }

/** Kubernetes' cap on pods created or deleted by one sync (`BurstReplicas`). */
const BURST_REPLICAS = 500

/** The ReplicaSet kind: apps/v1, a LabelSelector in `spec.selector`. */
export const REPLICASET_KIND: ReplicaSetKind = {
  type: REPLICASET_TYPE,
  component: 'replicaset-controller',
  selectorOf: specSelector
}

/** Options of the controller. */
export interface ReplicaSetControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-replicaset-syncs`). */
  workers?: number
}

/** Starts the ReplicaSet controller: informers (if not shared), handlers, workers. */
export function startReplicaSetController(o: ReplicaSetControllerOptions): RunningController {
  return startBaseController(o, REPLICASET_KIND)
}

/**
 * Starts the controller for `kind` (Kubernetes' `NewBaseController`): the ReplicaSet controller,
 * or with a ReplicationController kind the replication manager.
 */
export function startBaseController(
  o: ReplicaSetControllerOptions,
  kind: ReplicaSetKind
): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const rsInformer = informers.informerFor<RS>(kind.type)
  const podInformer = informers.informerFor<PodObj>(POD_TYPE, {
    [CONTROLLER_UID_INDEX]: controllerUidOf
  })
  const queue = createWorkQueue()
  const expectations = createExpectations()
  const recorder = createEventRecorder(o.client, kind.component, o.log)
  const enqueue = (rs: KubeObject): void => queue.add(keyOf(rs))

  // The ReplicaSet controlling `pod`, when the cache has it with the same uid.
  const ownerOf = (pod: PodObj): RS | undefined => {
    const ref = getControllerOf(pod)
    if (!ref || ref.kind !== kind.type.kind) return undefined
    const rs = rsInformer.store.get(`${pod.metadata.namespace}/${ref.name}`)
    return rs && rs.metadata.uid === ref.uid ? rs : undefined
  }
  const matchingSets = (pod: PodObj): RS[] =>
    rsInformer.store
      .byIndex('namespace', pod.metadata.namespace ?? '')
      .filter((rs) => kind.selectorOf(rs)?.matches(pod.metadata.labels) ?? false)

  const offs = [
    rsInformer.on('add', (_, rs) => enqueue(rs)),
    rsInformer.on('update', (_, rs) => enqueue(rs)),
    rsInformer.on('delete', (_, rs) => {
      expectations.delete(keyOf(rs))
      enqueue(rs)
    }),
    podInformer.on('add', (_, pod) => {
      const owner = ownerOf(pod)
      if (owner) {
        expectations.creationObserved(keyOf(owner))
        enqueue(owner)
      } else if (!getControllerOf(pod)) matchingSets(pod).forEach(enqueue)
    }),
    podInformer.on('update', (old, pod) => {
      if (old === pod) return // resync: the ReplicaSets resync themselves
      const oldOwner = old && ownerOf(old)
      const owner = ownerOf(pod)
      if (pod.metadata.deletionTimestamp && owner) {
        expectations.deletionObserved(keyOf(owner), keyOf(pod))
      }
      if (oldOwner && oldOwner !== owner) enqueue(oldOwner)
      if (owner) enqueue(owner)
      else if (!getControllerOf(pod)) matchingSets(pod).forEach(enqueue)
    }),
    podInformer.on('delete', (old, pod) => {
      const owner = ownerOf(old ?? pod)
      if (!owner) return
      expectations.deletionObserved(keyOf(owner), keyOf(pod))
      enqueue(owner)
    })
  ]

  const ctx: SyncContext = { o, kind, rsInformer, podInformer, expectations, recorder, queue }
  return startController({
    kind: kind.type.kind,
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: (key) => syncReplicaSet(ctx, key),
    log: o.log
  })
}

interface SyncContext {
  o: ReplicaSetControllerOptions
  kind: ReplicaSetKind
  rsInformer: Informer<RS>
  podInformer: Informer<PodObj>
  expectations: ReturnType<typeof createExpectations>
  recorder: EventRecorder
  queue: ReturnType<typeof createWorkQueue>
}

/** One reconciliation of the ReplicaSet stored under `key`. */
async function syncReplicaSet(ctx: SyncContext, key: string): Promise<void> {
  const { o, rsInformer, expectations } = ctx
  const rs = rsInformer.store.get(key)
  if (!rs) {
    expectations.delete(key)
    return
  }
  const selector = ctx.kind.selectorOf(rs)
  if (!selector) {
    o.log.warn(`${ctx.kind.type.kind} has an invalid selector`, { object: key })
    return
  }
  const needsSync = expectations.satisfied(key)
  const pods = await claimPods(
    { client: o.client, log: o.log, kind: ctx.kind, pods: ctx.podInformer.store },
    rs,
    selector
  )
  const active = pods.filter(isPodActive)
  let manageError: unknown
  if (needsSync && !rs.metadata.deletionTimestamp) {
    try {
      await manageReplicas(ctx, rs, key, active)
    } catch (err) {
      manageError = err
    }
  }
  await updateStatus(ctx, rs, active)
  if (manageError) throw manageError
}

/** Creates or deletes pods so that `active` reaches `spec.replicas`. */
async function manageReplicas(
  ctx: SyncContext,
  rs: RS,
  key: string,
  active: PodObj[]
): Promise<void> {
  const { o, expectations, recorder } = ctx
  const diff = active.length - (rs.spec?.replicas ?? 1)
  if (diff < 0) {
    const count = Math.min(-diff, BURST_REPLICAS)
    expectations.expectCreations(key, count)
    const { attempted, error } = await slowStartBatch(count, 1, async () => {
      try {
        const pod = await o.client.create<PodObj>(podFromTemplate(rs))
        recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
      } catch (err) {
        // A failed create will never be observed.
        expectations.creationObserved(key)
        recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`)
        throw err
      }
    })
    // Batches never started will not be observed either.
    for (let i = attempted; i < count; i++) expectations.creationObserved(key)
    if (error) throw error
  } else if (diff > 0) {
    const count = Math.min(diff, BURST_REPLICAS)
    const victims = [...active].sort(compareForDeletion).slice(0, count)
    expectations.expectDeletions(
      key,
      victims.map((p) => keyOf(p))
    )
    const results = await Promise.allSettled(
      victims.map(async (pod) => {
        try {
          await o.client.delete(POD_TYPE, pod.metadata.namespace, pod.metadata.name!)
          recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`)
        } catch (err) {
          expectations.deletionObserved(key, keyOf(pod))
          if (isNotFound(err)) return
          recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`)
          throw err
        }
      })
    )
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  }
}

/** A pod as `spec.template` describes it, named `<rs>-<random>` and controlled by `rs`. */
export function podFromTemplate(rs: RS): PodObj {
  const template = structuredClone(rs.spec?.template ?? {})
  const meta = template.metadata ?? {}
  // The in-process client takes objects as they are: absent fields must be absent, not undefined.
  const metadata: PodObj['metadata'] = {
    generateName: `${rs.metadata.name}-`,
    namespace: rs.metadata.namespace,
    ownerReferences: [newControllerRef(rs)]
  }
  if (meta.labels) metadata.labels = meta.labels
  if (meta.annotations) metadata.annotations = meta.annotations
  if (meta.finalizers) metadata.finalizers = meta.finalizers
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: template.spec!
  }
}

/** Computes status from the claimed pods and writes it when it changed. */
async function updateStatus(ctx: SyncContext, rs: RS, active: PodObj[]): Promise<void> {
  const minReady = rs.spec?.minReadySeconds ?? 0
  const now = Date.now()
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {}
  const fully = active.filter((p) =>
    Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)
  )
  const ready = active.filter(isPodReady)
  const available = active.filter((p) => isPodAvailable(p, minReady, now))
  const want: ReplicaSetStatus = {
    ...rs.status,
    replicas: active.length,
    fullyLabeledReplicas: fully.length,
    readyReplicas: ready.length,
    availableReplicas: available.length,
    observedGeneration: rs.metadata.generation
  }
  // A pod ready but not yet available for minReadySeconds needs another look later.
  if (minReady > 0 && ready.length > available.length) {
    ctx.queue.addAfter(keyOf(rs), minReady * 1000 + 100)
  }
  const cur: ReplicaSetStatus = rs.status ?? ({} as ReplicaSetStatus)
  const fields = [
    'replicas',
    'fullyLabeledReplicas',
    'readyReplicas',
    'availableReplicas',
    'observedGeneration'
  ] as const
  if (fields.every((f) => (cur[f] ?? 0) === (want[f] ?? 0))) return
  // Zero counts are omitted, as Kubernetes' omitempty fields are (`replicas` always shows).
  await patchStatus(ctx.o.client, ctx.kind.type, rs, omitEmptyFields(want, fields, ['replicas']))
}
