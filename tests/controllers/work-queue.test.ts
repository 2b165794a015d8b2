import { describe, expect, it } from 'vitest'
import {
  createWorkQueue,
  exponentialRateLimiter
} from '../../src/main/controllers/shared/work-queue'

describe('work queue', () => {
  it('hands out a key queued twice only once', async () => {
    const q = createWorkQueue()
    q.add('a')
    q.add('b')
    q.add('a')
    expect(q.len()).toBe(2)
    expect(await q.get()).toBe('a')
    expect(await q.get()).toBe('b')
    q.shutDown()
  })

  it('never gives one key to two workers; a change meanwhile is processed after done', async () => {
    const q = createWorkQueue()
    q.add('a')
    const first = await q.get()
    q.add('a') // changed while being processed
    let second: string | undefined
    void q.get().then((k) => (second = k))
    await new Promise((r) => setTimeout(r, 20))
    expect(second).toBeUndefined()
    q.done(first!)
    await new Promise((r) => setTimeout(r, 0))
    expect(second).toBe('a')
    q.shutDown()
  })

  it('backs off per key exponentially from 5 ms to 1000 s, and forget resets it', () => {
    const rl = exponentialRateLimiter()
    expect([rl.when('a'), rl.when('a'), rl.when('a'), rl.when('b')]).toEqual([5, 10, 20, 5])
    for (let i = 0; i < 40; i++) rl.when('a')
    expect(rl.when('a')).toBe(1_000_000)
    expect(rl.retries('a')).toBe(44)
    rl.forget('a')
    expect(rl.when('a')).toBe(5)
  })

  it('addRateLimited delivers the key after its back-off', async () => {
    const q = createWorkQueue(exponentialRateLimiter(30, 1000))
    const start = Date.now()
    q.addRateLimited('k')
    expect(q.len()).toBe(0)
    expect(await q.get()).toBe('k')
    expect(Date.now() - start).toBeGreaterThanOrEqual(25)
    expect(q.numRequeues('k')).toBe(1)
    q.forget('k')
    expect(q.numRequeues('k')).toBe(0)
    q.shutDown()
  })

  it('shutDown releases waiting workers and drops delayed keys', async () => {
    const q = createWorkQueue()
    const waiting = q.get()
    q.addAfter('late', 50)
    q.shutDown()
    expect(await waiting).toBeUndefined()
    expect(await q.get()).toBeUndefined()
    q.add('x')
    expect(q.len()).toBe(0)
  })
})
