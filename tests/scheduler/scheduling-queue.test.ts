/**
 * The scheduling queue: a pod that failed with an error comes back after its back-off, an
 * unschedulable one after the longest wait, and an idle queue keeps no timer running (the
 * control plane's idle CPU).
 */
import type { Pod } from 'kubernetes-types/core/v1'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SchedulingQueue } from '../../src/main/scheduler/scheduling-queue'

const pod = (name: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: [] }
})

describe('scheduling queue', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('keeps no timer while nothing waits, and one only until waiting pods are back', async () => {
    const q = new SchedulingQueue({ initialBackoffMs: 1000 })
    expect(vi.getTimerCount()).toBe(0)
    q.add(pod('a'))
    const first = q.tryPop()
    expect(first?.pod.metadata?.name).toBe('a')
    expect(vi.getTimerCount()).toBe(0)

    q.addUnschedulable(pod('a'), first!.cycle, { error: true })
    expect(q.sizes().backoff).toBe(1)
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(900)
    expect(q.tryPop()).toBeUndefined()
    await vi.advanceTimersByTimeAsync(200)
    expect(q.tryPop()?.pod.metadata?.name).toBe('a')
    expect(vi.getTimerCount()).toBe(0)
    q.close()
  })

  it('retries an unschedulable pod after the longest wait even without a cluster change', async () => {
    const q = new SchedulingQueue({ initialBackoffMs: 10, maxInUnschedulableMs: 5000 })
    q.add(pod('b'))
    const { cycle } = q.tryPop()!
    q.addUnschedulable(pod('b'), cycle)
    await vi.advanceTimersByTimeAsync(4000)
    expect(q.sizes()).toEqual({ active: 0, backoff: 0, unschedulable: 1 })
    await vi.advanceTimersByTimeAsync(1200)
    expect(q.tryPop()?.pod.metadata?.name).toBe('b')
    expect(vi.getTimerCount()).toBe(0)
    q.close()
  })
})
