/** The kubelet's small rules: `$(VAR)` expansion, back-off steps, quantities, pull policies. */
import { describe, expect, it } from 'vitest'
import { Backoff } from '../../../src/agent/kubelet/backoff'
import { expand } from '../../../src/agent/kubelet/container-config'
import { pullPolicyOf } from '../../../src/agent/kubelet/image-puller'
import { microTime } from '../../../src/agent/kubelet/lease'
import { cpuMillis, memoryBytes } from '../../../src/agent/kubelet/quantity'

describe('expand', () => {
  const vars = new Map([
    ['A', 'one'],
    ['B', 'two']
  ])
  it.each([
    ['$(A)', 'one'],
    ['x-$(A)-$(B)', 'x-one-two'],
    ['$$(A)', '$(A)'],
    ['$(MISSING)', '$(MISSING)'],
    ['$A', '$A'],
    ['cost $$5', 'cost $5'],
    ['$(A', '$(A']
  ])('%s → %s', (input, want) => expect(expand(input, vars)).toBe(want))
})

describe('Backoff', () => {
  it('starts at the initial delay, doubles to the ceiling and forgets after 2× the ceiling', () => {
    let now = 0
    const b = new Backoff(10_000, 40_000, () => now)
    const key = 'uid/c'
    expect(b.isInBackOffSince(key, now)).toBe(false)
    const steps: number[] = []
    for (let i = 0; i < 5; i++) {
      b.next(key)
      steps.push(b.delay(key))
    }
    expect(steps).toEqual([10_000, 20_000, 40_000, 40_000, 40_000])
    expect(b.isInBackOffSince(key, now)).toBe(true)
    now += 39_000
    expect(b.isInBackOffSince(key, 0)).toBe(true)
    expect(b.remaining(key, 0)).toBe(1_000)
    now += 2_000
    expect(b.isInBackOffSince(key, 0)).toBe(false)
    now += 80_000
    expect(b.delay(key)).toBe(0)
  })
})

describe('quantities and pull policy', () => {
  it.each([
    ['500m', 500],
    ['2', 2000],
    ['0.1', 100]
  ])('cpu %s → %d millicores', (q, want) => expect(cpuMillis(q)).toBe(want))
  it.each([
    ['64Mi', 64 * 2 ** 20],
    ['1G', 1e9],
    ['bad', undefined]
  ])('memory %s → %s bytes', (q, want) => expect(memoryBytes(q)).toBe(want))
  it.each([
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['app@sha256:abc', 'IfNotPresent']
  ])('%s pulls %s', (image, want) => expect(pullPolicyOf({ name: 'c', image })).toBe(want))
  it('writes MicroTime with six fraction digits', () => {
    expect(microTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z')
  })
})
