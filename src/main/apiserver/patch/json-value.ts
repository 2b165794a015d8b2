/**
 * Small helpers over parsed JSON values shared by the patch algorithms: type tests, a deep copy
 * that cannot be tricked into touching prototypes, and Go-style formatting so error messages
 * read like kube-apiserver's (`map[image:nginx]`).
 */
import { ApiError } from '../api-errors'

/** A JSON object as the patch code handles it. */
export type JsonObject = Record<string, unknown>

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A key a patch must never write: assigning it would change an object's prototype rather than
 * add a field (Kubernetes would drop it as an unknown field anyway).
 */
export function isForbiddenKey(key: string): boolean {
  return key === '__proto__'
}

/** The value of an own property, never one inherited from Object.prototype. */
export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined
}

/** A deep copy of a JSON value; `__proto__` keys are dropped. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T
  if (isObject(value)) {
    const copy: JsonObject = {}
    for (const [key, item] of Object.entries(value)) {
      if (!isForbiddenKey(key)) copy[key] = cloneJson(item)
    }
    return copy as T
  }
  return value
}

/** The JSON type name of a value, as Go's encoding/json names it in errors. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object') return 'object'
  return typeof value
}

/** Formats a value as Go's `%v` prints decoded JSON: `map[a:1 b:[x y]]`, `<nil>`. */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>'
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`
  if (isObject(value)) {
    const keys = Object.keys(value).sort()
    return `map[${keys.map((k) => `${k}:${goFormat(value[k])}`).join(' ')}]`
  }
  return String(value)
}

/** The Go type encoding/json decodes a value into, for messages like kube-apiserver's. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>'
  if (Array.isArray(value)) return '[]interface {}'
  if (isObject(value)) return 'map[string]interface {}'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64'
  return typeof value === 'boolean' ? 'bool' : 'string'
}

/**
 * The 422 kube-apiserver answers for a patch it understood but could not apply
 * (`NewGenericServerResponse(422, …)`): a fixed message and empty details, which kubectl prints
 * as "The request is invalid: …". The specific reason is kept as `cause` for server logs.
 */
export function patchNotApplicable(reason: string): ApiError {
  const error = new ApiError(422, 'Invalid', PATCH_NOT_APPLICABLE, {})
  error.cause = reason
  return error
}

/** kube-apiserver's message for a 422 without details. */
export const PATCH_NOT_APPLICABLE = 'the server rejected our request due to an error in our request'
