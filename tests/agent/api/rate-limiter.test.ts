/**
 * The token bucket, driven by a manual clock: the burst passes at once, then one request per
 * 1/qps seconds, in arrival order; stop() releases waiters with an error.
 */
import { describe, expect, it } from 'vitest'
import { createTokenBucket } from '../../../src/agent/api/rate-limiter'
import { manualClock } from './manual-clock'

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

describe('createTokenBucket', () => {
  it('lets the burst through, then qps per second, in order', async () => {
    const clock = manualClock()
    const bucket = createTokenBucket(2, 3, clock)
    const done: number[] = []
    for (let i = 0; i < 7; i++) void bucket.accept().then(() => done.push(i))
    await settle()
    expect(done).toEqual([0, 1, 2])
    await clock.advance(499)
    expect(done).toEqual([0, 1, 2])
    await clock.advance(1)
    expect(done).toEqual([0, 1, 2, 3])
    await clock.advance(500)
    expect(done).toEqual([0, 1, 2, 3, 4])
    await clock.advance(1000)
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it('refills up to the burst only', async () => {
    const clock = manualClock()
    const bucket = createTokenBucket(10, 2, clock)
    await clock.advance(60_000)
    expect([bucket.tryAccept(), bucket.tryAccept(), bucket.tryAccept()]).toEqual([
      true,
      true,
      false
    ])
    await clock.advance(100)
    expect(bucket.tryAccept()).toBe(true)
    expect(bucket.tryAccept()).toBe(false)
  })

  it('never limits with qps <= 0', async () => {
    const bucket = createTokenBucket(0, 1)
    for (let i = 0; i < 100; i++) expect(bucket.tryAccept()).toBe(true)
    await bucket.accept()
  })

  it('stop() fails waiting and later callers', async () => {
    const clock = manualClock()
    const bucket = createTokenBucket(1, 1, clock)
    await bucket.accept()
    const waiting = bucket.accept()
    bucket.stop()
    await expect(waiting).rejects.toThrow(/stopped/)
    await expect(bucket.accept()).rejects.toThrow(/stopped/)
  })
})
