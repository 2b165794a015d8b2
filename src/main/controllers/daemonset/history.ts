/**
 * DaemonSet revisions as ControllerRevisions (kube-controller-manager's `daemon/update.go`
 * `constructHistory`, `snapshot`, `dedupCurHistories`, `cleanupHistory`): each template the
 * DaemonSet has had is a ControllerRevision `<ds>-<hash>` labelled `controller-revision-hash:
 * <hash>` and holding the template's strategic-merge patch. The revision equal to the template
 * now is the current one, renumbered above the others when it is an older one coming back
 * (`kubectl rollout undo`); its hash label is what pods of the current template carry.
 */
import { ApiError } from '../../apiserver/api-errors'
import { canonical } from '../deployment/deployment-util'
import {
  adoptOrphanRevisions,
  CONTROLLER_REVISION_TYPE,
  DEFAULT_REVISION_HISTORY_LIMIT,
  deleteControllerRevision,
  listControllerRevisions,
  templatePatch,
  updateControllerRevision,
  type ControllerRevisionObj
} from '../shared/controller-history'
import { CONTROLLER_UID_INDEX, newControllerRef, specSelector } from '../shared/controller-ref'
import { CONTROLLER_REVISION_HASH, currentHash } from './daemon-pods'
import type { DaemonSetObj } from './node-should-run'
import { DAEMONSET_TYPE, type SyncContext } from './sync-context'
import { patchStatus } from '../shared/status-patch'
import { POD_TYPE } from '../shared/pod-utils'

/** The current revision and the older ones, sorted by revision number. */
export interface DaemonSetHistory {
  cur: ControllerRevisionObj
  old: ControllerRevisionObj[]
}

/** `Match`: whether `history` holds the DaemonSet's template as it is now. */
export function matchesTemplate(ds: DaemonSetObj, history: ControllerRevisionObj): boolean {
  return canonical(templatePatch(ds.spec?.template)) === canonical(history.data ?? null)
}

/** The hash pods of revision `rev` carry (`controller-revision-hash`). */
export function revisionHash(rev: ControllerRevisionObj): string {
  return rev.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? ''
}

const maxRevision = (revs: ControllerRevisionObj[]): number =>
  revs.reduce((max, r) => Math.max(max, r.revision), 0)

/** `controlledHistories`: the DaemonSet's revisions, orphans matching its selector adopted. */
async function controlledHistories(
  ctx: SyncContext,
  ds: DaemonSetObj
): Promise<ControllerRevisionObj[]> {
  const selector = specSelector(ds)
  if (!selector) return []
  const listed = listControllerRevisions(ctx.revisionInformer.store, ds, selector)
  return adoptOrphanRevisions(ctx.client, ctx.log, ds, listed)
}

/** `snapshot`: creates the revision of the template now, numbered `revision`. */
async function snapshot(
  ctx: SyncContext,
  ds: DaemonSetObj,
  revision: number
): Promise<ControllerRevisionObj> {
  const hash = currentHash(ds)
  const template = ds.spec?.template
  const history: ControllerRevisionObj = {
    apiVersion: CONTROLLER_REVISION_TYPE.apiVersion,
    kind: CONTROLLER_REVISION_TYPE.kind,
    metadata: {
      name: `${ds.metadata.name}-${hash}`,
      namespace: ds.metadata.namespace,
      labels: { ...template?.metadata?.labels, [CONTROLLER_REVISION_HASH]: hash },
      ownerReferences: [newControllerRef(ds)]
    },
    data: templatePatch(template) as ControllerRevisionObj['data'],
    revision
  }
  if (ds.metadata.annotations) history.metadata.annotations = { ...ds.metadata.annotations }
  try {
    return await ctx.client.create(history)
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err
    const existing = await ctx.client.get<ControllerRevisionObj>(
      CONTROLLER_REVISION_TYPE,
      ds.metadata.namespace,
      history.metadata.name!
    )
    const controlledByUs = existing.metadata.ownerReferences?.some(
      (r) => r.controller && r.uid === ds.metadata.uid
    )
    if (controlledByUs && matchesTemplate(ds, existing)) return existing
    // Another template took the name: the next hash is salted with a higher collision count.
    const collisionCount = (ds.status?.collisionCount ?? 0) + 1
    await patchStatus(ctx.client, DAEMONSET_TYPE, ds, { collisionCount })
    throw new Error(
      `found a stale version of daemonset ${ds.metadata.namespace}/${ds.metadata.name} revision ${history.metadata.name}; bumping collisionCount to ${collisionCount}`
    )
  }
}

/**
 * `dedupCurHistories`: of several revisions equal to the template, keeps the newest; pods
 * labelled with another one's hash are relabelled to the kept one's, then the others go.
 */
async function dedupCurHistories(
  ctx: SyncContext,
  ds: DaemonSetObj,
  current: ControllerRevisionObj[]
): Promise<ControllerRevisionObj> {
  const keep = current.reduce((a, b) => (b.revision > a.revision ? b : a))
  const keepHash = revisionHash(keep)
  const pods = ctx.podInformer.store.byIndex(CONTROLLER_UID_INDEX, ds.metadata.uid ?? '')
  for (const dup of current) {
    if (dup === keep) continue
    const dupHash = revisionHash(dup)
    for (const pod of pods) {
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH] !== dupHash) continue
      await ctx.client.patch(POD_TYPE, pod.metadata.namespace, pod.metadata.name!, 'merge', {
        metadata: { labels: { [CONTROLLER_REVISION_HASH]: keepHash } }
      })
    }
    await deleteControllerRevision(ctx.client, dup)
  }
  return keep
}

/** `constructHistory`: the current revision (found or created) and the old ones. */
export async function constructHistory(
  ctx: SyncContext,
  ds: DaemonSetObj
): Promise<DaemonSetHistory> {
  const current: ControllerRevisionObj[] = []
  const old: ControllerRevisionObj[] = []
  for (let history of await controlledHistories(ctx, ds)) {
    // A revision without the hash label gets its name as the hash, never a recomputed one.
    if (!history.metadata.labels?.[CONTROLLER_REVISION_HASH]) {
      history = await ctx.client.patch<ControllerRevisionObj>(
        CONTROLLER_REVISION_TYPE,
        history.metadata.namespace,
        history.metadata.name!,
        'merge',
        { metadata: { labels: { [CONTROLLER_REVISION_HASH]: history.metadata.name } } }
      )
    }
    if (matchesTemplate(ds, history)) current.push(history)
    else old.push(history)
  }
  const currRevision = maxRevision(old) + 1
  let cur: ControllerRevisionObj
  if (current.length === 0) cur = await snapshot(ctx, ds, currRevision)
  else {
    cur = await dedupCurHistories(ctx, ds, current)
    if (cur.revision < currRevision) {
      cur = await updateControllerRevision(ctx.client, cur, currRevision)
    }
  }
  old.sort((a, b) => a.revision - b.revision)
  return { cur, old }
}

/**
 * `cleanupHistory`: deletes old revisions no pod of the DaemonSet still carries, oldest first,
 * until at most `spec.revisionHistoryLimit` (default 10) old ones remain.
 */
export async function cleanupHistory(
  ctx: SyncContext,
  ds: DaemonSetObj,
  old: ControllerRevisionObj[]
): Promise<void> {
  const limit = ds.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT
  let toKill = old.length - limit
  if (toKill <= 0) return
  const pods = ctx.podInformer.store.byIndex(CONTROLLER_UID_INDEX, ds.metadata.uid ?? '')
  const liveHashes = new Set(
    pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH]).filter(Boolean)
  )
  for (const history of old) {
    if (toKill <= 0) break
    if (liveHashes.has(revisionHash(history))) continue
    await deleteControllerRevision(ctx.client, history)
    toKill--
  }
}
