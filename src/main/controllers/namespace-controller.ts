/**
 * The namespace controller (kube-controller-manager's `pkg/controller/namespace`): a namespace
 * being deleted (deletionTimestamp set, phase Terminating) has every namespaced object in it
 * deleted — each kind the server serves, listed and deleted one by one — and, once nothing is
 * left, its `kubernetes` finalizer removed through `namespaces/finalize`, so the API server
 * removes it. Pods on a node are deleted gracefully and go when their kubelet has stopped them;
 * meanwhile the namespace is checked again after half their grace period (sooner when a pod in
 * it goes). The NamespaceDeletionContentFailure, NamespaceContentRemaining and
 * NamespaceFinalizersRemaining conditions tell the user what it waits for.
 */
import type { Namespace, Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import { apiVersionOf, type KubeObject, type ResourceInfo } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import { createEventRecorder } from '../observe/event-recorder'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import { startController, type RunningController } from './shared/run-workers'
import { createWorkQueue, type WorkQueue } from './shared/work-queue'
import { conditionsAfterDeletion, type ContentTotals } from './namespace-conditions'
import { isNotFound } from './shared/api-errors'
import { POD_TYPE } from './shared/pod-utils'

type NamespaceObj = Namespace & KubeObject

/** The resource types the controller reads and writes. */
export const NAMESPACE_TYPE = { apiVersion: 'v1', kind: 'Namespace' }

/** The spec.finalizers token this controller removes (`v1.FinalizerKubernetes`). */
export const NAMESPACE_FINALIZER = 'kubernetes'
/** How long objects held by finalizers are given before the next look (Kubernetes: 15 s). */
const FINALIZER_ESTIMATE_SECONDS = 15

/** Options of the controller. */
export interface NamespaceControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 10, as `--concurrent-namespace-syncs`). */
  workers?: number
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startNamespaceController(o: NamespaceControllerOptions): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const namespaces = informers.informerFor<NamespaceObj>(NAMESPACE_TYPE)
  const pods = informers.informerFor<Pod & KubeObject>(POD_TYPE)
  const queue = createWorkQueue()
  const recorder = createEventRecorder(o.client, 'namespace-controller', o.log)
  const enqueueIfDeleting = (ns: NamespaceObj | undefined): void => {
    if (ns?.metadata.deletionTimestamp) queue.add(ns.metadata.name!)
  }
  const offs = [
    namespaces.on('add', (_, ns) => enqueueIfDeleting(ns)),
    namespaces.on('update', (_, ns) => enqueueIfDeleting(ns)),
    // A pod gone from a terminating namespace may be the last thing it waited for. (Kubernetes
    // only waits out its estimate; this spares a desktop user the wait.)
    pods.on('delete', (_, pod) =>
      enqueueIfDeleting(namespaces.store.get(pod.metadata.namespace ?? ''))
    )
  ]
  return startController({
    kind: 'Namespace',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 10,
    sync: (name) => syncNamespace(o, queue, name),
    log: o.log
  })
}

/** Empties and finalizes the namespace `name` if it is being deleted. */
async function syncNamespace(
  o: NamespaceControllerOptions,
  queue: WorkQueue,
  name: string
): Promise<void> {
  // Several writers change a terminating namespace: work from the live object, not the cache.
  let ns = await o.client.get<NamespaceObj>(NAMESPACE_TYPE, undefined, name)
  if (!ns.metadata.deletionTimestamp) return
  if (ns.status?.phase !== 'Terminating') {
    ns = await o.client.patch<NamespaceObj>(
      NAMESPACE_TYPE,
      undefined,
      name,
      'merge',
      { status: { phase: 'Terminating' } },
      { subresource: 'status' }
    )
  }
  const { estimate, errors, totals } = await deleteAllContent(o.client, ns)
  const conditions = conditionsAfterDeletion(ns.status?.conditions ?? [], totals, errors, now())
  if (conditions) {
    try {
      ns = await o.client.patch<NamespaceObj>(
        NAMESPACE_TYPE,
        undefined,
        name,
        'merge',
        { status: { conditions } },
        { subresource: 'status' }
      )
    } catch (err) {
      o.log.warn('could not update namespace conditions', { namespace: name, err: String(err) })
    }
  }
  if (errors.length > 0) throw new Error(errors.join(', '))
  if (estimate > 0) {
    o.log.info('content remaining in namespace', { namespace: name, estimate })
    queue.addAfter(name, (Math.floor(estimate / 2) + 1) * 1000)
    return
  }
  const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER)
  try {
    await o.client.finalizeNamespace({ ...ns, spec: { ...ns.spec, finalizers } })
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

/** The namespaced kinds that can be listed and deleted. */
function deletableResources(client: ApiClient): ResourceInfo[] {
  return client.resources.filter(
    (r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete')
  )
}

/**
 * `deleteAllContent`: deletes every object of every kind in the namespace; answers the longest
 * wait any kind asks for (seconds), the kinds that failed, and what remains.
 */
async function deleteAllContent(
  client: ApiClient,
  ns: NamespaceObj
): Promise<{ estimate: number; errors: string[]; totals: ContentTotals }> {
  const totals: ContentTotals = { remaining: new Map(), finalizers: new Map() }
  const errors: string[] = []
  let estimate = 0
  const results = await Promise.allSettled(
    deletableResources(client).map(async (r) => ({ r, m: await deleteContentOf(client, r, ns) }))
  )
  for (const result of results) {
    if (result.status === 'rejected') {
      errors.push(String((result.reason as Error)?.message ?? result.reason))
      continue
    }
    const { r, m } = result.value
    estimate = Math.max(estimate, m.estimate)
    if (m.error) errors.push(m.error)
    if (m.remaining === 0) continue
    totals.remaining.set(`${r.plural}.${r.group}`, m.remaining)
    for (const [f, n] of m.finalizers) totals.finalizers.set(f, (totals.finalizers.get(f) ?? 0) + n)
  }
  return { estimate, errors, totals }
}

interface KindDeletion {
  estimate: number
  remaining: number
  finalizers: Map<string, number>
  error?: string
}

/** `deleteAllContentForGroupVersionResource`: deletes each object of one kind, then looks again. */
async function deleteContentOf(
  client: ApiClient,
  r: ResourceInfo,
  ns: NamespaceObj
): Promise<KindDeletion> {
  const namespace = ns.metadata.name!
  const type = { apiVersion: apiVersionOf(r), kind: r.kind }
  const items = (await client.list(type, { namespace })).items
  let estimate = r.group === '' && r.plural === 'pods' ? podsEstimate(items as Pod[], ns) : 0
  await Promise.all(
    items.map(async (item) => {
      try {
        // Background: dependents go through the garbage collector; nothing is orphaned.
        await client.delete(type, namespace, item.metadata.name!, {
          propagationPolicy: 'Background'
        })
      } catch (err) {
        const code = (err as { code?: number }).code
        if (code !== 404 && code !== 405) throw err
      }
    })
  )
  const left = items.length === 0 ? [] : (await client.list(type, { namespace })).items
  const finalizers = new Map<string, number>()
  for (const item of left) {
    for (const f of item.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1)
  }
  if (left.length === 0) return { estimate: 0, remaining: 0, finalizers }
  if (estimate > 0) return { estimate, remaining: left.length, finalizers }
  if (finalizers.size > 0) {
    estimate = FINALIZER_ESTIMATE_SECONDS
    return { estimate, remaining: left.length, finalizers }
  }
  return {
    estimate,
    remaining: left.length,
    finalizers,
    error: `unexpected items still remain in namespace: ${namespace} for gvr: ${r.group}/${r.version}, Resource=${r.plural}`
  }
}

/**
 * `estimateGracefulTerminationForPods`: the longest grace period of the pods still running,
 * or 0 once that long has passed since the namespace was deleted.
 */
function podsEstimate(pods: Pod[], ns: NamespaceObj): number {
  let estimate = 0
  for (const pod of pods) {
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') continue
    estimate = Math.max(estimate, pod.spec?.terminationGracePeriodSeconds ?? 0)
  }
  const since = (Date.now() - Date.parse(ns.metadata.deletionTimestamp ?? '')) / 1000
  return since >= estimate ? 0 : estimate
}
