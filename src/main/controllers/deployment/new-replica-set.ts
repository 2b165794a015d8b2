/**
 * A Deployment's new ReplicaSet (`getNewReplicaSet` in kube-controller-manager's `sync.go`):
 * created as `<deployment>-<pod-template-hash>` with the next revision, and kept carrying the
 * Deployment's annotations and the newest revision.
 */
import type { ApiClient } from '../../apiserver/client'
import type { ComponentLog } from '../../observe/component-log'
import type { EventRecorder } from '../../observe/event-recorder'
import { getControllerOf, newControllerRef } from '../shared/controller-ref'
import { keyOf } from '../shared/informer'
import {
  computeHash,
  copiedAnnotations,
  equalIgnoreHash,
  POD_TEMPLATE_HASH,
  REVISION,
  REVISION_HISTORY,
  revisionOf,
  type DeploymentObj,
  type ReplicaSetObj
} from './deployment-util'
import { replicasAnnotations } from './rollout'
import { isConflict } from '../shared/api-errors'
import { patchStatus } from '../shared/status-patch'

const DEPLOYMENT_TYPE = { apiVersion: 'apps/v1', kind: 'Deployment' }
const REPLICASET_TYPE = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }

/** What creating and updating the new ReplicaSet needs. */
export interface NewReplicaSetCtx {
  client: ApiClient
  log: ComponentLog
  recorder: EventRecorder
}

/** Creates `<deployment>-<hash>`; an equal one already there (a stale cache) is used instead. */
export async function createNewReplicaSet(
  ctx: NewReplicaSetCtx,
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
    const created = await ctx.client.create<ReplicaSetObj>(rs)
    ctx.log.info('created replica set', { deployment: keyOf(d), replicaset: name })
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
    if (!isConflict(err)) throw err
    const live = await ctx.client.get<ReplicaSetObj>(REPLICASET_TYPE, d.metadata.namespace, name)
    if (
      getControllerOf(live)?.uid === d.metadata.uid &&
      equalIgnoreHash(live.spec?.template, d.spec?.template)
    ) {
      return live
    }
    // A hash collision: another template owns the name. Count it so the next hash differs.
    const collisionCount = (d.status?.collisionCount ?? 0) + 1
    await patchStatus(ctx.client, DEPLOYMENT_TYPE, d, { collisionCount })
    throw err
  }
}

/**
 * `SetNewReplicaSetAnnotations`: the new ReplicaSet carries the Deployment's annotations
 * (change-cause…) and the newest revision, its former one kept in `revision-history` (a
 * rollback re-uses an old ReplicaSet); the Deployment carries the revision too.
 */
export async function syncRevision(
  ctx: NewReplicaSetCtx,
  d: DeploymentObj,
  newRS: ReplicaSetObj,
  maxOld: number
): Promise<ReplicaSetObj> {
  let rs = newRS
  const current = rs.metadata.annotations ?? {}
  const want: Record<string, string> = copiedAnnotations(d)
  const old = revisionOf(rs)
  if (old <= maxOld) {
    want[REVISION] = String(maxOld + 1)
    if (old > 0) {
      const history = current[REVISION_HISTORY]
      want[REVISION_HISTORY] = history ? `${history},${old}` : String(old)
    }
  }
  if (Object.entries(want).some(([k, v]) => current[k] !== v)) {
    rs = await ctx.client.patch<ReplicaSetObj>(
      REPLICASET_TYPE,
      rs.metadata.namespace,
      rs.metadata.name!,
      'merge',
      // No resourceVersion: this sync may have just scaled it, and annotations merge safely.
      { metadata: { annotations: want } }
    )
  }
  const revision = String(revisionOf(rs))
  if (d.metadata.annotations?.[REVISION] !== revision) {
    await ctx.client.patch(DEPLOYMENT_TYPE, d.metadata.namespace, d.metadata.name!, 'merge', {
      metadata: { annotations: { [REVISION]: revision } }
    })
  }
  return rs
}
