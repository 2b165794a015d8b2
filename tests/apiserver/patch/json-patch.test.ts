import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import {
  applyPatch,
  MAX_JSON_PATCH_OPERATIONS,
  PATCH_NOT_APPLICABLE
} from '../../../src/main/apiserver/patch'
import type { KubeObject } from '../../../src/main/apiserver/types'

function pod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'nginx' }] }
  }
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

describe('JSON patch (kubectl patch --type json)', () => {
  const applies: { name: string; patch: unknown[]; path: string[]; value: unknown }[] = [
    {
      name: 'replace a container image by position',
      patch: [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.26' }],
      path: ['spec', 'containers', '0', 'image'],
      value: 'nginx:1.26'
    },
    {
      name: 'add a label whose key needs ~1 escaping',
      patch: [{ op: 'add', path: '/metadata/labels/example.com~1tier', value: 'gold' }],
      path: ['metadata', 'labels'],
      value: { app: 'web', 'example.com/tier': 'gold' }
    },
    {
      name: 'append a container with "-"',
      patch: [{ op: 'add', path: '/spec/containers/-', value: { name: 'log', image: 'x' } }],
      path: ['spec', 'containers', '1', 'name'],
      value: 'log'
    },
    {
      name: 'remove a label',
      patch: [{ op: 'remove', path: '/metadata/labels/app' }],
      path: ['metadata', 'labels'],
      value: {}
    },
    {
      name: 'a passing test then a change applies the change',
      patch: [
        { op: 'test', path: '/spec/containers/0/image', value: 'nginx' },
        { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' }
      ],
      path: ['metadata', 'annotations'],
      value: { app: 'web' }
    }
  ]
  for (const c of applies) {
    it(c.name, () => {
      const original = pod()
      const result = applyPatch('json', original, c.patch)
      const got = c.path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], result)
      expect(got).toEqual(c.value)
      expect(original).toEqual(pod())
    })
  }

  const rejected: { name: string; patch: unknown; code: number; message: string }[] = [
    {
      name: 'a failed test operation is 422 with kube-apiserver message',
      patch: [{ op: 'test', path: '/spec/containers/0/image', value: 'redis' }],
      code: 422,
      message: PATCH_NOT_APPLICABLE
    },
    {
      name: 'replacing a path that does not exist is 422',
      patch: [{ op: 'replace', path: '/spec/nodeName', value: 'n1' }],
      code: 422,
      message: PATCH_NOT_APPLICABLE
    },
    {
      name: 'removing a path that does not exist is 422',
      patch: [{ op: 'remove', path: '/metadata/annotations/x' }],
      code: 422,
      message: PATCH_NOT_APPLICABLE
    },
    {
      name: 'an unknown op is 422',
      patch: [{ op: 'frobnicate', path: '/spec' }],
      code: 422,
      message: PATCH_NOT_APPLICABLE
    },
    {
      name: 'an operation without a value is 422',
      patch: [{ op: 'add', path: '/metadata/labels/x' }],
      code: 422,
      message: PATCH_NOT_APPLICABLE
    },
    {
      name: 'an object instead of a list is 400 as kubectl users see it',
      patch: { op: 'add', path: '/x', value: 1 },
      code: 400,
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'
    },
    {
      name: 'a list of strings is 400',
      patch: ['add'],
      code: 400,
      message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'
    }
  ]
  for (const c of rejected) {
    it(c.name, () => {
      const err = failure(() => applyPatch('json', pod(), c.patch))
      expect({ code: err.code, message: err.message }).toEqual({
        code: c.code,
        message: c.message
      })
    })
  }

  it('the 422 Status is the one kube-apiserver sends (reason Invalid, empty details)', () => {
    const err = failure(() =>
      applyPatch('json', pod(), [{ op: 'test', path: '/metadata/name', value: 'q' }])
    )
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422
    })
  })

  it('a patch that fails half-way applies nothing', () => {
    const original = pod()
    const err = failure(() =>
      applyPatch('json', original, [
        { op: 'add', path: '/metadata/labels/new', value: 'x' },
        { op: 'test', path: '/metadata/name', value: 'other' }
      ])
    )
    expect(err.code).toBe(422)
    expect(original).toEqual(pod())
  })

  it(`more than ${MAX_JSON_PATCH_OPERATIONS} operations is 413`, () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '/kind',
      value: 'Pod'
    }))
    const err = failure(() => applyPatch('json', pod(), ops))
    expect(err.code).toBe(413)
    expect(err.reason).toBe('RequestEntityTooLarge')
    expect(err.message).toContain(`got ${MAX_JSON_PATCH_OPERATIONS + 1}`)
  })

  it('a patch on __proto__ is refused and pollutes nothing', () => {
    const err = failure(() =>
      applyPatch('json', pod(), [{ op: 'add', path: '/__proto__/polluted', value: 'yes' }])
    )
    expect(err.code).toBe(422)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('replacing the whole document with a non-object is 422', () => {
    const err = failure(() => applyPatch('json', pod(), [{ op: 'replace', path: '', value: 5 }]))
    expect(err.code).toBe(422)
  })
})
