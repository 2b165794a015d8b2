/**
 * The TTL-after-finished controller (kube-controller-manager's `pkg/controller/ttlafterfinished`):
 * a Job with `spec.ttlSecondsAfterFinished` is deleted that many seconds after it finished (the
 * transition time of its Complete or Failed condition). Before deleting it re-reads the Job, in
 * case the TTL changed, and deletes with a uid precondition and propagation Foreground, as
 * Kubernetes does: the garbage collector removes the Job's pods first, then the Job.
 */
import type { Job } from 'kubernetes-types/batch/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import { createEventRecorder } from '../observe/event-recorder'
import { createDelayedAdder, realClock, type Clock, type DelayedAdder } from './shared/clock'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import { keyOf, splitKey } from './shared/informer'
import { startController, type RunningController } from './shared/run-workers'
import { createWorkQueue } from './shared/work-queue'

type JobObj = Job & KubeObject

const JOB_TYPE = { apiVersion: 'batch/v1', kind: 'Job' }
const COMPONENT = 'ttl-after-finished-controller'

/** Options of the controller. */
export interface TtlAfterFinishedControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 5, as `--concurrent-ttl-after-finished-syncs`). */
  workers?: number
  /** Time source (default the wall clock). */
  clock?: Clock
  /** How the Job is deleted (default Foreground, as Kubernetes). */
  propagationPolicy?: 'Foreground' | 'Background'
}

/** When the finished Job expires (ms since the epoch); undefined when it never does. */
export function jobExpiry(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished
  if (ttl == null || job.metadata?.deletionTimestamp) return undefined
  const done = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True'
  )
  const finishedAt = done?.lastTransitionTime ? Date.parse(done.lastTransitionTime) : NaN
  return Number.isNaN(finishedAt) ? undefined : finishedAt + ttl * 1000
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startTtlAfterFinishedController(
  o: TtlAfterFinishedControllerOptions
): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const jobs = informers.informerFor<JobObj>(JOB_TYPE)
  const queue = createWorkQueue()
  const clock = o.clock ?? realClock
  const delayer = createDelayedAdder(queue, clock)
  const recorder = createEventRecorder(o.client, COMPONENT, o.log)
  // Only Jobs that will need cleaning up are queued.
  const enqueue = (job: JobObj): void => {
    if (jobExpiry(job) !== undefined) queue.add(keyOf(job))
  }
  const offs = [
    jobs.on('add', (_, job) => enqueue(job)),
    jobs.on('update', (_, job) => enqueue(job))
  ]
  const running = startController({
    kind: 'TTLAfterFinished',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 5,
    sync: (key) => processJob(o, jobs.store.get(key), key, clock, delayer),
    log: o.log
  })
  return {
    ready: running.ready,
    async stop() {
      delayer.stop()
      await running.stop()
    }
  }
}

/** Deletes the Job under `key` once its TTL has passed; otherwise looks again when it will. */
async function processJob(
  o: TtlAfterFinishedControllerOptions,
  cached: JobObj | undefined,
  key: string,
  clock: Clock,
  delayer: DelayedAdder
): Promise<void> {
  if (!cached || !expired(cached, key, clock, delayer)) return
  // The cache may hold a stale TTL: decide on the live Job.
  const { namespace, name } = splitKey(key)
  const fresh = await o.client.get<JobObj>(JOB_TYPE, namespace, name)
  if (!expired(fresh, key, clock, delayer)) return
  o.log.info('cleaning up job', { job: key })
  await o.client.delete(JOB_TYPE, namespace, name, {
    propagationPolicy: o.propagationPolicy ?? 'Foreground',
    preconditions: { uid: fresh.metadata.uid }
  })
}

function expired(job: JobObj, key: string, clock: Clock, delayer: DelayedAdder): boolean {
  const at = jobExpiry(job)
  if (at === undefined) return false
  const now = clock.now()
  if (at <= now) return true
  delayer.addAfter(key, at - now, now)
  return false
}
