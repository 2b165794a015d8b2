/**
 * The Deployment controller (kube-controller-manager's `pkg/controller/deployment`): owns
 * ReplicaSets named `<deployment>-<pod-template-hash>`, one per template revision, and moves
 * pods from the old ones to the new one by the Deployment's strategy (RollingUpdate within
 * maxSurge/maxUnavailable, or Recreate). Revisions go in `deployment.kubernetes.io/revision`
 * annotations; old ReplicaSets beyond `revisionHistoryLimit` are deleted once a rollout completes.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import { ApiError } from '../apiserver/api-errors'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import {
  byCreation,
  canonical,
  computeHash,
  copiedAnnotations,
  equalIgnoreHash,
  POD_TEMPLATE_HASH,
  REVISION,
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
  newControllerRef,
  specSelector
} from './shared/controller-ref'
import { createEventRecorder, type EventRecorder } from '../observe/event-recorder'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import { keyOf, type Informer } from './shared/informer'
import { createWorkQueue, type WorkQueue } from './shared/work-queue'

type PodObj = Pod & KubeObject

const DEPLOYMENT_TYPE = { apiVersion: 'apps/v1', kind: 'Deployment' }
const REPLICASET_TYPE = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
const POD_TYPE = { apiVersion: 'v1', kind: 'Pod' }
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

  if (!d.spec?.paused) {
    const ops = rolloutOps(ctx)
    if (d.spec?.strategy?.type === 'Recreate') {
      const step = await recreateScaleDown(d, oldSets, ops)
      if (step === 'ready') {
        if (!newRS) {
          newRS = await createNewReplicaSet(ctx, d, maxOld + 1, d.spec?.replicas ?? 1)
          event = 'created'
        } else if (newRS.spec?.replicas !== d.spec?.replicas) {
          await ops.scale(newRS, d.spec?.replicas ?? 1, d)
        }
      }
    } else if (!newRS) {
      newRS = await createNewReplicaSet(ctx, d, maxOld + 1, newRSNewReplicas(d, oldSets, undefined))
      event = 'created'
    } else {
      await rolloutRolling(d, newRS, oldSets, ops)
    }
  }
  if (newRS) newRS = await syncRevision(ctx, d, newRS, maxOld)

  const all = newRS ? [...oldSets, newRS] : oldSets
  const { status, recheckMs } = calculateStatus(d, newRS, all, new Date(), event)
  if (newRS && deploymentComplete(d, status)) await cleanupOldSets(ownership(ctx), d, oldSets)
  if (recheckMs !== undefined) ctx.queue.addAfter(key, recheckMs)
  // Key order differs between what we build and what the server stored; compare canonically.
  if (canonical(status) !== canonical(d.status ?? {})) {
    await o.client.patch(
      DEPLOYMENT_TYPE,
      d.metadata.namespace,
      d.metadata.name!,
      'merge',
      {
        status: { ...status, conditions: status.conditions }
      },
      { subresource: 'status' }
    )
  }
}

/** Scaling as the strategies ask, with the ScalingReplicaSet event. */
function rolloutOps(ctx: Ctx): RolloutOps {
  return {
    async scale(rs, replicas, d) {
      const from = rs.spec?.replicas ?? 0
      await ctx.o.client.patch(REPLICASET_TYPE, rs.metadata.namespace, rs.metadata.name!, 'merge', {
        metadata: {
          annotations: replicasAnnotations(d),
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

/** Creates `<deployment>-<hash>`; an equal one already there (a stale cache) is used instead. */
async function createNewReplicaSet(
  ctx: Ctx,
  d: DeploymentObj,
  revision: number,
  replicas: number
): Promise<ReplicaSetObj> {
  const hash = computeHash(d.spec?.template, d.status?.collisionCount)
  const template = structuredClone(d.spec!.template)
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash }
  }
  const selector = structuredClone(d.spec!.selector)
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash }
  const name = `${d.metadata.name}-${hash}`
  const rs: ReplicaSetObj = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: d.metadata.namespace,
      labels: template.metadata.labels,
      annotations: {
        ...copiedAnnotations(d),
        ...replicasAnnotations(d),
        [REVISION]: String(revision)
      },
      ownerReferences: [newControllerRef(d)]
    },
    spec: { replicas, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template }
  }
  try {
    const created = await ctx.o.client.create<ReplicaSetObj>(rs)
    ctx.o.log.info('created replica set', { deployment: keyOf(d), replicaset: name })
    if (replicas > 0) {
      ctx.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} from 0 to ${replicas}`
      )
    }
    return created
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err
    const live = await ctx.o.client.get<ReplicaSetObj>(REPLICASET_TYPE, d.metadata.namespace, name)
    if (
      getControllerOf(live)?.uid === d.metadata.uid &&
      equalIgnoreHash(live.spec?.template, d.spec?.template)
    ) {
      return live
    }
    // A hash collision: another template owns the name. Count it so the next hash differs.
    await ctx.o.client.patch(
      DEPLOYMENT_TYPE,
      d.metadata.namespace,
      d.metadata.name!,
      'merge',
      {
        status: { collisionCount: (d.status?.collisionCount ?? 0) + 1 }
      },
      { subresource: 'status' }
    )
    throw err
  }
}

/** The new ReplicaSet's revision is the newest; the Deployment carries it too. */
async function syncRevision(
  ctx: Ctx,
  d: DeploymentObj,
  newRS: ReplicaSetObj,
  maxOld: number
): Promise<ReplicaSetObj> {
  let rs = newRS
  if (revisionOf(rs) <= maxOld) {
    rs = await ctx.o.client.patch<ReplicaSetObj>(
      REPLICASET_TYPE,
      rs.metadata.namespace,
      rs.metadata.name!,
      'merge',
      {
        metadata: { annotations: { [REVISION]: String(maxOld + 1) } }
      }
    )
  }
  const revision = String(revisionOf(rs))
  if (d.metadata.annotations?.[REVISION] !== revision) {
    await ctx.o.client.patch(DEPLOYMENT_TYPE, d.metadata.namespace, d.metadata.name!, 'merge', {
      metadata: { annotations: { [REVISION]: revision } }
    })
  }
  return rs
}
