/**
 * Label selectors: the `labelSelector` query parameter of list and watch, and the
 * `metav1.LabelSelector` objects workloads carry (`spec.selector`). Semantics, canonical string
 * form and error messages follow apimachinery's `labels` package.
 */
import type { LabelSelector as LabelSelectorObject } from 'kubernetes-types/meta/v1'
import { badRequest } from '../api-errors'
import { newRequirement, requirementMatches, requirementString } from './label-requirement'
import type { LabelOperator, Requirement } from './label-requirement'
import { parseRequirements } from './label-selector-parser'

export type { LabelOperator, Requirement } from './label-requirement'

/** A parsed label selector. */
export interface LabelSelector {
  /** Whether every requirement holds for these labels (a missing map is no labels). */
  matches(labels?: Record<string, string>): boolean
  /** True when the selector does not restrict anything (matches every object). */
  readonly empty: boolean
  /** The requirements, sorted by key; empty for "everything" and for "nothing". */
  readonly requirements: readonly Requirement[]
  /** The canonical text (`a=b,c in (x,y)`), requirements sorted by key; `''` when empty. */
  toString(): string
}

const noLabels: Record<string, string> = {}

function selectorOf(requirements: Requirement[]): LabelSelector {
  // Sorted by key (stable) so the string form is deterministic, as `labels.Parse` does.
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const text = sorted.map(requirementString).join(',')
  return {
    requirements: sorted,
    empty: sorted.length === 0,
    matches: (labels) => sorted.every((r) => requirementMatches(r, labels ?? noLabels)),
    toString: () => text
  }
}

/** A selector that matches every object. */
export const everything: LabelSelector = selectorOf([])

/** A selector that matches no object (a nil `metav1.LabelSelector`). */
export const nothing: LabelSelector = {
  requirements: [],
  empty: false,
  matches: () => false,
  toString: () => ''
}

/**
 * Parses the `labelSelector` query parameter: `=`, `==`, `!=`, `in (…)`, `notin (…)`, `key`,
 * `!key`, `>`/`<` on integers, comma-separated. Invalid syntax or an invalid key or value throws
 * a 400 BadRequest carrying kube-apiserver's message (`unable to parse requirement: …`).
 */
export function parseLabelSelector(text: string): LabelSelector {
  const result = parseRequirements(text)
  if (typeof result === 'string') throw badRequest(result)
  return selectorOf(result)
}

const expressionOperators: Record<string, LabelOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!'
}

/**
 * The selector a `metav1.LabelSelector` stands for (`LabelSelectorAsSelector`): undefined or null
 * selects nothing, an empty one (no matchLabels, no matchExpressions) selects everything.
 * Invalid keys, values or operators throw a 400 BadRequest with apimachinery's message.
 */
export function labelSelectorFromObject(
  sel: Pick<LabelSelectorObject, 'matchLabels' | 'matchExpressions'> | undefined | null
): LabelSelector {
  if (sel === undefined || sel === null) return nothing
  const matchLabels = sel.matchLabels ?? {}
  const expressions = sel.matchExpressions ?? []
  if (Object.keys(matchLabels).length + expressions.length === 0) return everything
  const requirements: Requirement[] = []
  for (const [key, value] of Object.entries(matchLabels)) {
    requirements.push(mustRequirement(newRequirement(key, '=', [String(value)])))
  }
  for (const expr of expressions) {
    const op = expressionOperators[expr.operator]
    if (!op)
      throw badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`)
    requirements.push(mustRequirement(newRequirement(expr.key, op, [...(expr.values ?? [])])))
  }
  return selectorOf(requirements)
}

function mustRequirement(result: Requirement | string): Requirement {
  if (typeof result === 'string') throw badRequest(result)
  return result
}

/**
 * `metav1.FormatLabelSelector`: the selector's text, `<none>` when it selects everything or
 * nothing, `<error>` when it is invalid. Used by `kubectl get -o wide` SELECTOR columns.
 */
export function formatLabelSelector(
  sel: Pick<LabelSelectorObject, 'matchLabels' | 'matchExpressions'> | undefined | null
): string {
  let text: string
  try {
    text = labelSelectorFromObject(sel).toString()
  } catch {
    return '<error>'
  }
  return text.length === 0 ? '<none>' : text
}
