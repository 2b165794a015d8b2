/**
 * The garbage collector's dependency graph (kube-controller-manager's
 * `pkg/controller/garbagecollector/graph.go`): one node per object uid, with the owner
 * references the object carries and the set of objects that name it as an owner. A node known
 * only from a dependent's reference, not (yet) seen by an informer, is `virtual`; the collector
 * asks the API server whether it exists.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1'

/** Which object a node stands for: coordinates plus uid (namespace '' when cluster-scoped). */
export interface ObjectIdentity {
  apiVersion: string
  kind: string
  namespace: string
  name: string
  uid: string
}

/** One object of the graph. Only the graph builder changes nodes. */
export interface GraphNode {
  identity: ObjectIdentity
  /** The object's ownerReferences as last observed. */
  owners: OwnerReference[]
  /** Objects whose ownerReferences name this node's uid. */
  dependents: Set<GraphNode>
  /** The object has a deletionTimestamp. */
  beingDeleted: boolean
  /** Deleted in foreground: deletionTimestamp and the `foregroundDeletion` finalizer. */
  deletingDependents: boolean
  /** Known only from an owner reference; no informer has delivered the object. */
  virtual: boolean
}

/** Finalizer of foreground deletion (`metav1.FinalizerDeleteDependents`). */
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion'
/** Finalizer of orphan deletion (`metav1.FinalizerOrphanDependents`). */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan'

/** A new node. */
export function newNode(identity: ObjectIdentity, owners: OwnerReference[] = []): GraphNode {
  return {
    identity,
    owners,
    dependents: new Set(),
    beingDeleted: false,
    deletingDependents: false,
    virtual: false
  }
}

/** The identity a reference points at (namespace given by the caller). */
export function identityOfRef(ref: OwnerReference, namespace: string): ObjectIdentity {
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace }
}

/** Whether `ref` names exactly `identity`'s apiVersion, kind, name and uid. */
export function refMatches(ref: OwnerReference, identity: ObjectIdentity): boolean {
  return (
    ref.uid === identity.uid &&
    ref.name === identity.name &&
    ref.kind === identity.kind &&
    ref.apiVersion === identity.apiVersion
  )
}

/** Whether two identities are the same in every coordinate. */
export function sameIdentity(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return (
    a.uid === b.uid &&
    a.name === b.name &&
    a.namespace === b.namespace &&
    a.kind === b.kind &&
    a.apiVersion === b.apiVersion
  )
}

/** `kind namespace/name` for logs. */
export function describe(id: ObjectIdentity): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`
}

/** The reference of `dependent` to the owner `uid`, if it has one. */
export function refTo(dependent: GraphNode, uid: string): OwnerReference | undefined {
  return dependent.owners.find((r) => r.uid === uid)
}

/**
 * Dependents of `owner` that hold up its foreground deletion: those whose reference to it has
 * `blockOwnerDeletion: true`.
 */
export function blockingDependents(owner: GraphNode): GraphNode[] {
  return [...owner.dependents].filter((d) => refTo(d, owner.identity.uid)?.blockOwnerDeletion)
}

/**
 * Splits `owner`'s dependents into those whose reference matches `identity` (same coordinates,
 * same namespace when the owner is namespaced) and the others.
 */
export function partitionDependents(
  owner: GraphNode,
  identity: ObjectIdentity
): { matching: GraphNode[]; nonMatching: GraphNode[] } {
  const matching: GraphNode[] = []
  const nonMatching: GraphNode[] = []
  for (const dep of owner.dependents) {
    const ref = refTo(dep, identity.uid)
    const namespaceOk = !identity.namespace || dep.identity.namespace === identity.namespace
    if (ref && refMatches(ref, identity) && namespaceOk) matching.push(dep)
    else nonMatching.push(dep)
  }
  return { matching, nonMatching }
}

/** Added, removed and changed references between two ownerReferences lists (by uid). */
export function referencesDiffs(
  oldRefs: OwnerReference[],
  newRefs: OwnerReference[]
): {
  added: OwnerReference[]
  removed: OwnerReference[]
  changed: { oldRef: OwnerReference; newRef: OwnerReference }[]
} {
  const oldByUid = new Map(oldRefs.map((r) => [r.uid, r]))
  const added: OwnerReference[] = []
  const changed: { oldRef: OwnerReference; newRef: OwnerReference }[] = []
  for (const ref of newRefs) {
    const old = oldByUid.get(ref.uid)
    if (!old) added.push(ref)
    else if (JSON.stringify(old) !== JSON.stringify(ref)) changed.push({ oldRef: old, newRef: ref })
    oldByUid.delete(ref.uid)
  }
  return { added, removed: [...oldByUid.values()], changed }
}

/**
 * Owner coordinates known not to exist (client-go's `absentOwnerCache`, 500 entries, least
 * recently used first out). A uid never comes back, so an entry stays true.
 */
export interface AbsentOwnerCache {
  add(id: ObjectIdentity): void
  has(id: ObjectIdentity): boolean
}

/** An LRU absent-owner cache of `size` entries. */
export function createAbsentOwnerCache(size = 500): AbsentOwnerCache {
  const entries = new Map<string, true>()
  const keyOf = (id: ObjectIdentity): string =>
    [id.apiVersion, id.kind, id.namespace, id.name, id.uid].join('\0')
  return {
    add(id) {
      const key = keyOf(id)
      entries.delete(key)
      entries.set(key, true)
      if (entries.size > size) entries.delete(entries.keys().next().value!)
    },
    has(id) {
      const key = keyOf(id)
      if (!entries.has(key)) return false
      entries.delete(key)
      entries.set(key, true)
      return true
    }
  }
}
