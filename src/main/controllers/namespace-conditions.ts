/**
 * The conditions the namespace controller keeps on a terminating namespace (Kubernetes'
 * `namespaceConditionUpdater`): each of the five types is True with the problem, or False with
 * its all-clear reason, so `kubectl describe ns` says what the deletion waits for.
 */
import type { NamespaceCondition } from 'kubernetes-types/core/v1'

/** The condition types the controller maintains, in Kubernetes' order. */
export const NAMESPACE_CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining'
] as const

const OK: Record<(typeof NAMESPACE_CONDITION_TYPES)[number], [reason: string, message: string]> = {
  NamespaceDeletionDiscoveryFailure: [
    'ResourcesDiscovered',
    'All resources successfully discovered'
  ],
  NamespaceDeletionGroupVersionParsingFailure: [
    'ParsedGroupVersions',
    'All legacy kube types successfully parsed'
  ],
  NamespaceDeletionContentFailure: [
    'ContentDeleted',
    'All content successfully deleted, may be waiting on finalization'
  ],
  NamespaceContentRemaining: ['ContentRemoved', 'All content successfully removed'],
  NamespaceFinalizersRemaining: ['ContentRemoved', 'All content successfully removed']
}

/** What is left after a deletion pass: objects per `resource.group`, objects per finalizer. */
export interface ContentTotals {
  remaining: Map<string, number>
  finalizers: Map<string, number>
}

/** The failing conditions a deletion pass found. */
function problems(totals: ContentTotals, errors: string[]): Map<string, [string, string]> {
  const found = new Map<string, [string, string]>()
  if (errors.length > 0) {
    found.set('NamespaceDeletionContentFailure', [
      'ContentDeletionFailed',
      `Failed to delete all resource types, ${errors.length} remaining: ${[...errors].sort().join(', ')}`
    ])
  }
  const remaining = [...totals.remaining]
    .filter(([, n]) => n > 0)
    .map(([gr, n]) => `${gr} has ${n} resource instances`)
    .sort()
  if (remaining.length > 0) {
    found.set('NamespaceContentRemaining', [
      'SomeResourcesRemain',
      `Some resources are remaining: ${remaining.join(', ')}`
    ])
  }
  const finalizers = [...totals.finalizers]
    .filter(([, n]) => n > 0)
    .map(([f, n]) => `${f} in ${n} resource instances`)
    .sort()
  if (finalizers.length > 0) {
    found.set('NamespaceFinalizersRemaining', [
      'SomeFinalizerRemain',
      `Some finalizers are remaining: ${finalizers.join(', ')}`
    ])
  }
  return found
}

/**
 * The namespace's conditions after a deletion pass (`updateConditions`), or undefined when
 * nothing changed. A condition's lastTransitionTime moves only when its status does.
 */
export function conditionsAfterDeletion(
  current: NamespaceCondition[],
  totals: ContentTotals,
  errors: string[],
  now: string
): NamespaceCondition[] | undefined {
  const found = problems(totals, errors)
  const next = current.map((c) => ({ ...c }))
  let changed = false
  for (const type of NAMESPACE_CONDITION_TYPES) {
    const problem = found.get(type)
    const [reason, message] = problem ?? OK[type]
    const status = problem ? 'True' : 'False'
    const old = next.find((c) => c.type === type)
    if (!old) {
      next.push({ type, status, lastTransitionTime: now, reason, message })
      changed = true
    } else if (old.status !== status || old.reason !== reason || old.message !== message) {
      if (old.status !== status) old.lastTransitionTime = now
      Object.assign(old, { status, reason, message })
      changed = true
    }
  }
  return changed ? next : undefined
}
