/**
 * StatefulSet revisions as ControllerRevisions (`stateful_set_control.go`
 * `getStatefulSetRevisions`, `truncateHistory`, `newRevision`): each template the set has had is
 * an apps/v1 ControllerRevision `<set>-<hash>` holding the template's strategic-merge patch. The
 * update revision is the set's template now — the newest revision when that is equal, an older
 * equal one renumbered to the top (a rollback), or a new one. Pods carry the revision's name in
 * `controller-revision-hash`; a pod of the current revision (below a partition, or under
 * OnDelete) is recreated from the template its revision holds.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../../apiserver/client'
import type { LabelSelector } from '../../apiserver/selectors/label-selector'
import type { ComponentLog } from '../../observe/component-log'
import {
  adoptOrphanRevisions,
  createControllerRevision,
  DEFAULT_REVISION_HISTORY_LIMIT,
  deleteControllerRevision,
  equalRevision,
  findEqualRevisions,
  listControllerRevisions,
  newControllerRevision,
  nextRevision,
  sortControllerRevisions,
  templateOfRevision,
  templatePatch,
  updateControllerRevision,
  type ControllerRevisionObj
} from '../shared/controller-history'
import type { InformerStore } from '../shared/informer'
import { podRevision, type PodObj, type StatefulSetObj } from './stateful-set-utils'

/** The current and update revisions of a set, and their templates. */
export interface SetRevisions {
  current: string
  update: string
  currentTemplate: PodTemplateSpec | undefined
  updateTemplate: PodTemplateSpec | undefined
  /** `status.collisionCount` after any name collision met creating the update revision. */
  collisionCount: number
  /** Every revision of the set, sorted by revision number (for `truncateHistory`). */
  all: ControllerRevisionObj[]
}

/** `newRevision`: the revision `set`'s template would be, numbered `revision`. */
export function newStatefulSetRevision(
  set: StatefulSetObj,
  revision: number,
  collisionCount: number
): ControllerRevisionObj {
  const template = set.spec?.template
  const cr = newControllerRevision(
    set,
    template?.metadata?.labels,
    templatePatch(template),
    revision,
    collisionCount
  )
  // The set's annotations travel along: `kubectl rollout history` shows its change-cause.
  if (set.metadata.annotations) cr.metadata.annotations = { ...set.metadata.annotations }
  return cr
}

/** What reading and writing the revisions needs. */
export interface RevisionsContext {
  client: ApiClient
  log: ComponentLog
  revisions: InformerStore<ControllerRevisionObj>
}

/** `getStatefulSetRevisions`: finds or makes the update revision, finds the current one. */
export async function getStatefulSetRevisions(
  ctx: RevisionsContext,
  set: StatefulSetObj,
  selector: LabelSelector
): Promise<SetRevisions> {
  const listed = listControllerRevisions(ctx.revisions, set, selector)
  const revisions = sortControllerRevisions(
    await adoptOrphanRevisions(ctx.client, ctx.log, set, listed)
  )
  let collisionCount = set.status?.collisionCount ?? 0
  const wanted = newStatefulSetRevision(set, nextRevision(revisions), collisionCount)
  const equal = findEqualRevisions(revisions, wanted)
  const last = revisions[revisions.length - 1]
  let update: ControllerRevisionObj
  if (equal.length > 0 && equalRevision(last, equal[equal.length - 1])) {
    update = last // the template has not changed
  } else if (equal.length > 0) {
    // Back to an older template: that revision becomes the newest again.
    update = await updateControllerRevision(ctx.client, equal[equal.length - 1], wanted.revision)
  } else {
    const created = await createControllerRevision(ctx.client, set, wanted, collisionCount)
    update = created.revision
    collisionCount = created.collisionCount
  }
  const all = revisions.filter((r) => r.metadata.name !== update.metadata.name).concat(update)
  sortControllerRevisions(all)
  // With no current revision yet, the history starts at the update revision.
  const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update
  return {
    current: current.metadata.name!,
    update: update.metadata.name!,
    currentTemplate: templateOfRevision(current),
    updateTemplate: templateOfRevision(update),
    collisionCount,
    all
  }
}

/**
 * `truncateHistory`: deletes the oldest revisions that no pod, nor the current or update
 * revision, uses, down to `spec.revisionHistoryLimit` (default 10).
 */
export async function truncateHistory(
  ctx: RevisionsContext,
  set: StatefulSetObj,
  pods: PodObj[],
  rev: SetRevisions,
  currentRevision: string
): Promise<void> {
  const live = new Set([currentRevision, rev.update, ...pods.map(podRevision)])
  const history = rev.all.filter((r) => !live.has(r.metadata.name!))
  const limit = set.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT
  for (const r of history.slice(0, Math.max(0, history.length - limit))) {
    ctx.log.info('deleting old revision', {
      statefulset: `${set.metadata.namespace}/${set.metadata.name}`,
      revision: r.metadata.name
    })
    await deleteControllerRevision(ctx.client, r)
  }
}
