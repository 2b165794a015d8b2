import { describe, expect, it } from 'vitest'
import {
  computeHash,
  equalIgnoreHash,
  maxUnavailable,
  resolveFenceposts,
  type DeploymentObj,
  type ReplicaSetObj
} from '../../src/main/controllers/deployment/deployment-util'
import { newRSNewReplicas } from '../../src/main/controllers/deployment/rollout'

const deploy = (replicas: number, maxSurge?: number | string, maxUnav?: number | string) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      replicas,
      selector: {},
      template: {},
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: maxUnav } }
    }
  }) as DeploymentObj
const rs = (replicas: number) =>
  ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {}, spec: { replicas } }) as ReplicaSetObj

describe('maxSurge and maxUnavailable', () => {
  it.each([
    // replicas, maxSurge, maxUnavailable → surge (rounds up), unavailable (rounds down)
    [10, '25%', '25%', 3, 2],
    [3, '25%', '25%', 1, 0],
    [4, '25%', '25%', 1, 1],
    [1, '25%', '25%', 1, 0],
    [3, 1, 1, 1, 1],
    [3, 0, 0, 0, 1], // both zero: unavailable becomes 1 so the rollout can move
    [5, '0%', '0%', 0, 1],
    [10, '15%', '15%', 2, 1],
    [10, '35%', '35%', 4, 3], // 3.5: surge up, unavailable down
    [1, '100%', '100%', 1, 1],
    [3, '10%', '10%', 1, 0], // 0.3 → surge 1, unavailable 0 (not both zero)
    [3, 0, '10%', 0, 1], // 0 and 0.3 → 0: unavailable becomes 1
    [0, '25%', '25%', 0, 1]
  ])('%i replicas, surge %s, unavailable %s → %i, %i', (n, s, u, surge, unav) => {
    expect(resolveFenceposts(deploy(n, s, u))).toEqual({ maxSurge: surge, maxUnavailable: unav })
  })

  it('caps maxUnavailable at replicas and is 0 for Recreate', () => {
    expect(maxUnavailable(deploy(2, 0, 5))).toBe(2)
    const recreate = { ...deploy(3), spec: { ...deploy(3).spec, strategy: { type: 'Recreate' } } }
    expect(maxUnavailable(recreate as DeploymentObj)).toBe(0)
  })

  it('rejects a malformed percentage with a clear error', () => {
    expect(() => resolveFenceposts(deploy(3, 'lots'))).toThrow(/invalid value for IntOrString/)
  })
})

describe('new ReplicaSet replicas during a rolling update', () => {
  it.each([
    // replicas, surge, old replicas, new replicas → new target
    [3, 1, 3, 0, 1],
    [3, 1, 2, 1, 2],
    [3, 1, 3, 1, 1], // at replicas + surge already: wait for old ones to go
    [10, '25%', 10, 0, 3],
    [3, 0, 3, 0, 0]
  ])('%i replicas, surge %s, old %i, new %i → %i', (n, s, old, cur, want) => {
    const d = deploy(n, s, 1)
    const newRS = rs(cur)
    expect(newRSNewReplicas(d, [rs(old), newRS], newRS)).toBe(want)
  })
})

describe('pod-template-hash', () => {
  const t = (image: string, labels: Record<string, string> = { app: 'web' }) => ({
    metadata: { labels },
    spec: { containers: [{ name: 'c', image }] }
  })

  it('is stable, uses the safe alphabet, and changes with the template or collision count', () => {
    const h = computeHash(t('nginx:1'))
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/)
    expect(computeHash(t('nginx:1'))).toBe(h)
    expect(computeHash(t('nginx:2'))).not.toBe(h)
    expect(computeHash(t('nginx:1'), 1)).not.toBe(h)
    // The hash label itself does not change the hash.
    expect(computeHash(t('nginx:1', { app: 'web', 'pod-template-hash': h }))).toBe(h)
  })

  it('compares templates ignoring the hash label and key order', () => {
    const a = t('nginx:1')
    const b = {
      spec: { containers: [{ image: 'nginx:1', name: 'c' }] },
      metadata: { labels: { app: 'web', 'pod-template-hash': 'x' } }
    }
    expect(equalIgnoreHash(a, b)).toBe(true)
    expect(equalIgnoreHash(a, t('nginx:2'))).toBe(false)
  })
})
