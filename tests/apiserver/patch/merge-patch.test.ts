import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import { applyPatch } from '../../../src/main/apiserver/patch'
import type { KubeObject } from '../../../src/main/apiserver/types'

function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' } },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'nginx' },
            { name: 'sidecar', image: 'busybox' }
          ]
        }
      }
    }
  }
}

describe('JSON merge patch (kubectl patch --type merge)', () => {
  const cases: { name: string; patch: unknown; expect: (o: KubeObject) => void }[] = [
    {
      name: 'scaling sets replicas and keeps everything else',
      patch: { spec: { replicas: 5 } },
      expect: (o) => {
        expect(o.spec).toMatchObject({ replicas: 5 })
        expect(o.spec).toMatchObject({
          template: (deployment().spec as { template: object }).template
        })
      }
    },
    {
      name: 'a null removes a label, other labels stay',
      patch: { metadata: { labels: { tier: null, team: 'blue' } } },
      expect: (o) => expect(o.metadata.labels).toEqual({ app: 'web', team: 'blue' })
    },
    {
      name: 'a list in the patch replaces the whole list (no merge by name)',
      patch: { spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }] } } } },
      expect: (o) =>
        expect(o.spec).toMatchObject({
          template: { spec: { containers: [{ name: 'only', image: 'x' }] } }
        })
    },
    {
      name: 'nulls inside a new object are dropped, not stored',
      patch: { metadata: { annotations: { a: '1', b: null } } },
      expect: (o) => expect(o.metadata.annotations).toEqual({ a: '1' })
    },
    {
      name: 'an object replaces a scalar of the same name',
      patch: { spec: { replicas: { value: 1 } } },
      expect: (o) => expect((o.spec as { replicas: unknown }).replicas).toEqual({ value: 1 })
    }
  ]
  for (const c of cases) {
    it(c.name, () => {
      const original = deployment()
      c.expect(applyPatch('merge', original, c.patch))
      expect(original).toEqual(deployment())
    })
  }

  for (const patch of [[{ op: 'add' }], 'text', 3, null]) {
    it(`a ${JSON.stringify(patch)} patch is 400 Invalid JSON Patch`, () => {
      let err: unknown
      try {
        applyPatch('merge', deployment(), patch)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ApiError)
      expect((err as ApiError).code).toBe(400)
      expect((err as ApiError).message).toBe('Invalid JSON Patch')
    })
  }
})
