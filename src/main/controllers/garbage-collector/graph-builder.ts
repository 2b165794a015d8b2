/**
 * The graph builder (kube-controller-manager's `GraphBuilder.processGraphChanges`): turns what
 * the informers see into the dependency graph, and queues the nodes that may need work:
 *
 * - an owner named by a reference but absent from the graph becomes a virtual node, queued so
 *   the collector asks the API server whether it exists;
 * - a deleted object's dependents are queued (their owner may be gone), and so are its owners
 *   that wait, in foreground deletion, for their dependents to go;
 * - an object whose deletion starts with the `orphan` finalizer goes to the orphan queue, one
 *   with `foregroundDeletion` is marked deletingDependents and queued with its dependents;
 * - a reference that stops blocking (removed, or `blockOwnerDeletion` turned off) queues the
 *   owner, which may now be finished.
 *
 * Handlers run synchronously inside informer callbacks, so the graph changes in event order.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1'
import type { KubeObject } from '../../apiserver/types'
import {
  createAbsentOwnerCache,
  FINALIZER_DELETE_DEPENDENTS,
  FINALIZER_ORPHAN_DEPENDENTS,
  identityOfRef,
  newNode,
  partitionDependents,
  referencesDiffs,
  refMatches,
  refTo,
  sameIdentity,
  type AbsentOwnerCache,
  type GraphNode,
  type ObjectIdentity
} from './graph'

/** Where the builder sends nodes, and what it needs to know about kinds. */
export interface GraphBuilderOptions {
  /** Queues a node for attemptToDelete now. */
  attemptToDelete(node: GraphNode): void
  /** Queues a node for attemptToDelete after its back-off. */
  attemptToDeleteLater(node: GraphNode): void
  /** Queues an owner whose dependents must be orphaned. */
  attemptToOrphan(node: GraphNode): void
  /** Whether a kind is namespaced; undefined for a kind the server does not serve. */
  namespaced(apiVersion: string, kind: string): boolean | undefined
  /** Records `OwnerRefInvalidNamespace` on a dependent naming an owner in another namespace. */
  reportInvalidNamespaceOwnerRef(dependent: GraphNode, ref: OwnerReference): void
}

/** The graph and the handlers that keep it. */
export interface GraphBuilder {
  /** uid → node. */
  readonly nodes: Map<string, GraphNode>
  readonly absentOwners: AbsentOwnerCache
  /** An object of `apiVersion`/`kind` was added or updated (`old` undefined on add). */
  observe(apiVersion: string, kind: string, old: KubeObject | undefined, obj: KubeObject): void
  /** An object was deleted. */
  observeDelete(obj: KubeObject): void
  /** The API server says `identity` does not exist (404 or another uid): forget it. */
  virtualDelete(identity: ObjectIdentity): void
}

const hasFinalizer = (obj: KubeObject | undefined, f: string): boolean =>
  !!obj?.metadata?.finalizers?.includes(f)
const beingDeleted = (obj: KubeObject | undefined): boolean => !!obj?.metadata?.deletionTimestamp

// The deletion of `obj` starts now with `finalizer` (it did not have both before).
function deletionStartsWith(old: KubeObject | undefined, obj: KubeObject, f: string): boolean {
  if (!beingDeleted(obj) || !hasFinalizer(obj, f)) return false
  return !old || !beingDeleted(old) || !hasFinalizer(old, f)
}

/** A builder with an empty graph. */
export function createGraphBuilder(o: GraphBuilderOptions): GraphBuilder {
  const nodes = new Map<string, GraphNode>()
  const absentOwners = createAbsentOwnerCache()

  const identityOf = (apiVersion: string, kind: string, obj: KubeObject): ObjectIdentity => ({
    apiVersion,
    kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid ?? ''
  })

  // Where an owner named by `ref` of a dependent in `namespace` lives.
  const ownerNamespace = (ref: OwnerReference, namespace: string): string =>
    o.namespaced(ref.apiVersion, ref.kind) === false ? '' : namespace

  const addDependentToOwners = (n: GraphNode, refs: OwnerReference[]): void => {
    let potentiallyInvalid = false
    for (const ref of refs) {
      let owner = nodes.get(ref.uid)
      if (!owner) {
        owner = newNode(identityOfRef(ref, ownerNamespace(ref, n.identity.namespace)))
        owner.virtual = true
        nodes.set(ref.uid, owner)
        owner.dependents.add(n)
        o.attemptToDelete(owner)
        continue
      }
      owner.dependents.add(n)
      if (potentiallyInvalid) continue
      const ownerNs = owner.identity.namespace
      if (ownerNs && ownerNs !== n.identity.namespace) {
        // A namespaced owner must live in its dependent's namespace.
        if (!owner.virtual) o.reportInvalidNamespaceOwnerRef(n, ref)
        potentiallyInvalid = true
      } else if (!refMatches(ref, owner.identity)) {
        potentiallyInvalid = true
      }
    }
    // The collector checks the references against the API server; solid owners keep it.
    if (potentiallyInvalid) o.attemptToDelete(n)
  }

  const removeDependentFromOwners = (n: GraphNode, refs: OwnerReference[]): void => {
    for (const ref of refs) nodes.get(ref.uid)?.dependents.delete(n)
  }

  const removeNode = (n: GraphNode): void => {
    nodes.delete(n.identity.uid)
    removeDependentFromOwners(n, n.owners)
    // Its dependents may now have no owner left; its waiting owners may now be finished.
    if (n.dependents.size > 0) absentOwners.add(n.identity)
    for (const dep of n.dependents) o.attemptToDelete(dep)
    for (const ref of n.owners) {
      const owner = nodes.get(ref.uid)
      if (owner?.deletingDependents) o.attemptToDelete(owner)
    }
  }

  const unblockedOwners = (
    removed: OwnerReference[],
    changed: { oldRef: OwnerReference; newRef: OwnerReference }[]
  ): void => {
    const owners = [
      ...removed.filter((r) => r.blockOwnerDeletion),
      ...changed
        .filter((c) => c.oldRef.blockOwnerDeletion && !c.newRef.blockOwnerDeletion)
        .map((c) => c.newRef)
    ]
    for (const ref of owners) {
      const owner = nodes.get(ref.uid)
      if (owner) o.attemptToDelete(owner)
    }
  }

  const processTransitions = (old: KubeObject | undefined, obj: KubeObject, n: GraphNode): void => {
    if (deletionStartsWith(old, obj, FINALIZER_ORPHAN_DEPENDENTS)) {
      o.attemptToOrphan(n)
      return
    }
    if (deletionStartsWith(old, obj, FINALIZER_DELETE_DEPENDENTS)) {
      n.deletingDependents = true
      for (const dep of n.dependents) o.attemptToDelete(dep)
      o.attemptToDelete(n)
    }
  }

  // The informer delivered a node known so far only from references: adopt its real identity.
  const markObserved = (n: GraphNode, observed: ObjectIdentity): void => {
    if (!sameIdentity(n.identity, observed)) {
      // Dependents that named it by other coordinates are checked again (a no-op when their
      // owners are solid); a namespace mismatch is definitely wrong.
      for (const dep of partitionDependents(n, observed).nonMatching) {
        const ref = refTo(dep, observed.uid)
        if (ref && observed.namespace && dep.identity.namespace !== observed.namespace) {
          o.reportInvalidNamespaceOwnerRef(dep, ref)
        }
        o.attemptToDelete(dep)
      }
      n.identity = observed
    }
    n.virtual = false
  }

  return {
    nodes,
    absentOwners,
    observe(apiVersion, kind, old, obj) {
      const identity = identityOf(apiVersion, kind, obj)
      const refs = obj.metadata.ownerReferences ?? []
      const existing = nodes.get(identity.uid)
      if (!existing) {
        const n = newNode(identity, refs)
        n.beingDeleted = beingDeleted(obj)
        n.deletingDependents = n.beingDeleted && hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS)
        nodes.set(identity.uid, n)
        addDependentToOwners(n, refs)
        processTransitions(old, obj, n)
        return
      }
      if (existing.virtual) markObserved(existing, identity)
      const { added, removed, changed } = referencesDiffs(existing.owners, refs)
      if (added.length || removed.length || changed.length) {
        unblockedOwners(removed, changed)
        existing.owners = refs
        addDependentToOwners(existing, added)
        removeDependentFromOwners(existing, removed)
      }
      if (beingDeleted(obj)) existing.beingDeleted = true
      processTransitions(old, obj, existing)
    },
    observeDelete(obj) {
      const n = nodes.get(obj.metadata.uid ?? '')
      if (n) removeNode(n)
    },
    virtualDelete(deleted) {
      const n = nodes.get(deleted.uid)
      if (!n) return
      if (n.virtual) {
        const { matching, nonMatching } = partitionDependents(n, deleted)
        if (nonMatching.length > 0) {
          // Some dependents name this uid by other coordinates: keep the node for them.
          if (matching.length > 0) {
            absentOwners.add(deleted)
            for (const dep of matching) o.attemptToDelete(dep)
          }
          if (sameIdentity(n.identity, deleted)) {
            const dep = nonMatching[0]
            const ref = refTo(dep, deleted.uid)
            if (ref) {
              // Try the coordinates another dependent uses.
              n.identity = identityOfRef(ref, ownerNamespace(ref, dep.identity.namespace))
              o.attemptToDeleteLater(n)
            }
          }
          return
        }
      } else if (!sameIdentity(n.identity, deleted)) {
        // An observed object is only removed by its own coordinates.
        const { matching } = partitionDependents(n, deleted)
        if (matching.length > 0) {
          absentOwners.add(deleted)
          for (const dep of matching) o.attemptToDelete(dep)
        }
        return
      }
      removeNode(n)
    }
  }
}
