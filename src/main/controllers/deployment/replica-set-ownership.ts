/**
 * A Deployment's hold on its ReplicaSets: claiming (adopting orphans that match its selector,
 * releasing owned ones that stopped matching) and deleting empty old ones beyond
 * `revisionHistoryLimit`.
 */
import type { ApiClient } from '../../apiserver/client'
import type { LabelSelector } from '../../apiserver/selectors/label-selector'
import type { ComponentLog } from '../../observe/component-log'
import { ControllerRefManager } from '../shared/controller-ref-manager'
import type { InformerStore } from '../shared/informer'
import { byCreation, type DeploymentObj, type ReplicaSetObj } from './deployment-util'
import { isNotFound } from '../shared/api-errors'

const REPLICASET_TYPE = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
const DEPLOYMENT_TYPE = { apiVersion: 'apps/v1', kind: 'Deployment' }

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
      if (!isNotFound(err)) throw err
    }
  }
}

/**
 * The Deployment's own ReplicaSets (`getReplicaSetsForDeployment`); orphans matching are
 * adopted, owned non-matching released.
 */
export function claimReplicaSets(
  ctx: OwnershipCtx,
  d: DeploymentObj,
  selector: LabelSelector
): Promise<ReplicaSetObj[]> {
  const manager = new ControllerRefManager<ReplicaSetObj>({
    client: ctx.client,
    log: ctx.log,
    owner: d,
    ownerType: DEPLOYMENT_TYPE,
    objectType: REPLICASET_TYPE
  })
  return manager.claim(ctx.replicaSets.byIndex('namespace', d.metadata.namespace ?? ''), (rs) =>
    selector.matches(rs.metadata.labels)
  )
}
