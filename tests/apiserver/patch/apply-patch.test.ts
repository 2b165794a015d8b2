import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import {
  applyPatch,
  patchTypeOf,
  schemaFromSpec,
  unsupportedPatchType
} from '../../../src/main/apiserver/patch'
import type { KubeObject } from '../../../src/main/apiserver/types'

function configMap(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'default' },
    data: { a: '1' }
  }
}

describe('applyPatch', () => {
  it('applies each patch type to the same object', () => {
    const json = applyPatch('json', configMap(), [{ op: 'add', path: '/data/b', value: '2' }])
    const merge = applyPatch('merge', configMap(), { data: { b: '2' } })
    const strategic = applyPatch('strategic', configMap(), { data: { b: '2' } })
    for (const result of [json, merge, strategic]) {
      expect(result.data).toEqual({ a: '1', b: '2' })
    }
  })

  it('a patch that removes metadata leaves an empty metadata for the name checks to report', () => {
    const result = applyPatch('merge', configMap(), { metadata: null })
    expect(result.metadata).toEqual({})
  })

  it('a patch that makes metadata a string is 422', () => {
    let err: unknown
    try {
      applyPatch('merge', configMap(), { metadata: 'x' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe(422)
  })

  it('an unknown patch type is 400, not a crash', () => {
    expect(() => applyPatch('yaml' as 'json', configMap(), {})).toThrow(ApiError)
  })
})

describe('patch content types', () => {
  const cases: [string | undefined, ReturnType<typeof patchTypeOf>][] = [
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/json', undefined],
    [undefined, undefined]
  ]
  for (const [contentType, type] of cases) {
    it(`${contentType} → ${type}`, () => expect(patchTypeOf(contentType)).toBe(type))
  }

  it('an unsupported type is 415 with the accepted types kube-apiserver lists', () => {
    const err = unsupportedPatchType(false)
    expect(err.code).toBe(415)
    expect(err.reason).toBe('UnsupportedMediaType')
    expect(err.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'
    )
  })
})

describe('schemaFromSpec', () => {
  it('describes fields, items and the Kubernetes extensions', () => {
    const schema = schemaFromSpec({
      fields: {
        volumes: {
          type: 'array',
          patchStrategy: 'merge,retainKeys',
          patchMergeKey: 'name',
          items: { fields: { name: { type: 'string' } } }
        }
      }
    })
    const volumes = schema.field('volumes')
    expect(schema.type).toBe('object')
    expect(volumes?.patchStrategies).toEqual(['merge', 'retainKeys'])
    expect(volumes?.patchMergeKey).toBe('name')
    expect(volumes?.items()?.field('name')?.type).toBe('string')
    expect(schema.field('toString')).toBeUndefined()
    expect(schema.field('missing')).toBeUndefined()
  })
})
