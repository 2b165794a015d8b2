/**
 * The garbage collector (kube-controller-manager's `garbagecollector` controller): watches
 * every kind the API server serves with delete, list and watch through the shared informers,
 * keeps the graph of owners and dependents by uid, and runs two queues of uids: attemptToDelete
 * (dependents that may have lost their owners, owners in foreground deletion) and
 * attemptToOrphan (owners deleted with propagationPolicy Orphan). See attempt-to-delete.ts for
 * the decisions, graph-builder.ts for what queues a node.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1'
import type { ApiClient, ResourceType } from '../../apiserver/client'
import { apiVersionOf, type KubeObject, type ResourceInfo } from '../../apiserver/types'
import type { ComponentLog } from '../../observe/component-log'
import { createEventRecorder } from '../../observe/event-recorder'
import { isConflict } from '../shared/api-errors'
import { createInformerFactory, type InformerFactory } from '../shared/informer-factory'
import type { RunningController } from '../shared/run-workers'
import { createWorkQueue, type WorkQueue } from '../shared/work-queue'
import {
  processAttemptToDelete,
  processAttemptToOrphan,
  type CollectorContext,
  type ItemAction
} from './attempt-to-delete'
import type { ObjectIdentity } from './graph'
import { createGraphBuilder } from './graph-builder'

/** The component name on the collector's events. */
export const GARBAGE_COLLECTOR_COMPONENT = 'garbage-collector-controller'

/** A resource by group and plural, as `--gc-ignored-resources` names it. */
export interface GroupResource {
  group: string
  resource: string
}

/**
 * Resources the collector does not watch (kube-controller-manager's defaults): Events are
 * numerous, short-lived, never owners and in practice never dependents, so watching them would
 * only cost memory.
 */
export const DEFAULT_IGNORED_RESOURCES: readonly GroupResource[] = [
  { group: '', resource: 'events' },
  { group: 'events.k8s.io', resource: 'events' }
]

/** Options of the collector. */
export interface GarbageCollectorOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Workers per queue (default 20, as `--concurrent-gc-syncs`). */
  workers?: number
  /** Resources not watched (default DEFAULT_IGNORED_RESOURCES). */
  ignoredResources?: readonly GroupResource[]
}

/** The resources the collector watches: deletable, listable, watchable, not ignored. */
export function deletableResources(
  resources: readonly ResourceInfo[],
  ignored: readonly GroupResource[] = DEFAULT_IGNORED_RESOURCES
): ResourceInfo[] {
  const skip = new Set(ignored.map((g) => `${g.group}/${g.resource}`))
  return resources.filter(
    (r) =>
      ['delete', 'list', 'watch'].every((v) => r.verbs.includes(v as never)) &&
      !skip.has(`${r.group}/${r.plural}`)
  )
}

/** Starts the collector: informers (if not shared), graph handlers, workers. */
export function startGarbageCollector(o: GarbageCollectorOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const byKind = new Map(o.client.resources.map((r) => [`${apiVersionOf(r)}/${r.kind}`, r]))
  const deleteQueue = createWorkQueue()
  const orphanQueue = createWorkQueue()
  const recorder = createEventRecorder(o.client, GARBAGE_COLLECTOR_COMPONENT, o.log)

  const graph = createGraphBuilder({
    attemptToDelete: (n) => deleteQueue.add(n.identity.uid),
    attemptToDeleteLater: (n) => deleteQueue.addRateLimited(n.identity.uid),
    attemptToOrphan: (n) => orphanQueue.add(n.identity.uid),
    namespaced: (apiVersion, kind) => byKind.get(`${apiVersion}/${kind}`)?.namespaced,
    reportInvalidNamespaceOwnerRef: (dependent, ref) =>
      recorder.event(
        objectOf(dependent.identity),
        'Warning',
        'OwnerRefInvalidNamespace',
        invalidNamespaceMessage(ref, dependent.identity.namespace)
      )
  })
  const ctx: CollectorContext = {
    client: o.client,
    log: o.log,
    graph,
    resourceOf: (apiVersion, kind) => byKind.get(`${apiVersion}/${kind}`),
    attemptToDelete: (n) => deleteQueue.add(n.identity.uid)
  }

  const handlers = deletableResources(o.client.resources, o.ignoredResources).flatMap((r) => {
    const type: ResourceType = { apiVersion: apiVersionOf(r), kind: r.kind }
    const informer = informers.informerFor(type)
    return [
      informer.on('add', (_, obj) => graph.observe(type.apiVersion, type.kind, undefined, obj)),
      informer.on('update', (old, obj) => {
        // A resync changes nothing the graph records.
        if (old !== obj) graph.observe(type.apiVersion, type.kind, old, obj)
      }),
      informer.on('delete', (_, obj) => graph.observeDelete(obj))
    ]
  })

  const workers = o.workers ?? 20
  let workersDone: Promise<void> | undefined
  let stopped = false
  const ready = informers.start().then(() => {
    if (stopped) return
    o.log.info('garbage collector started', { objects: graph.nodes.size })
    workersDone = Promise.all([
      runQueue(deleteQueue, workers, (uid) => processAttemptToDelete(ctx, uid), o.log),
      runQueue(orphanQueue, workers, (uid) => processAttemptToOrphan(ctx, uid), o.log)
    ]).then(() => undefined)
  })
  ready.catch((err: unknown) =>
    o.log.error('garbage collector failed to start', { err: String(err) })
  )
  return {
    ready,
    async stop() {
      stopped = true
      handlers.forEach((off) => off())
      deleteQueue.shutDown()
      orphanQueue.shutDown()
      if (own) informers.stop()
      await workersDone
      await recorder.flush()
    }
  }
}

// Workers of one queue: the item's action decides forget or requeue with back-off.
function runQueue(
  queue: WorkQueue,
  workers: number,
  process: (uid: string) => Promise<ItemAction>,
  log: ComponentLog
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const uid = await queue.get()
      if (uid === undefined) return
      try {
        if ((await process(uid)) === 'forget') queue.forget(uid)
        else queue.addRateLimited(uid)
      } catch (err) {
        if (!queue.shuttingDown) {
          // Conflicts are routine (someone else wrote first); the retry reads again.
          if (!isConflict(err)) {
            log.warn('error syncing item', { uid, err: String(err) })
          }
          queue.addRateLimited(uid)
        }
      } finally {
        queue.done(uid)
      }
    }
  }
  return Promise.all(Array.from({ length: workers }, worker)).then(() => undefined)
}

// An object standing for `id`, enough for an event's involvedObject.
function objectOf(id: ObjectIdentity): KubeObject {
  const metadata = id.namespace
    ? { name: id.name, namespace: id.namespace, uid: id.uid }
    : { name: id.name, uid: id.uid }
  return { apiVersion: id.apiVersion, kind: id.kind, metadata }
}

// kube-controller-manager's wording (objectReference's String form).
function invalidNamespaceMessage(ref: OwnerReference, namespace: string): string {
  const owner = `[${ref.apiVersion}/${ref.kind}, namespace: ${namespace}, name: ${ref.name}, uid: ${ref.uid}]`
  return `ownerRef ${owner} does not exist in namespace "${namespace}"`
}
