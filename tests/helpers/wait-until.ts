/**
 * Polling for tests: waits until a check answers something other than undefined, failing with
 * what was awaited and the last error the check threw.
 */

/** Polls `check` until it returns a value other than undefined; fails with `what` and the last seen. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 250
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`
      )
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
