/**
 * `kubectl rollout undo deployment/NAME [--to-revision N]`: finds the Deployment's ReplicaSet of
 * the wanted revision (the `deployment.kubernetes.io/revision` annotation; by default the one
 * before the current) and copies its pod template, minus the `pod-template-hash` label, back
 * into the Deployment. The deployment controller then rolls out as for any template change.
 */
import type { ApiClient } from '../../../apiserver/client'
import type { KubeObject } from '../../../apiserver/types'
import type { ActionResult } from '../../../../shared/desktop-api'

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' }
const REPLICA_SET = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
/** The annotation the deployment controller numbers its ReplicaSets with. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision'
const POD_TEMPLATE_HASH = 'pod-template-hash'

type Template = { metadata?: { labels?: Record<string, string> } & Record<string, unknown> }

function revisionOf(obj: KubeObject): number {
  const n = Number(obj.metadata?.annotations?.[REVISION_ANNOTATION])
  return Number.isInteger(n) && n > 0 ? n : 0
}

/** Rolls Deployment `namespace/name` back to `toRevision` (default: the previous one). */
export async function rollbackDeployment(
  client: ApiClient,
  namespace: string,
  name: string,
  toRevision?: number
): Promise<ActionResult> {
  if (toRevision !== undefined && !(Number.isInteger(toRevision) && toRevision >= 0)) {
    throw new Error(`the revision must be a whole number, not ${String(toRevision)}`)
  }
  const deployment = await client.get(DEPLOYMENT, namespace, name)
  const uid = deployment.metadata?.uid
  const owned = (await client.list(REPLICA_SET, { namespace })).items.filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some((o) => o.uid === uid && o.controller)
  )
  const history = owned
    .map((rs) => ({ rs, revision: revisionOf(rs) }))
    .filter((h) => h.revision > 0)
    .sort((a, b) => b.revision - a.revision)
  const display = `deployment.apps/${name}`
  if (history.length === 0) throw new Error(`no rollout history found for ${display}`)
  const current = Math.max(revisionOf(deployment), history[0].revision)
  let target
  if (toRevision === undefined || toRevision === 0) {
    target = history.find((h) => h.revision < current)
    if (!target) {
      throw new Error(
        `${display} has no previous revision to roll back to (only revision ${current})`
      )
    }
  } else {
    target = history.find((h) => h.revision === toRevision)
    if (!target) {
      const known = history
        .map((h) => h.revision)
        .reverse()
        .join(', ')
      throw new Error(
        `unable to find revision ${toRevision} of ${display} (its revisions: ${known})`
      )
    }
  }
  const template = structuredClone((target.rs.spec as { template?: Template }).template ?? {})
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH]
  const spec = deployment.spec as { template?: unknown }
  if (JSON.stringify(spec.template) === JSON.stringify(template)) {
    return {
      message: `${display} skipped rollback (the current template already matches revision ${target.revision})`
    }
  }
  await client.update({ ...deployment, spec: { ...spec, template } })
  return { message: `${display} rolled back to revision ${target.revision}` }
}
