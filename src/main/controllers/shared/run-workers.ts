/**
 * The worker loop of every controller (sample-controller's `runWorker` / `processNextWorkItem`):
 * take a key, `sync` it, forget its back-off on success, requeue it rate-limited on failure,
 * and always mark it done. A NotFound from the API means the object is gone: done, no retry.
 */
import type { ComponentLog } from '../../observe/component-log'
import type { EventRecorder } from '../../observe/event-recorder'
import type { InformerFactory } from './informer-factory'
import type { WorkQueue } from './work-queue'
import { isNotFound, isConflict } from './api-errors'

/** A started controller. */
export interface RunningController {
  /** Resolves once its informers synced and its workers run. */
  ready: Promise<void>
  /** Stops handlers, queue and workers (and informers it started itself); flushes events. */
  stop(): Promise<void>
}

/** What `startController` runs. */
export interface ControllerParts {
  /** As logs and warnings name it: `ReplicaSet`, `Deployment`. */
  kind: string
  informers: InformerFactory
  /** True when the informers are this controller's own (stopped with it). */
  ownInformers: boolean
  queue: WorkQueue
  recorder: EventRecorder
  /** Unsubscribe functions of its event handlers. */
  handlers: (() => void)[]
  workers: number
  sync: (key: string) => Promise<void>
  log: ComponentLog
}

/** Starts the informers, then the workers once they synced; the stop undoes both. */
export function startController(c: ControllerParts): RunningController {
  let workersDone: Promise<void> | undefined
  let stopped = false
  const name = c.kind.toLowerCase()
  const ready = c.informers.start().then(() => {
    if (stopped) return
    c.log.info(`${name} controller started`)
    workersDone = runWorkers(c.queue, c.workers, c.sync, c.log, c.kind)
  })
  ready.catch((err: unknown) =>
    c.log.error(`${name} controller failed to start`, { err: String(err) })
  )
  return {
    ready,
    async stop() {
      stopped = true
      c.handlers.forEach((off) => off())
      c.queue.shutDown()
      if (c.ownInformers) c.informers.stop()
      await workersDone
      await c.recorder.flush()
    }
  }
}

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
        if (isNotFound(err)) {
          queue.forget(key)
        } else if (!queue.shuttingDown) {
          // Conflicts are routine (a stale cache); anything else is worth a warning.
          const routine = isConflict(err)
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
