import { describe, expect, it } from 'vitest'
import {
  conditionsAfterDeletion,
  NAMESPACE_CONDITION_TYPES
} from '../../src/main/controllers/namespace-conditions'
import type { Json } from './fixture'

const EMPTY = { remaining: new Map(), finalizers: new Map() }
const T0 = '2026-01-01T00:00:00Z'
const T1 = '2026-01-01T00:01:00Z'

describe('conditionsAfterDeletion', () => {
  it('sets all five conditions False with their all-clear reasons on the first pass', () => {
    const got = conditionsAfterDeletion([], EMPTY, [], T0)!
    expect(got.map((c) => c.type)).toEqual([...NAMESPACE_CONDITION_TYPES])
    expect(got.every((c) => c.status === 'False' && c.lastTransitionTime === T0)).toBe(true)
    expect(got.find((c) => c.type === 'NamespaceContentRemaining')?.reason).toBe('ContentRemoved')
  })

  it('answers undefined when nothing changed, so no write is made', () => {
    const first = conditionsAfterDeletion([], EMPTY, [], T0)!
    expect(conditionsAfterDeletion(first, EMPTY, [], T1)).toBeUndefined()
  })

  it.each([
    {
      what: 'a failed kind',
      totals: EMPTY,
      errors: ['b failed', 'a failed'],
      type: 'NamespaceDeletionContentFailure',
      reason: 'ContentDeletionFailed',
      message: 'Failed to delete all resource types, 2 remaining: a failed, b failed'
    },
    {
      what: 'remaining objects, sorted by resource',
      totals: {
        remaining: new Map([
          ['pods.', 2],
          ['jobs.batch', 1]
        ]),
        finalizers: new Map()
      },
      errors: [],
      type: 'NamespaceContentRemaining',
      reason: 'SomeResourcesRemain',
      message:
        'Some resources are remaining: jobs.batch has 1 resource instances, pods. has 2 resource instances'
    }
  ])('$what: True, with a new lastTransitionTime', ({ totals, errors, type, reason, message }) => {
    const first = conditionsAfterDeletion([], EMPTY, [], T0)!
    const got: Json = conditionsAfterDeletion(first, totals, errors, T1)!
    const c = got.find((x: Json) => x.type === type)
    expect(c).toEqual({ type, status: 'True', lastTransitionTime: T1, reason, message })
    // The others kept their status, so their time too.
    const others = got.filter((x: Json) => x.type !== type)
    expect(others.every((x: Json) => x.lastTransitionTime === T0)).toBe(true)
  })

  it('keeps conditions of other types it does not own', () => {
    const foreign = { type: 'Example', status: 'True', lastTransitionTime: T0 }
    const got = conditionsAfterDeletion([foreign], EMPTY, [], T1)!
    expect(got[0]).toEqual(foreign)
    expect(got).toHaveLength(6)
  })
})
