/**
 * The worker loop of every controller (sample-controller's `runWorker` / `processNextWorkItem`):
 * take a key, `sync` it, forget its back-off on success, requeue it rate-limited on failure,
 * and always mark it done. A NotFound from the API means the object is gone: done, no retry.
 */
import { ApiError } from '../../apiserver/api-errors'
import type { ComponentLog } from '../../observe/component-log'
import type { WorkQueue } from './work-queue'

/** Starts `workers` loops; resolves when the queue shuts down and every loop has returned. */
export function runWorkers(
  queue: WorkQueue,
  workers: number,
  sync: (key: string) => Promise<void>,
  log: ComponentLog,
  controller: string
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get()
      if (key === undefined) return
      try {
        await sync(key)
        queue.forget(key)
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) {
          queue.forget(key)
        } else if (!queue.shuttingDown) {
          // Conflicts are routine (a stale cache); anything else is worth a warning.
          const routine = err instanceof ApiError && err.code === 409
          if (!routine) log.warn(`error syncing ${controller}`, { key, err: String(err) })
          queue.addRateLimited(key)
        }
      } finally {
        queue.done(key)
      }
    }
  }
  return Promise.all(Array.from({ length: workers }, worker)).then(() => undefined)
}
