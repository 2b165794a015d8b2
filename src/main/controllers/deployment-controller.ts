/**
 * The Deployment controller (kube-controller-manager's `pkg/controller/deployment`): owns
 * ReplicaSets named `<deployment>-<pod-template-hash>`, one per template revision, and moves
 * pods from the old ones to the new one by the Deployment's strategy (RollingUpdate within
 * maxSurge/maxUnavailable, or Recreate). Revisions go in `deployment.kubernetes.io/revision`
 * annotations; old ReplicaSets beyond `revisionHistoryLimit` are deleted once a rollout completes.
 * A paused Deployment, or one whose size changed, is only scaled, spread over its ReplicaSets
 * by their sizes (deployment/proportional-scale.ts); status carries Available and Progressing,
 * which turns ProgressDeadlineExceeded after `progressDeadlineSeconds` without progress.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import {
  byCreation,
  canonical,
  equalIgnoreHash,
  revisionOf,
  type DeploymentObj,
  type ReplicaSetObj
} from './deployment/deployment-util'
import { calculateStatus, deploymentComplete } from './deployment/deployment-status'
import {
  claimReplicaSets,
  cleanupOldSets,
  type OwnershipCtx
} from './deployment/replica-set-ownership'
import {
  createNewReplicaSet,
  syncRevision,
  type NewReplicaSetCtx
} from './deployment/new-replica-set'
import { isScalingEvent, scaleDeployment } from './deployment/proportional-scale'
import {
  newRSNewReplicas,
  recreateScaleDown,
  replicasAnnotations,
  rolloutRolling,
  type RolloutOps
} from './deployment/rollout'
import { startController, type RunningController } from './shared/run-workers'
import {
  CONTROLLER_UID_INDEX,
  controllerUidOf,
  getControllerOf,
  specSelector
} from './shared/controller-ref'
import { createEventRecorder, type EventRecorder } from '../observe/event-recorder'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import { keyOf, type Informer } from './shared/informer'
import { createWorkQueue, type WorkQueue } from './shared/work-queue'
import { patchStatus } from './shared/status-patch'
import { POD_TYPE } from './shared/pod-utils'

type PodObj = Pod & KubeObject

const DEPLOYMENT_TYPE = { apiVersion: 'apps/v1', kind: 'Deployment' }
const REPLICASET_TYPE = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
const COMPONENT = 'deployment-controller'

/** Options of the controller. */
export interface DeploymentControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-deployment-syncs`). */
  workers?: number
}

interface Ctx {
  o: DeploymentControllerOptions
  dInformer: Informer<DeploymentObj>
  rsInformer: Informer<ReplicaSetObj>
  podInformer: Informer<PodObj>
  recorder: EventRecorder
  queue: WorkQueue
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startDeploymentController(o: DeploymentControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const dInformer = informers.informerFor<DeploymentObj>(DEPLOYMENT_TYPE)
  const rsInformer = informers.informerFor<ReplicaSetObj>(REPLICASET_TYPE)
  const podInformer = informers.informerFor<PodObj>(POD_TYPE, {
    [CONTROLLER_UID_INDEX]: controllerUidOf
  })
  const queue = createWorkQueue()
  const recorder = createEventRecorder(o.client, COMPONENT, o.log)
  const enqueue = (d: KubeObject): void => queue.add(keyOf(d))

  const ownerOf = (rs: ReplicaSetObj): DeploymentObj | undefined => {
    const ref = getControllerOf(rs)
    if (!ref || ref.kind !== 'Deployment') return undefined
    const d = dInformer.store.get(`${rs.metadata.namespace}/${ref.name}`)
    return d && d.metadata.uid === ref.uid ? d : undefined
  }
  const forRs = (rs: ReplicaSetObj): void => {
    const owner = ownerOf(rs)
    if (owner) return enqueue(owner)
    if (getControllerOf(rs)) return
    for (const d of dInformer.store.byIndex('namespace', rs.metadata.namespace ?? '')) {
      if (specSelector(d)?.matches(rs.metadata.labels)) enqueue(d)
    }
  }
  const offs = [
    dInformer.on('add', (_, d) => enqueue(d)),
    dInformer.on('update', (_, d) => enqueue(d)),
    dInformer.on('delete', (_, d) => enqueue(d)),
    rsInformer.on('add', (_, rs) => forRs(rs)),
    rsInformer.on('update', (old, rs) => {
      if (old && old !== rs && getControllerOf(old)?.uid !== getControllerOf(rs)?.uid) forRs(old)
      forRs(rs)
    }),
    rsInformer.on('delete', (_, rs) => forRs(rs)),
    // Recreate waits for the old pods to be gone.
    podInformer.on('delete', (_, pod) => {
      const ref = getControllerOf(pod)
      const rs = ref && rsInformer.store.get(`${pod.metadata.namespace}/${ref.name}`)
      const d = rs && ownerOf(rs)
      if (d?.spec?.strategy?.type === 'Recreate') enqueue(d)
    })
  ]

  const ctx: Ctx = { o, dInformer, rsInformer, podInformer, recorder, queue }
  return startController({
    kind: 'Deployment',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: (key) => syncDeployment(ctx, key),
    log: o.log
  })
}

const ownership = (ctx: Ctx): OwnershipCtx => ({
  client: ctx.o.client,
  log: ctx.o.log,
  replicaSets: ctx.rsInformer.store
})

const nrs = (ctx: Ctx): NewReplicaSetCtx => ({
  client: ctx.o.client,
  log: ctx.o.log,
  recorder: ctx.recorder
})

/** One reconciliation of the Deployment stored under `key`. */
async function syncDeployment(ctx: Ctx, key: string): Promise<void> {
  const { o } = ctx
  const d = ctx.dInformer.store.get(key)
  if (!d || d.metadata.deletionTimestamp) return
  const selector = specSelector(d)
  if (!selector || selector.empty) {
    o.log.warn('deployment has an invalid or empty selector; not syncing', { deployment: key })
    return
  }
  const sets = await claimReplicaSets(ownership(ctx), d, selector)
  const matching = sets.filter((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template))
  let newRS = matching.sort(byCreation)[0]
  const oldSets = sets.filter((rs) => rs !== newRS)
  const maxOld = Math.max(0, ...oldSets.map(revisionOf))
  let event: 'created' | 'found' | undefined = newRS ? 'found' : undefined

  const ops = rolloutOps(ctx)
  const paused = !!d.spec?.paused
  if (paused || isScalingEvent(d, sets)) {
    // `sync`: a paused Deployment, or one whose size changed, is only scaled (proportionally
    // during a rollout); no new ReplicaSet is created and no rollout step taken.
    await scaleDeployment(d, newRS, oldSets, ops)
  } else if (d.spec?.strategy?.type === 'Recreate') {
    const step = await recreateScaleDown(d, oldSets, ops)
    if (step === 'ready') {
      if (!newRS) {
        newRS = await createNewReplicaSet(nrs(ctx), d, maxOld + 1, d.spec?.replicas ?? 1)
        event = 'created'
      } else if (newRS.spec?.replicas !== d.spec?.replicas) {
        await ops.scale(newRS, d.spec?.replicas ?? 1, d)
      }
    }
  } else if (!newRS) {
    newRS = await createNewReplicaSet(
      nrs(ctx),
      d,
      maxOld + 1,
      newRSNewReplicas(d, oldSets, undefined)
    )
    event = 'created'
  } else {
    await rolloutRolling(d, newRS, oldSets, ops)
  }
  if (newRS) newRS = await syncRevision(nrs(ctx), d, newRS, maxOld)

  const all = newRS ? [...oldSets, newRS] : oldSets
  const { status, recheckMs } = calculateStatus(d, newRS, all, new Date(), event)
  if (paused || (newRS && deploymentComplete(d, status))) {
    await cleanupOldSets(ownership(ctx), d, oldSets)
  }
  if (recheckMs !== undefined) ctx.queue.addAfter(key, recheckMs)
  // Key order differs between what we build and what the server stored; compare canonically.
  if (canonical(status) !== canonical(d.status ?? {})) {
    await patchStatus(o.client, DEPLOYMENT_TYPE, d, { ...status, conditions: status.conditions })
  }
}

/** Scaling as the strategies ask, with the ScalingReplicaSet event. */
function rolloutOps(ctx: Ctx): RolloutOps {
  return {
    async scale(rs, replicas, d) {
      const from = rs.spec?.replicas ?? 0
      const annotations = replicasAnnotations(d)
      const current = rs.metadata.annotations ?? {}
      if (from === replicas && Object.entries(annotations).every(([k, v]) => current[k] === v)) {
        return
      }
      await ctx.o.client.patch(REPLICASET_TYPE, rs.metadata.namespace, rs.metadata.name!, 'merge', {
        metadata: {
          annotations,
          resourceVersion: rs.metadata.resourceVersion
        },
        spec: { replicas }
      })
      if (from !== replicas) {
        const dir = replicas > from ? 'up' : 'down'
        ctx.recorder.event(
          d,
          'Normal',
          'ScalingReplicaSet',
          `Scaled ${dir} replica set ${rs.metadata.name} from ${from} to ${replicas}`
        )
      }
    },
    oldPodsRunning(oldSets) {
      return oldSets.some((rs) =>
        ctx.podInformer.store
          .byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid ?? '')
          .some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
      )
    }
  }
}
