import { describe, expect, it } from 'vitest'
import { parseLabelSelector } from '../../src/renderer/src/components/nodes/label-selector'
import { PodIndex, UNSCHEDULED } from '../../src/renderer/src/stores/nodes'
import { podSummary } from './nodes-fixtures'

describe('PodIndex', () => {
  it('keeps pods by node, their requests and phase counts through batches', () => {
    const index = new PodIndex()
    index.apply({
      reset: true,
      items: [
        podSummary('default', 'a', 'n1'),
        podSummary('default', 'b', 'n1', 'Succeeded'),
        podSummary('default', 'c', undefined, 'Pending')
      ]
    })
    // A Succeeded pod no longer holds its requests.
    expect(index.of('n1').requested).toEqual({ cpuMillis: 500, memoryBytes: 2 ** 30 })
    expect(index.of(UNSCHEDULED).pods.map((p) => p.name)).toEqual(['c'])
    const n1Version = index.of('n1').version

    // c is bound to n2, a fails; b is deleted.
    const touched = index.apply({
      reset: false,
      upserts: [
        podSummary('default', 'c', 'n2', 'Running'),
        podSummary('default', 'a', 'n1', 'Failed')
      ],
      deletes: ['uid-default-b']
    })
    expect([...touched].sort()).toEqual(['', 'n1', 'n2'])
    expect(index.of(UNSCHEDULED).pods).toHaveLength(0)
    expect(index.of('n1').pods.map((p) => p.name)).toEqual(['a'])
    expect(index.of('n1').requested).toEqual({ cpuMillis: 0, memoryBytes: 0 })
    expect(index.of('n1').version).toBeGreaterThan(n1Version)
    expect(index.of('n2').requested.cpuMillis).toBe(500)
    expect(index.phaseCount('Running')).toBe(1)
    expect(index.phaseCount('Failed')).toBe(1)
    expect(index.phaseCount('Succeeded')).toBe(0)
    expect(index.size).toBe(2)

    // A node untouched by a batch keeps its version (its box is not re-rendered).
    const n2Version = index.of('n2').version
    index.apply({
      reset: false,
      upserts: [podSummary('default', 'a', 'n1', 'Running')],
      deletes: []
    })
    expect(index.of('n2').version).toBe(n2Version)

    index.apply({ reset: true, items: [] })
    expect(index.size).toBe(0)
    expect(index.of('n1').pods).toHaveLength(0)
    expect(index.phaseCount('Running')).toBe(0)
  })
})

describe('parseLabelSelector', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod' }
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app=web,tier!=db', true],
    ['app=web,tier=back', false],
    ['env in (prod, staging)', true],
    ['env notin (prod)', false],
    ['tier', true],
    ['!canary', true],
    ['!app', false],
    ['', true]
  ])('%s matches: %s', (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected)
  })

  it('says what is wrong with a malformed selector', () => {
    expect(() => parseLabelSelector('app=web,=x')).toThrow('"=x" is not a label selector term')
  })
})
