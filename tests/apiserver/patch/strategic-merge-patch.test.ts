import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import { applyPatch, applyStrategicMergePatch } from '../../../src/main/apiserver/patch'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { deployment, strategicCases } from './strategic-cases'
import { deploymentSchema, podSchema, serviceSchema } from './workload-schema'

const schemas = { Deployment: deploymentSchema, Pod: podSchema, Service: serviceSchema }

/** The value at a dotted path (`a.0.b`, `list.length`). */
function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => {
    if (v === undefined || v === null) return undefined
    return (v as Record<string, unknown>)[key]
  }, value)
}

/** Every key in a value, at any depth. */
function allKeys(value: unknown, keys: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => allKeys(v, keys))
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      keys.push(k)
      allKeys(v, keys)
    }
  }
  return keys
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}

function failure(run: () => unknown): ApiError {
  try {
    run()
  } catch (err) {
    if (err instanceof ApiError) return err
    throw err
  }
  throw new Error('expected an ApiError')
}

describe('strategic merge patch', () => {
  for (const c of strategicCases) {
    it(c.name, () => {
      // Frozen inputs: any attempt to change the live object or the patch would throw.
      const original = deepFreeze(structuredClone(c.original))
      const patch = deepFreeze(structuredClone(c.patch))
      const run = () => applyPatch('strategic', original, patch, schemas[c.kind])
      if (c.error) {
        const err = failure(run)
        expect({ code: err.code, message: err.message }).toEqual(c.error)
        return
      }
      const result = run()
      for (const [path, value] of Object.entries(c.expect ?? {})) {
        expect(at(result, path), path).toEqual(value)
      }
      expect(allKeys(result).filter((k) => k.startsWith('$'))).toEqual([])
      expect(original).toEqual(c.original)
    })
  }

  it('without a schema (a kind the server has no schema for) lists are replaced', () => {
    const result = applyPatch('strategic', deployment(), {
      spec: { template: { spec: { containers: [{ name: 'log', image: 'fluent-bit' }] } } }
    })
    expect(at(result, 'spec.template.spec.containers')).toEqual([
      { name: 'log', image: 'fluent-bit' }
    ])
    expect(at(result, 'spec.replicas')).toBe(2)
  })

  it('without a schema the directives still apply and are not stored', () => {
    const result = applyPatch('strategic', deployment(), {
      metadata: { labels: { $patch: 'replace', owner: 'me' } },
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } }
    })
    expect(result.metadata.labels).toEqual({ owner: 'me' })
    expect(at(result, 'spec.strategy')).toEqual({ type: 'Recreate' })
  })

  it('a patch that is not a JSON object is 400 with the decoder message kubectl shows', () => {
    const err = failure(() =>
      applyPatch('strategic', deployment(), [{ op: 'add' }], deploymentSchema)
    )
    expect(err.code).toBe(400)
    expect(err.reason).toBe('BadRequest')
    expect(err.message).toBe(
      'json: cannot unmarshal array into Go value of type map[string]interface {}'
    )
  })

  it('an empty patch changes nothing', () => {
    expect(applyPatch('strategic', deployment(), {}, deploymentSchema)).toEqual(deployment())
  })

  it('the result shares nothing with the patch, so later changes to one do not leak', () => {
    const patch = { metadata: { annotations: { note: 'a' } } }
    const result = applyStrategicMergePatch(deployment(), patch, deploymentSchema) as KubeObject
    patch.metadata.annotations.note = 'changed'
    expect(result.metadata.annotations).toEqual({ note: 'a' })
  })

  it('a `__proto__` key in a patch is dropped and pollutes nothing', () => {
    const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"},"ok":"1"}}}')
    const result = applyPatch('strategic', deployment(), patch, deploymentSchema)
    expect(result.metadata.labels).toEqual({ app: 'web', tier: 'frontend', ok: '1' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(result.metadata.labels)).toBe(Object.prototype)
  })
})
