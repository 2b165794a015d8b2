import { describe, expect, it } from 'vitest'
import { createBackoffStore, remainingBackoff } from '../../src/main/controllers/job/job-backoff'
import type { PodObj } from '../../src/main/controllers/job/job-utils'

const BASE = 10_000
const MAX = 600_000

/** A pod that finished at `at` (ms), as its container's finishedAt says. */
const finishedPod = (at: number): PodObj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p${at}` },
  status: {
    containerStatuses: [
      {
        name: 'c',
        image: 'busybox',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 1, finishedAt: new Date(at).toISOString() } }
      }
    ]
  }
})

describe('job pod-failure back-off', () => {
  // [failures since the last success, ms since the last failure, expected wait]
  const cases: [number, number, number][] = [
    [0, 0, 0],
    [1, 0, 10_000],
    [1, 4_000, 6_000],
    [1, 10_000, 0],
    [2, 0, 20_000],
    [3, 5_000, 35_000],
    [6, 0, 320_000],
    [7, 0, 600_000], // 640 s capped at 10 min
    [30, 0, 600_000],
    [30, 700_000, 0]
  ]
  it.each(cases)('%i failures, %i ms ago → wait %i ms', (failures, ago, want) => {
    const now = 1_000_000_000
    const record = {
      failuresAfterLastSuccess: failures,
      lastFailureTime: failures ? now - ago : undefined
    }
    expect(remainingBackoff(record, now, BASE, MAX)).toBe(want)
  })

  it('counts failures until a success, then only failures after it', () => {
    const store = createBackoffStore()
    const first = store.next('ns/j', [], [finishedPod(1000), finishedPod(3000)])
    expect(first).toEqual({ failuresAfterLastSuccess: 2, lastFailureTime: 3000 })
    store.set('ns/j', first)
    expect(store.next('ns/j', [], [finishedPod(5000)])).toEqual({
      failuresAfterLastSuccess: 3,
      lastFailureTime: 5000
    })
    // A success at 6 s: only the failure after it (7 s) counts.
    expect(store.next('ns/j', [finishedPod(6000)], [finishedPod(4000), finishedPod(7000)])).toEqual(
      {
        failuresAfterLastSuccess: 1,
        lastFailureTime: 7000
      }
    )
    expect(store.next('ns/j', [finishedPod(6000)], [])).toEqual({ failuresAfterLastSuccess: 0 })
  })
})
