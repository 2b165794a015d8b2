import { describe, expect, it } from 'vitest'
import {
  isScalingEvent,
  proportionalSizes,
  scaleDeployment
} from '../../src/main/controllers/deployment/proportional-scale'
import type {
  DeploymentObj,
  ReplicaSetObj
} from '../../src/main/controllers/deployment/deployment-util'
import type { RolloutOps } from '../../src/main/controllers/deployment/rollout'

const deploy = (replicas: number, maxSurge: number, maxUnavailable: number, statusReplicas = 0) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      replicas,
      selector: {},
      template: {},
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }
    },
    status: { replicas: statusReplicas }
  }) as DeploymentObj

/** A ReplicaSet named `name`, created at second `age`, last scaled for a Deployment of `desired` (max `max`). */
const rs = (name: string, age: number, replicas: number, desired?: number, max?: number) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, age)).toISOString(),
      annotations: {
        ...(desired !== undefined
          ? { 'deployment.kubernetes.io/desired-replicas': `${desired}` }
          : {}),
        ...(max !== undefined ? { 'deployment.kubernetes.io/max-replicas': `${max}` } : {})
      }
    },
    spec: { replicas },
    status: { replicas, availableReplicas: 0 }
  }) as ReplicaSetObj

const sizes = (m: Map<ReplicaSetObj, number>) =>
  Object.fromEntries([...m].map(([r, n]) => [r.metadata.name, n]))

describe('proportional scaling during a rollout', () => {
  it.each([
    // Kubernetes' docs example: 10 replicas (surge 3) mid-rollout, old 8 + new 5, scaled to 15:
    // 5 more allowed, 3 to the old ReplicaSet and 2 to the new one.
    [
      '10 → 15 by proportion',
      deploy(15, 3, 2),
      [rs('old', 1, 8, 10, 13), rs('new', 2, 5, 10, 13)],
      { old: 11, new: 7 }
    ],
    [
      '15 → 10 back again',
      deploy(10, 3, 2),
      [rs('old', 1, 11, 15, 18), rs('new', 2, 7, 15, 18)],
      { old: 8, new: 5 }
    ],
    [
      'to zero empties every ReplicaSet',
      deploy(0, 3, 2),
      [rs('old', 1, 8, 10, 13), rs('new', 2, 5, 10, 13)],
      { old: 0, new: 0 }
    ],
    // Equal sizes: a growth goes to the newer first, a shrink is taken from the older first.
    [
      'equal sizes up: newer first',
      deploy(5, 0, 1),
      [rs('old', 1, 2, 4, 4), rs('new', 2, 2, 4, 4)],
      { old: 2, new: 3 }
    ],
    [
      'equal sizes down: older first',
      deploy(3, 0, 1),
      [rs('old', 1, 2, 4, 4), rs('new', 2, 2, 4, 4)],
      { old: 1, new: 2 }
    ],
    // No max-replicas annotation (edited by hand): the Deployment's current size is the base.
    [
      'no annotation: status.replicas as the base',
      deploy(8, 0, 1, 4),
      [rs('old', 1, 2), rs('new', 2, 2)],
      { old: 4, new: 4 }
    ],
    // Empty ReplicaSets stay empty.
    [
      'an empty ReplicaSet is not scaled up',
      deploy(6, 0, 1),
      [rs('older', 0, 0, 3, 3), rs('old', 1, 1, 3, 3), rs('new', 2, 2, 3, 3)],
      { old: 2, new: 4 }
    ]
  ])('%s', (_, d, sets, want) => {
    const newRS = sets.at(-1)
    expect(sizes(proportionalSizes(d, newRS, sets.slice(0, -1)))).toEqual(want)
  })
})

describe('scale (sync.go)', () => {
  const record = () => {
    const calls: string[] = []
    const ops: RolloutOps = {
      async scale(r, n) {
        calls.push(`${r.metadata.name}=${n}`)
      },
      oldPodsRunning: () => false
    }
    return { calls, ops }
  }

  it.each([
    [
      'one active ReplicaSet takes the whole size',
      deploy(6, 1, 1),
      [rs('old', 1, 0, 4, 5), rs('new', 2, 4, 4, 5)],
      ['new=6']
    ],
    [
      'none active: the newest takes it',
      deploy(2, 1, 1),
      [rs('old', 1, 0, 0, 0), rs('new', 2, 0, 0, 0)],
      ['new=2']
    ],
    [
      'already the right size: nothing written',
      deploy(4, 1, 1),
      [rs('old', 1, 0, 4, 5), rs('new', 2, 4, 4, 5)],
      []
    ],
    [
      'several active: every one written, by proportion',
      deploy(15, 3, 2),
      [rs('old', 1, 8, 10, 13), rs('new', 2, 5, 10, 13)],
      ['old=11', 'new=7']
    ]
  ])('%s', async (_, d, sets, want) => {
    const { calls, ops } = record()
    await scaleDeployment(d, sets.at(-1), sets.slice(0, -1), ops)
    expect(calls).toEqual(want)
  })

  it('a saturated new ReplicaSet scales the old ones to zero', async () => {
    const { calls, ops } = record()
    const newRS = { ...rs('new', 2, 4, 4, 5), status: { replicas: 4, availableReplicas: 4 } }
    await scaleDeployment(deploy(4, 1, 1), newRS, [rs('old', 1, 1, 4, 5)], ops)
    expect(calls).toEqual(['old=0'])
  })

  it.each([
    ['an active ReplicaSet scaled for another size', [rs('a', 1, 3, 3, 4)], 5, true],
    ['all scaled for this size', [rs('a', 1, 3, 5, 6)], 5, false],
    ['only an empty one differs', [rs('a', 1, 0, 3, 4), rs('b', 2, 5, 5, 6)], 5, false],
    ['no annotation', [rs('a', 1, 3)], 5, false]
  ])('isScalingEvent: %s → %s', (_, sets, replicas, want) => {
    expect(isScalingEvent(deploy(replicas, 1, 1), sets)).toBe(want)
  })
})
