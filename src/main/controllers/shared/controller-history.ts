/**
 * ControllerRevisions, the template history of StatefulSets and DaemonSets (kube-controller-
 * manager's `pkg/controller/history`): naming, hashing, equality and ordering of revisions, the
 * strategic-merge patch of a template they store in `data` (the shape `kubectl rollout history`
 * and `rollout undo` read and apply), and the writes — create with collision probing, bump the
 * revision number, delete.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1'
import type { PodTemplateSpec } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../../apiserver/client'
import { ApiError } from '../../apiserver/api-errors'
import type { KubeObject } from '../../apiserver/types'
import type { LabelSelector } from '../../apiserver/selectors/label-selector'
import { canonical } from '../deployment/deployment-util'
import type { ComponentLog } from '../../observe/component-log'
import { getControllerOf, newControllerRef } from './controller-ref'
import { ControllerRefManager } from './controller-ref-manager'
import type { InformerStore } from './informer'
import { isNotFound } from './api-errors'

/** A ControllerRevision as the cache holds it. */
export type ControllerRevisionObj = ControllerRevision & KubeObject

/** The ControllerRevision type. */
export const CONTROLLER_REVISION_TYPE = {
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision'
} as const

/** The label the history package puts on a revision: the hash of its data. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash'

/** Kubernetes' default `spec.revisionHistoryLimit` of StatefulSets and DaemonSets. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10

// rand.SafeEncodeString's alphabet: no vowels (no words), no 0/1/3 (no look-alikes).
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789'

/** `rand.SafeEncodeString`: each character mapped into the safe alphabet. */
function safeEncode(s: string): string {
  return [...s].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('')
}

/** 32-bit FNV-1 (Go's `fnv.New32`, multiply then xor) of UTF-8 `text`. */
function fnv1(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash = Math.imul(hash, 0x01000193) >>> 0
    hash = (hash ^ byte) >>> 0
  }
  return hash
}

/**
 * `HashControllerRevision`: FNV-1 over the revision's data (as canonical JSON, sorted keys like
 * Go's encoding of a map) and, when given, the collision count.
 */
export function hashControllerRevision(data: unknown, probe?: number): string {
  let text = canonical(data ?? null)
  if (probe !== undefined) text += String(probe)
  return safeEncode(String(fnv1(text)))
}

/** `ControllerRevisionName`: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, 223)}-${hash}`
}

/**
 * The `data` of a template's revision (`getPatch`): `{spec: {template: {…, $patch: replace}}}`,
 * a strategic-merge patch that puts the whole template back when applied to the owner.
 */
export function templatePatch(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } }
}

/** The template a revision holds (`ApplyRevision`'s result, read from the patch). */
export function templateOfRevision(rev: ControllerRevision): PodTemplateSpec | undefined {
  const spec = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec
  if (!spec?.template || typeof spec.template !== 'object') return undefined
  const { $patch: _directive, ...template } = spec.template
  return structuredClone(template) as PodTemplateSpec
}

/**
 * `NewControllerRevision`: a revision of `parent` holding `data`, labelled with the template's
 * labels plus the data's hash, controlled by `parent`, named `<parent>-<hash>`.
 */
export function newControllerRevision(
  parent: KubeObject,
  templateLabels: Record<string, string> | undefined,
  data: unknown,
  revision: number,
  collisionCount: number
): ControllerRevisionObj {
  const hash = hashControllerRevision(data, collisionCount)
  return {
    apiVersion: CONTROLLER_REVISION_TYPE.apiVersion,
    kind: CONTROLLER_REVISION_TYPE.kind,
    metadata: {
      name: controllerRevisionName(parent.metadata.name ?? '', hash),
      namespace: parent.metadata.namespace,
      labels: { ...templateLabels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(parent)]
    },
    data: data as ControllerRevision['data'],
    revision
  }
}

/** `EqualRevision`: same data, unless both carry a hash label and the hashes differ. */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  const ha = a.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]
  const hb = b.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]
  if (ha !== undefined && hb !== undefined && ha !== hb) return false
  return canonical(a.data ?? null) === canonical(b.data ?? null)
}

/** `FindEqualRevisions`: the revisions equal to `needle`, in the order given. */
export function findEqualRevisions<T extends ControllerRevision>(revisions: T[], needle: T): T[] {
  return revisions.filter((r) => equalRevision(r, needle))
}

/** `SortControllerRevisions`: by revision number, then creation time, then name. */
export function sortControllerRevisions<T extends ControllerRevision>(revisions: T[]): T[] {
  const created = (r: T): string => r.metadata?.creationTimestamp ?? ''
  return revisions.sort(
    (a, b) =>
      a.revision - b.revision ||
      created(a).localeCompare(created(b)) ||
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
  )
}

/** `nextRevision`: one more than the highest revision of the sorted list, 1 for none. */
export function nextRevision(sorted: ControllerRevision[]): number {
  return sorted.length === 0 ? 1 : sorted[sorted.length - 1].revision + 1
}

/**
 * `ListControllerRevisions`: the cached revisions of `parent`'s namespace matching `selector`
 * and either controlled by `parent` or by nothing (orphans, for `adoptOrphanRevisions`).
 */
export function listControllerRevisions(
  store: InformerStore<ControllerRevisionObj>,
  parent: KubeObject,
  selector: LabelSelector
): ControllerRevisionObj[] {
  return store.byIndex('namespace', parent.metadata.namespace ?? '').filter((r) => {
    if (!selector.matches(r.metadata.labels)) return false
    const ref = getControllerOf(r)
    return !ref || ref.uid === parent.metadata.uid
  })
}

/**
 * Claims the orphans among `revisions` for `parent` (`AdoptOrphanRevisions`: each gets its
 * controller ref), once a live read shows `parent` still there and not being deleted; the
 * revisions are answered in order, the adopted ones as the server answered them. A failed
 * adoption throws, so the sync is retried.
 */
export async function adoptOrphanRevisions(
  client: ApiClient,
  log: ComponentLog,
  parent: KubeObject,
  revisions: ControllerRevisionObj[]
): Promise<ControllerRevisionObj[]> {
  if (parent.metadata.deletionTimestamp) return revisions
  if (revisions.every((r) => getControllerOf(r))) return revisions
  const manager = new ControllerRefManager<ControllerRevisionObj>({
    client,
    log,
    owner: parent,
    ownerType: { apiVersion: parent.apiVersion, kind: parent.kind },
    objectType: CONTROLLER_REVISION_TYPE
  })
  if (!(await manager.canAdopt())) return revisions
  return Promise.all(revisions.map((r) => (getControllerOf(r) ? r : manager.adopt(r))))
}

/**
 * `CreateControllerRevision`: creates `revision` under `<parent>-<hash>`; when the name is taken
 * by a revision with the same data that one is answered, otherwise the collision count goes up
 * and the next name is tried. Answers the revision and the collision count it ended at.
 */
export async function createControllerRevision(
  client: ApiClient,
  parent: KubeObject,
  revision: ControllerRevisionObj,
  collisionCount: number
): Promise<{ revision: ControllerRevisionObj; collisionCount: number }> {
  for (let count = collisionCount; ; count++) {
    const name = controllerRevisionName(
      parent.metadata.name ?? '',
      hashControllerRevision(revision.data, count)
    )
    const clone = structuredClone(revision)
    clone.metadata.name = name
    try {
      return { revision: await client.create(clone), collisionCount: count }
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err
      const exists = await client.get<ControllerRevisionObj>(
        CONTROLLER_REVISION_TYPE,
        parent.metadata.namespace,
        name
      )
      if (canonical(exists.data ?? null) === canonical(clone.data ?? null)) {
        return { revision: exists, collisionCount: count }
      }
    }
  }
}

/** `UpdateControllerRevision`: sets the revision number (a rollback to an older template). */
export async function updateControllerRevision(
  client: ApiClient,
  revision: ControllerRevisionObj,
  newRevision: number
): Promise<ControllerRevisionObj> {
  if (revision.revision === newRevision) return revision
  return client.patch<ControllerRevisionObj>(
    CONTROLLER_REVISION_TYPE,
    revision.metadata.namespace,
    revision.metadata.name!,
    'merge',
    { revision: newRevision }
  )
}

/** `DeleteControllerRevision`; one already gone is fine. */
export async function deleteControllerRevision(
  client: ApiClient,
  revision: ControllerRevisionObj
): Promise<void> {
  try {
    await client.delete(
      CONTROLLER_REVISION_TYPE,
      revision.metadata.namespace,
      revision.metadata.name!
    )
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}
