/**
 * The pod-failure back-off of the Job controller (`pkg/controller/job/backoff_utils.go`): after
 * `n` failures since the last success, a replacement pod waits `base * 2^(n-1)` (capped) from
 * the last failure. A success resets the count. Kubernetes' base is 10 s and its cap 10 min
 * (`DefaultJobPodFailureBackOff`, `MaxJobPodFailureBackOff`).
 */
import { podFinishedTime, type PodObj } from './job-utils'

/** Failures since the last success, and when the last one happened. */
export interface BackoffRecord {
  failuresAfterLastSuccess: number
  lastFailureTime?: number
}

/** Records per Job key. */
export interface BackoffStore {
  /** The record the newly finished pods make of the stored one (not stored yet). */
  next(key: string, newSucceeded: PodObj[], newFailed: PodObj[]): BackoffRecord
  set(key: string, record: BackoffRecord): void
  delete(key: string): void
}

/** A new, empty store. */
export function createBackoffStore(): BackoffStore {
  const records = new Map<string, BackoffRecord>()
  return {
    next(key, newSucceeded, newFailed) {
      const old = records.get(key) ?? { failuresAfterLastSuccess: 0 }
      const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b)
      if (newSucceeded.length === 0) {
        if (failedTimes.length === 0) return { ...old }
        return {
          failuresAfterLastSuccess: old.failuresAfterLastSuccess + failedTimes.length,
          lastFailureTime: failedTimes[failedTimes.length - 1]
        }
      }
      // Only failures after the latest success count.
      const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime))
      const after = failedTimes.filter((t) => t > lastSuccess)
      return after.length === 0
        ? { failuresAfterLastSuccess: 0 }
        : { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] }
    },
    set: (key, record) => void records.set(key, record),
    delete: (key) => void records.delete(key)
  }
}

/** How long pod creation must still wait, in ms (0: create now). */
export function remainingBackoff(
  record: BackoffRecord,
  now: number,
  baseMs: number,
  maxMs: number
): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0
  let delay = baseMs
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    delay *= 2
    if (delay >= maxMs) {
      delay = maxMs
      break
    }
  }
  const elapsed = now - record.lastFailureTime
  return delay < elapsed ? 0 : delay - elapsed
}
