/**
 * A Deployment's hold on its ReplicaSets: claiming (adopting orphans that match its selector,
 * releasing owned ones that stopped matching) and deleting empty old ones beyond
 * `revisionHistoryLimit`.
 */
import { ApiError } from '../../apiserver/api-errors'
import type { ApiClient } from '../../apiserver/client'
import type { LabelSelector } from '../../apiserver/selectors/label-selector'
import type { ComponentLog } from '../../observe/component-log'
import { getControllerOf, newControllerRef } from '../shared/controller-ref'
import { keyOf, type InformerStore } from '../shared/informer'
import { byCreation, type DeploymentObj, type ReplicaSetObj } from './deployment-util'

const REPLICASET_TYPE = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }

/** What claiming needs: the client, the log and the ReplicaSet cache. */
export interface OwnershipCtx {
  client: ApiClient
  log: ComponentLog
  replicaSets: InformerStore<ReplicaSetObj>
}

/** Deletes empty old ReplicaSets beyond `revisionHistoryLimit`, oldest first. */
export async function cleanupOldSets(
  ctx: OwnershipCtx,
  d: DeploymentObj,
  oldSets: ReplicaSetObj[]
): Promise<void> {
  const limit = d.spec?.revisionHistoryLimit ?? 10
  const empty = oldSets
    .filter(
      (rs) =>
        (rs.spec?.replicas ?? 0) === 0 &&
        (rs.status?.replicas ?? 0) === 0 &&
        !rs.metadata.deletionTimestamp
    )
    .sort(byCreation)
  for (const rs of empty.slice(0, Math.max(0, empty.length - limit))) {
    try {
      await ctx.client.delete(REPLICASET_TYPE, rs.metadata.namespace, rs.metadata.name!)
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
    }
  }
}

/** The Deployment's own ReplicaSets; orphans matching are adopted, owned non-matching released. */
export async function claimReplicaSets(
  ctx: OwnershipCtx,
  d: DeploymentObj,
  selector: LabelSelector
): Promise<ReplicaSetObj[]> {
  const out: ReplicaSetObj[] = []
  for (const rs of ctx.replicaSets.byIndex('namespace', d.metadata.namespace ?? '')) {
    const ref = getControllerOf(rs)
    const matches = selector.matches(rs.metadata.labels)
    if (ref) {
      if (ref.uid !== d.metadata.uid) continue
      if (matches) out.push(rs)
      else
        await setOwners(
          ctx,
          rs,
          (rs.metadata.ownerReferences ?? []).filter((r) => r.uid !== d.metadata.uid)
        )
      continue
    }
    if (!matches || rs.metadata.deletionTimestamp) continue
    const adopted = await setOwners(ctx, rs, [
      ...(rs.metadata.ownerReferences ?? []),
      newControllerRef(d)
    ])
    if (adopted) out.push(adopted)
  }
  return out
}

async function setOwners(
  ctx: OwnershipCtx,
  rs: ReplicaSetObj,
  refs: unknown[]
): Promise<ReplicaSetObj | undefined> {
  try {
    return await ctx.client.patch<ReplicaSetObj>(
      REPLICASET_TYPE,
      rs.metadata.namespace,
      rs.metadata.name!,
      'merge',
      {
        metadata: {
          ownerReferences: refs.length > 0 ? refs : null,
          resourceVersion: rs.metadata.resourceVersion
        }
      }
    )
  } catch (err) {
    ctx.log.info('could not adopt or release replica set', {
      replicaset: keyOf(rs),
      err: String(err)
    })
    return undefined
  }
}
