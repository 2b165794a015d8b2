/**
 * Field causes worded as k8s.io/apimachinery's `field.Error`: the body of each message is
 * `<Type string>[: <bad value>][: <detail>]`, and the bad value is rendered the way kube-apiserver
 * 1.32 renders it (strings quoted, numbers bare, maps and selectors in Go syntax), so the line
 * kubectl prints reads the same as against a real cluster.
 */
import type { FieldCause } from '../types'

/** Renders a bad value as Go's `%q` / `%v` / `%#v` would for the types validation passes. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`
  }
  if (isStringMap(value)) return goStringMap(value)
  return JSON.stringify(value)
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  )
}

/** `map[string]string{"a":"b", "c":"d"}` — Go prints map keys sorted. */
export function goStringMap(map: Record<string, string> | undefined | null): string {
  if (!map) return 'map[string]string(nil)'
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(map[k])}`)
  return `map[string]string{${entries.join(', ')}}`
}

/** A label selector as `%#v` of `v1.LabelSelector`, as in "field is immutable" messages. */
export function goLabelSelector(selector: unknown): string {
  const sel = (selector && typeof selector === 'object' ? selector : {}) as {
    matchLabels?: Record<string, string>
    matchExpressions?: { key?: string; operator?: string; values?: string[] }[]
  }
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => {
          const values = Array.isArray(e?.values)
            ? `[]string{${e.values.map((v) => JSON.stringify(v)).join(', ')}}`
            : '[]string(nil)'
          return `v1.LabelSelectorRequirement{Key:${JSON.stringify(e?.key ?? '')}, Operator:${JSON.stringify(e?.operator ?? '')}, Values:${values}}`
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)'
  const labels = isStringMap(sel.matchLabels) ? sel.matchLabels : null
  return `v1.LabelSelector{MatchLabels:${goStringMap(labels)}, MatchExpressions:${exprs}}`
}

/** A value already rendered (e.g. by goLabelSelector) that must not be quoted again. */
export class Rendered {
  constructor(readonly text: string) {}
}

function body(type: string, value: unknown, detail?: string): string {
  const shown = value instanceof Rendered ? value.text : goValue(value)
  return detail ? `${type}: ${shown}: ${detail}` : `${type}: ${shown}`
}

/** `Required value[: detail]` — FieldValueRequired. */
export function required(field: string, detail = ''): FieldCause {
  return {
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
    field
  }
}

/** `Invalid value: <value>: detail` — FieldValueInvalid. */
export function invalidValue(field: string, value: unknown, detail: string): FieldCause {
  return { reason: 'FieldValueInvalid', message: body('Invalid value', value, detail), field }
}

/** `Unsupported value: "x": supported values: "a", "b"` — FieldValueNotSupported. */
export function notSupported(
  field: string,
  value: unknown,
  supported: readonly string[]
): FieldCause {
  const detail = supported.length
    ? `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`
    : undefined
  return {
    reason: 'FieldValueNotSupported',
    message: body('Unsupported value', value, detail),
    field
  }
}

/** `Forbidden: detail` — FieldValueForbidden. */
export function forbidden(field: string, detail: string): FieldCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field }
}

/** `Duplicate value: <value>` — FieldValueDuplicate. */
export function duplicate(field: string, value: unknown): FieldCause {
  return { reason: 'FieldValueDuplicate', message: body('Duplicate value', value), field }
}

/** `Not found: <value>` — FieldValueNotFound. */
export function notFoundValue(field: string, value: unknown): FieldCause {
  return { reason: 'FieldValueNotFound', message: body('Not found', value), field }
}

/** `Too long: may not be more than N bytes` — FieldValueTooLong (the value is never echoed). */
export function tooLong(field: string, maxBytes: number): FieldCause {
  const unit = maxBytes === 1 ? 'byte' : 'bytes'
  return {
    reason: 'FieldValueTooLong',
    message: `Too long: may not be more than ${maxBytes} ${unit}`,
    field
  }
}

/** `field is immutable` on `field` with the new value shown. */
export function immutable(field: string, value: unknown): FieldCause {
  return invalidValue(field, value, 'field is immutable')
}

/** Path helpers mirroring `field.Path`: `child`, `[index]`, `[key]`. */
export function child(path: string, ...names: string[]): string {
  // Every validated field passes here: a loop, not filter + join over a fresh array.
  let out = path
  for (const name of names) {
    if (!name) continue
    out = out ? `${out}.${name}` : name
  }
  return out
}

/** `path[i]`. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`
}

/** `path[key]` — map keys are printed bare, as kube does. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`
}
