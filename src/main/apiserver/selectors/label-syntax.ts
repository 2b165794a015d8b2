/**
 * Label key and value syntax for selectors, with the messages kube-apiserver (v1.32) gives when
 * they are wrong (apimachinery `validation.IsQualifiedName` / `IsValidLabelValue`). The checks are
 * the same ones admission uses on objects (admission/formats.ts); this file adds how selectors
 * render them to the user.
 */
import { isQualifiedName, isValidLabelValue } from '../admission/formats'

/** Problems with a label key (`[prefix/]name`), empty when valid: `IsQualifiedName`. */
export const labelKeyErrors: (value: string) => string[] = isQualifiedName

/** Problems with a label value (empty list when valid): `IsValidLabelValue`. */
export const labelValueErrors: (value: string) => string[] = isValidLabelValue

/** Go's `%q` for a string: double-quoted with Go escapes (close enough to strconv.Quote). */
export function goQuote(value: string): string {
  return JSON.stringify(value)
}

/** `<field>: Invalid value: "<value>": <detail>` — a field.Invalid error rendered as Go does. */
export function invalidValue(field: string, value: string, detail: string): string {
  return `${field}: Invalid value: ${goQuote(value)}: ${detail}`
}

/** An aggregate of messages rendered like apimachinery's `utilerrors.Aggregate.Error()`. */
export function aggregateMessage(messages: string[]): string {
  const unique = [...new Set(messages)]
  if (unique.length === 1) return unique[0]
  return `[${unique.join(', ')}]`
}
