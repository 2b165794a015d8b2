/**
 * The one adoption/release logic of the controllers (kube-controller-manager's
 * `ControllerRefManager`, `pkg/controller/controller_ref_manager.go`): of the candidates the
 * informer cache holds, an owner keeps those it controls that still match, releases those it
 * controls that stopped matching, adopts matching orphans, and leaves what another controller
 * controls alone. Adoption waits for a live re-read of the owner (`RecheckDeletionTimestamp`),
 * done at most once per manager, i.e. once per sync. Patches carry the object's cached
 * `resourceVersion`, so one that changed since the cache saw it is not touched (409).
 */
import type { ApiClient, ResourceType } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import type { ComponentLog } from '../../observe/component-log'
import { getControllerOf, newControllerRef } from './controller-ref'
import { keyOf } from './informer'

/** What a manager claims for: the owner, its type, the type of what it claims. */
export interface ControllerRefSpec<T extends KubeObject> {
  client: ApiClient
  log: ComponentLog
  /** The controller: its uid names what it owns, its deletionTimestamp stops adopt and release. */
  owner: KubeObject
  /** The owner's type: re-read live before adopting, and named in the controller reference. */
  ownerType: ResourceType
  /** The type of the claimed objects, to patch their owner references. */
  objectType: ResourceType
  /** More metadata an adoption sets besides the reference (the Job's tracking finalizer). */
  adoptMetadata?: (obj: T) => Record<string, unknown>
}

/** `BaseControllerRefManager` with its adopt and release of one kind of object. */
export class ControllerRefManager<T extends KubeObject> {
  private fresh: Promise<boolean> | undefined

  constructor(private readonly spec: ControllerRefSpec<T>) {}

  /**
   * `ClaimObjects`: the candidates the owner controls after the claim — kept, then adopted ones
   * as the server answered them, in the candidates' order. Failed patches are logged and the
   * object left out; the next sync tries again.
   */
  async claim(candidates: Iterable<T>, match: (obj: T) => boolean): Promise<T[]> {
    const { owner } = this.spec
    const deleting = !!owner.metadata.deletionTimestamp
    const claimed: T[] = []
    for (const obj of candidates) {
      const ref = getControllerOf(obj)
      if (ref) {
        if (ref.uid !== owner.metadata.uid) continue // someone else's
        // Keeping what it owns takes no action, so even an owner being deleted may.
        if (match(obj)) claimed.push(obj)
        else if (!deleting) await this.release(obj).catch((err) => this.failed('release', obj, err))
        continue
      }
      if (deleting || !match(obj) || obj.metadata.deletionTimestamp) continue
      if (!(await this.canAdopt())) continue
      const adopted = await this.adopt(obj).catch((err) => this.failed('adopt', obj, err))
      if (adopted) claimed.push(adopted)
    }
    return claimed
  }

  /**
   * `RecheckDeletionTimestamp`: whether the owner, read live bypassing the cache, is still the
   * same object (uid) and not being deleted. Read once; later calls answer the same.
   */
  canAdopt(): Promise<boolean> {
    const { client, owner, ownerType } = this.spec
    this.fresh ??= client
      .get(ownerType, owner.metadata.namespace, owner.metadata.name!)
      .then((live) => live.metadata.uid === owner.metadata.uid && !live.metadata.deletionTimestamp)
      .catch(() => false)
    return this.fresh
  }

  /** Adds the owner's controller reference (and `adoptMetadata`) to `obj`; throws on failure. */
  adopt(obj: T): Promise<T> {
    const { owner, ownerType, adoptMetadata } = this.spec
    return this.patchMetadata(obj, {
      ownerReferences: [
        ...(obj.metadata.ownerReferences ?? []),
        newControllerRef(owner, ownerType)
      ],
      ...adoptMetadata?.(obj)
    })
  }

  /** Removes the owner's references from `obj`; throws on failure. */
  release(obj: T): Promise<T> {
    const refs = (obj.metadata.ownerReferences ?? []).filter(
      (r) => r.uid !== this.spec.owner.metadata.uid
    )
    // null removes the field in a merge patch.
    return this.patchMetadata(obj, { ownerReferences: refs.length > 0 ? refs : null })
  }

  // resourceVersion makes the patch fail (409) if the object changed since the cache saw it.
  private patchMetadata(obj: T, metadata: Record<string, unknown>): Promise<T> {
    const { client, objectType } = this.spec
    return client.patch<T>(objectType, obj.metadata.namespace, obj.metadata.name!, 'merge', {
      metadata: { ...metadata, resourceVersion: obj.metadata.resourceVersion }
    })
  }

  private failed(action: string, obj: T, err: unknown): undefined {
    const kind = this.spec.objectType.kind
    this.spec.log.info(`could not ${action} ${kind}`, { object: keyOf(obj), err: String(err) })
    return undefined
  }
}
