/**
 * Label selectors (matchLabels/matchExpressions) and node selector requirements (In, NotIn,
 * Exists, DoesNotExist, Gt, Lt), as the scheduler's plugins evaluate them.
 */
import type {
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Toleration,
  Taint
} from 'kubernetes-types/core/v1'
import type { LabelSelector } from 'kubernetes-types/meta/v1'

/** Whether `labels` satisfy one node selector requirement. */
export function matchesRequirement(
  labels: Record<string, string>,
  req: NodeSelectorRequirement
): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key)
  const value = labels[req.key]
  const values = req.values ?? []
  switch (req.operator) {
    case 'In':
      return has && values.includes(value)
    case 'NotIn':
      return !has || !values.includes(value)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false
      const a = Number.parseInt(value, 10)
      const b = Number.parseInt(values[0], 10)
      if (!Number.isFinite(a) || !Number.isFinite(b)) return false
      return req.operator === 'Gt' ? a > b : a < b
    }
    default:
      return false
  }
}

/** A term matches when all its label expressions match (fields: only `metadata.name`). */
export function matchesTerm(
  labels: Record<string, string>,
  nodeName: string,
  term: NodeSelectorTerm
): boolean {
  const exprs = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  // An empty term matches nothing, as in Kubernetes.
  if (exprs.length === 0 && fields.length === 0) return false
  if (!exprs.every((r) => matchesRequirement(labels, r))) return false
  return fields.every(
    (f) => f.key === 'metadata.name' && matchesRequirement({ 'metadata.name': nodeName }, f)
  )
}

/** Whether `labels` match a metav1.LabelSelector (null/undefined selects nothing). */
export function matchesLabelSelector(
  labels: Record<string, string>,
  selector: LabelSelector | undefined | null
): boolean {
  if (!selector) return false
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false
  }
  return (selector.matchExpressions ?? []).every((e) =>
    matchesRequirement(labels, e as NodeSelectorRequirement)
  )
}

/** Whether a toleration tolerates a taint (kube's `Toleration.ToleratesTaint`). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false
  if (t.key && t.key !== taint.key) return false
  if (!t.key && t.operator !== 'Exists') return false
  const op = t.operator ?? 'Equal'
  if (op === 'Exists') return true
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '')
}
