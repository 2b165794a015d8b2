/** A rate-limiter clock for tests: time moves only on `advance`. */
import type { LimiterClock } from '../../../src/agent/api/rate-limiter'

/** A clock that only moves when the test says so. */
export function manualClock(): LimiterClock & { advance(ms: number): Promise<void> } {
  let t = 0
  const sleepers: { at: number; wake: () => void }[] = []
  return {
    now: () => t,
    sleep(ms, signal) {
      return new Promise((resolve) => {
        const entry = { at: t + ms, wake: resolve }
        sleepers.push(entry)
        signal.addEventListener('abort', () => resolve())
      })
    },
    async advance(ms) {
      t += ms
      for (const s of [...sleepers]) {
        if (s.at <= t + 1e-9) {
          sleepers.splice(sleepers.indexOf(s), 1)
          s.wake()
        }
      }
      // let the woken callers run
      for (let i = 0; i < 5; i++) await Promise.resolve()
    }
  }
}
