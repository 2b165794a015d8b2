/**
 * Field selectors: the `fieldSelector` query parameter of list and watch (`metadata.name=web`,
 * `status.phase!=Running`, `spec.nodeName==node-1`, comma-separated, `\,` `\=` `\\` escapes).
 * Parsing and messages follow apimachinery's `fields.ParseSelector`; the fields a kind accepts
 * follow kube-apiserver's field label conversions (see selectable-fields.ts).
 */
import { badRequest } from '../api-errors'
import type { KubeObject, ResourceInfo } from '../types'
import { selectableFieldsOf } from './selectable-fields'

/** One term: `field=value` or `field!=value` (`==` is the same as `=`). */
export interface FieldRequirement {
  readonly field: string
  readonly operator: '=' | '!='
  readonly value: string
}

/** A parsed field selector, bound to the resource it was parsed for. */
export interface FieldSelector {
  /** Whether every term holds for the object. */
  matches(obj: KubeObject): boolean
  /** True when there is no term (matches every object). */
  readonly empty: boolean
  /** The terms, in the sorted order apimachinery keeps them. */
  readonly requirements: readonly FieldRequirement[]
  /** The value an `=` term requires for `field`, if any: lets a caller read one key directly. */
  requiresExactMatch(field: string): string | undefined
  /** Canonical text: `a=b,c!=d`. */
  toString(): string
}

/** Splits on commas that are not escaped by a backslash; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return []
  const terms: string[] = []
  let start = 0
  let inSlash = false
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]
    if (inSlash) inSlash = false
    else if (c === '\\') inSlash = true
    else if (c === ',') {
      terms.push(selector.slice(start, i))
      start = i + 1
    }
  }
  terms.push(selector.slice(start))
  return terms
}

const termOperators = ['!=', '==', '='] as const

/** Splits a term at the first operator; the field part has no escaping. */
function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i))
        return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) }
    }
  }
  return undefined
}

/** Undoes `\\`, `\,` and `\=`; a bare `,` or `=` in a value is an error, as is any other escape. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s
  let out = ''
  let inSlash = false
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`)
      }
      out += c
      inSlash = false
    } else if (c === '\\') {
      inSlash = true
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, which is its code point.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`)
    } else {
      out += c
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\')
  return out
}

/**
 * Each object's selectable values, computed once per object and resourceVersion: one stored
 * object reaches every watcher of its kind (a hundred kubelets each select their node's pods).
 */
const valuesByObject = new WeakMap<KubeObject, { rv?: string; values: Record<string, string> }>()

function selectableValues(
  fields: ReturnType<typeof selectableFieldsOf>,
  obj: KubeObject
): Record<string, string> {
  const rv = obj.metadata?.resourceVersion
  const known = valuesByObject.get(obj)
  if (known && rv !== undefined && known.rv === rv) return known.values
  const values = fields.values(obj)
  valuesByObject.set(obj, { rv, values })
  return values
}

const escapeValue = (value: string): string => value.replace(/[\\,=]/g, (c) => `\\${c}`)

/**
 * Parses the `fieldSelector` query parameter for `resource`. Syntax errors and fields the kind
 * does not support throw a 400 BadRequest with kube-apiserver's message, e.g.
 * `field label not supported: spec.foo` for pods.
 */
export function parseFieldSelector(
  text: string,
  resource: Pick<ResourceInfo, 'group' | 'kind' | 'namespaced'>
): FieldSelector {
  const fields = selectableFieldsOf(resource)
  const parts = splitTerms(text).sort()
  const parsed: FieldRequirement[] = []
  for (const part of parts) {
    if (part === '') continue
    const term = splitTerm(part)
    if (!term) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`)
    parsed.push({
      field: term.lhs,
      operator: term.op === '!=' ? '!=' : '=',
      value: unescapeValue(term.rhs)
    })
  }
  // Field labels are converted (and rejected) after the whole selector parsed, as the handler does.
  const requirements = parsed.map((r) => {
    const field = fields.labels[r.field]
    if (field === undefined) throw badRequest(fields.unsupported(r.field))
    return { ...r, field }
  })
  const canonical = requirements
    .map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`)
    .join(',')
  return {
    requirements,
    empty: requirements.length === 0,
    matches(obj) {
      if (requirements.length === 0) return true
      const values = selectableValues(fields, obj)
      return requirements.every(
        (r) => ((values[r.field] ?? '') === r.value) === (r.operator === '=')
      )
    },
    requiresExactMatch(field) {
      return requirements.find((r) => r.field === field && r.operator === '=')?.value
    },
    toString: () => canonical
  }
}
