/**
 * The ControllerRevision helpers (`pkg/controller/history`): names, hashes, equality, order, and
 * the template patch kept in `data`.
 */
import { describe, expect, it } from 'vitest'
import {
  controllerRevisionName,
  equalRevision,
  hashControllerRevision,
  nextRevision,
  sortControllerRevisions,
  templateOfRevision,
  templatePatch,
  type ControllerRevisionObj
} from '../../src/main/controllers/shared/controller-history'

const HASH = 'controller.kubernetes.io/hash'
const rev = (
  name: string,
  revision: number,
  data: unknown,
  labels?: Record<string, string>,
  creationTimestamp?: string
): ControllerRevisionObj =>
  ({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      ...(labels ? { labels } : {}),
      ...(creationTimestamp ? { creationTimestamp } : {})
    },
    data,
    revision
  }) as ControllerRevisionObj

describe('controller history', () => {
  it('hashes data whatever its key order, and differently per collision count', () => {
    const a = hashControllerRevision({ spec: { x: 1, y: [1, 2] } })
    expect(hashControllerRevision({ spec: { y: [1, 2], x: 1 } })).toBe(a)
    expect(hashControllerRevision({ spec: { x: 2, y: [1, 2] } })).not.toBe(a)
    expect(hashControllerRevision({ spec: { x: 1, y: [1, 2] } }, 1)).not.toBe(a)
    // rand.SafeEncodeString's alphabet: no vowels, no 0, 1 or 3.
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/)
  })

  it('names a revision <prefix>-<hash>, the prefix cut to 223 characters', () => {
    expect(controllerRevisionName('web', 'abc')).toBe('web-abc')
    expect(controllerRevisionName('p'.repeat(300), 'abc')).toBe(`${'p'.repeat(223)}-abc`)
  })

  it.each<[string, ControllerRevisionObj, ControllerRevisionObj, boolean]>([
    ['same data', rev('a', 1, { x: 1, y: 2 }), rev('b', 2, { y: 2, x: 1 }), true],
    ['other data', rev('a', 1, { x: 1 }), rev('b', 2, { x: 2 }), false],
    ['one hash label', rev('a', 1, { x: 1 }, { [HASH]: 'h1' }), rev('b', 2, { x: 1 }), true],
    [
      'different hash labels',
      rev('a', 1, { x: 1 }, { [HASH]: 'h1' }),
      rev('b', 2, { x: 1 }, { [HASH]: 'h2' }),
      false
    ]
  ])('equalRevision: %s → %s', (_what, a, b, equal) => {
    expect(equalRevision(a, b)).toBe(equal)
  })

  it('sorts by revision, then creation time, then name; the next revision follows the last', () => {
    const sorted = sortControllerRevisions([
      rev('c', 2, {}, undefined, '2024-01-01T00:00:02Z'),
      rev('b', 2, {}, undefined, '2024-01-01T00:00:01Z'),
      rev('a', 3, {}),
      rev('z', 1, {})
    ])
    expect(sorted.map((r) => r.metadata.name)).toEqual(['z', 'b', 'c', 'a'])
    expect(nextRevision(sorted)).toBe(4)
    expect(nextRevision([])).toBe(1)
  })

  it('keeps the template as a replace patch and reads it back unchanged', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } }
    const data = templatePatch(template)
    expect(data).toEqual({ spec: { template: { ...template, $patch: 'replace' } } })
    expect(templateOfRevision(rev('a', 1, data))).toEqual(template)
    expect(templateOfRevision(rev('a', 1, { other: true }))).toBeUndefined()
  })
})
