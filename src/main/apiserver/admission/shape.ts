/**
 * Safe views over untrusted JSON. Admission runs on whatever a client sent, so every read goes
 * through these: a field of the wrong type reads as absent instead of throwing.
 */

/** A JSON object. */
export type Obj = Record<string, unknown>

/** Whether `v` is a plain JSON object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** `v` if it is an object, else an empty (detached) object. */
export function obj(v: unknown): Obj {
  return isObj(v) ? v : {}
}

/** The objects of an array field; non-arrays read as empty, non-object items are skipped. */
export function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : []
}

/** `v` if it is a string, else ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/** `v` if it is a finite number, else undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** A string map (labels, selectors); non-string values are dropped. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val
  return out
}

/** The object at `parent[key]`, created when absent or not an object (for defaulting). */
export function ensureObj(parent: Obj, key: string): Obj {
  const cur = parent[key]
  if (isObj(cur)) return cur
  const fresh: Obj = {}
  parent[key] = fresh
  return fresh
}

/** Sets `parent[key] = value` when the field is absent (undefined, null or ''). */
export function setDefault(parent: Obj, key: string, value: unknown): void {
  const cur = parent[key]
  if (cur === undefined || cur === null || cur === '') parent[key] = value
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => jsonEqual(v, b[i]))
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined)
    const kb = Object.keys(b).filter((k) => b[k] !== undefined)
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]))
  }
  return false
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
}

/** The message kube-apiserver gives for a malformed quantity. */
export const QUANTITY_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

/**
 * Parses a resource quantity (`500m`, `1Gi`, `1e3`, `2`) to a number, or undefined when it is not
 * one. Precision is that of a double, plenty to compare requests with limits.
 */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v !== 'string') return undefined
  // Defaulting and validation read every request and limit several times, and the same few
  // spellings (`100m`, `64Mi`) recur across objects: each string is parsed once.
  if (parsedQuantities.has(v)) return parsedQuantities.get(v)
  const parsed = parseQuantityText(v)
  if (parsedQuantities.size >= MAX_PARSED_QUANTITIES) parsedQuantities.clear()
  parsedQuantities.set(v, parsed)
  return parsed
}

const parsedQuantities = new Map<string, number | undefined>()
const MAX_PARSED_QUANTITIES = 4096

function parseQuantityText(v: string): number | undefined {
  const m = QUANTITY.exec(v.trim())
  if (!m || !/\d/.test(m[1]) || (m[1].match(/\./g) ?? []).length > 1) return undefined
  const base = Number(m[1])
  const suffix = m[2]
  if (suffix in SUFFIX) return base * SUFFIX[suffix]
  const exp = /^[eE]([-+]?\d+)$/.exec(suffix)
  if (exp) return base * 10 ** Number(exp[1])
  return undefined
}
