/**
 * One requirement of a label selector (`app in (web,api)`, `!canary`, `tier=frontend` …) with
 * apimachinery's validation (`labels.NewRequirement`), matching and string form.
 */
import { aggregateMessage, invalidValue, labelKeyErrors, labelValueErrors } from './label-syntax'

/** Label selector operators, spelled as apimachinery's `selection.Operator`. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!'

/** A validated requirement: key, operator and (for set and exact operators) values. */
export interface Requirement {
  readonly key: string
  readonly operator: LabelOperator
  /** Sorted for `in`/`notin` as the parser collects them into a set. */
  readonly values: readonly string[]
}

const int64Pattern = /^[+-]?\d+$/
const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n

/** Go's `strconv.ParseInt(s, 10, 64)`: an int64 or undefined. */
function parseInt64(text: string): bigint | undefined {
  if (!int64Pattern.test(text)) return undefined
  const value = BigInt(text)
  return value < int64Min || value > int64Max ? undefined : value
}

/**
 * Builds a requirement or returns the aggregated validation message kube-apiserver would give.
 * `keyPath` is the field path the key is reported under (`key` for a metav1.LabelSelector).
 */
export function newRequirement(
  key: string,
  operator: LabelOperator,
  values: string[]
): Requirement | string {
  const errs: string[] = []
  const keyErrs = labelKeyErrors(key)
  if (keyErrs.length > 0) errs.push(invalidValue('key', key, keyErrs.join('; ')))
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errs.push(
          "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
        )
      }
      break
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errs.push(
          `values: Invalid value: ${goStringSlice(values)}: exact-match compatibility requires one single value`
        )
      }
      break
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errs.push(
          `values: Invalid value: ${goStringSlice(values)}: values set must be empty for exists and does not exist`
        )
      }
      break
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errs.push(
          `values: Invalid value: ${goStringSlice(values)}: for 'Gt', 'Lt' operators, exactly one value is required`
        )
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalidValue(
              `values[${i}]`,
              v,
              "for 'Gt', 'Lt' operators, the value must be an integer"
            )
          )
        }
      })
      break
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v)
    if (valueErrs.length > 0)
      errs.push(invalidValue(`values[${i}][${key}]`, v, valueErrs.join('; ')))
  })
  if (errs.length > 0) return aggregateMessage(errs)
  return { key, operator, values: [...values] }
}

/** Go's `%#v` of a []string, as field errors print a bad slice. */
function goStringSlice(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`
}

/** Whether one requirement holds for a set of labels (`Requirement.Matches`). */
export function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key)
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(labels[r.key])
    case 'notin':
    case '!=':
      return !has || !r.values.includes(labels[r.key])
    case 'exists':
      return has
    case '!':
      return !has
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false
      const actual = parseInt64(labels[r.key])
      const bound = parseInt64(r.values[0])
      if (actual === undefined || bound === undefined) return false
      return r.operator === 'gt' ? actual > bound : actual < bound
    }
  }
}

/** The requirement's canonical text (`Requirement.String`): `a in (x,y)`, `!b`, `c!=d`, `n>3`. */
export function requirementString(r: Requirement): string {
  const prefix = r.operator === '!' ? '!' : ''
  if (r.operator === 'exists' || r.operator === '!') return prefix + r.key
  const sorted = [...r.values].sort()
  const values = r.values.length === 1 ? r.values[0] : sorted.join(',')
  switch (r.operator) {
    case 'in':
      return `${r.key} in (${values})`
    case 'notin':
      return `${r.key} notin (${values})`
    case 'gt':
      return `${r.key}>${values}`
    case 'lt':
      return `${r.key}<${values}`
    default:
      return `${r.key}${r.operator}${values}`
  }
}
