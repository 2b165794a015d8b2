/**
 * Admission over every kind: what kubectl creates passes, defaulting twice changes nothing, an
 * update that changes nothing passes, and hostile bodies give causes (or a typed error) instead
 * of crashing the server.
 */
import { describe, expect, it } from 'vitest'
import { admit, validate, validateStatusUpdate } from '../../../src/main/apiserver/admission'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { ALL_KINDS, create, lines, minimal, resourceOf, update } from './admission-fixtures'

describe.each(ALL_KINDS)('%s', (kind) => {
  it('a minimal object is valid once defaulted', () => {
    expect(lines(create(kind).causes)).toEqual([])
  })

  it('defaulting is idempotent', () => {
    const { obj } = create(kind)
    const again = structuredClone(obj)
    admit(resourceOf(kind), 'UPDATE', again, obj)
    expect(again).toEqual(obj)
  })

  it('an update that changes nothing is valid', () => {
    const { obj } = create(kind)
    expect(lines(update(kind, obj, () => undefined))).toEqual([])
  })
})

/** Values of the wrong type, placed where objects, arrays, strings and numbers are expected. */
const HOSTILE: unknown[] = [
  null,
  'text',
  42,
  -1,
  true,
  [],
  {},
  [null, 1, 'x'],
  { nested: [{}] },
  Infinity
]

/** Every path (up to a depth) of an object, to poison one at a time. */
function pathsOf(
  value: unknown,
  prefix: string[] = [],
  depth = 0,
  out: string[][] = []
): string[][] {
  if (depth > 6 || value === null || typeof value !== 'object') return out
  for (const [k, v] of Object.entries(value)) {
    const path = [...prefix, k]
    out.push(path)
    pathsOf(v, path, depth + 1, out)
  }
  return out
}

function poison(obj: KubeObject, path: string[], value: unknown): KubeObject {
  const copy = structuredClone(obj) as Record<string, unknown>
  let cur = copy
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>
  cur[path[path.length - 1]] = value
  return copy as KubeObject
}

describe('hostile bodies do not crash admission', () => {
  it.each(ALL_KINDS)('%s with every field replaced by values of the wrong type', (kind) => {
    const base = minimal(kind)
    const r = resourceOf(kind)
    const paths = pathsOf(base).filter((p) => p[0] !== 'metadata' || p.length > 1)
    let checked = 0
    for (const path of paths) {
      for (const value of HOSTILE) {
        const obj = poison(base, path, value)
        ;(obj.metadata as Record<string, unknown>).uid ??= 'uid-1'
        for (const op of ['CREATE', 'UPDATE'] as const) {
          const subject = structuredClone(obj)
          try {
            admit(r, op, subject, op === 'UPDATE' ? base : undefined)
          } catch (err) {
            // The only error admission may raise is a typed API error (e.g. the Priority plugin's 403).
            expect(err).toBeInstanceOf(ApiError)
            continue
          }
          const causes = validate(r, op, subject, op === 'UPDATE' ? base : undefined)
          for (const c of causes) {
            expect(typeof c.field).toBe('string')
            expect(c.message.length).toBeGreaterThan(0)
            expect(c.reason).toMatch(/^FieldValue/)
          }
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(paths.length)
  })
})

describe('validateStatusUpdate', () => {
  it('accepts a pod moving to Running and rejects an unknown phase', () => {
    const { obj: old } = create('Pod')
    const running = structuredClone(old)
    running.status = { ...(old.status as object), phase: 'Running' }
    expect(validateStatusUpdate(resourceOf('Pod'), running, old)).toEqual([])
    running.status = { phase: 'Sleeping' }
    expect(lines(validateStatusUpdate(resourceOf('Pod'), running, old))).toEqual([
      'status.phase: Unsupported value: "Sleeping": supported values: "Pending", "Running", "Succeeded", "Failed", "Unknown"'
    ])
  })

  it('rejects negative replica counts on a Deployment status', () => {
    const { obj: old } = create('Deployment')
    const next = structuredClone(old)
    next.status = { replicas: -1 }
    expect(lines(validateStatusUpdate(resourceOf('Deployment'), next, old))).toEqual([
      'status.replicas: Invalid value: -1: must be greater than or equal to 0'
    ])
  })

  it('rejects a rename through the status subresource', () => {
    const { obj: old } = create('Node')
    const next = structuredClone(old)
    next.metadata.name = 'other'
    expect(lines(validateStatusUpdate(resourceOf('Node'), next, old))).toEqual([
      'metadata.name: Invalid value: "other": field is immutable'
    ])
  })
})

it('validate on an unregistered kind still checks metadata', () => {
  const r = { ...resourceOf('ConfigMap'), group: 'example.com', kind: 'Widget' }
  const causes = validate(r, 'CREATE', {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'W', namespace: 'default' }
  })
  expect(causes.map((c) => c.field)).toEqual(['metadata.name'])
})
