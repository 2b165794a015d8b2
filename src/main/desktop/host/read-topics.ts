/**
 * The desktop host's read-side topics — status, cluster, nodes, pods, resources, events, metrics
 * — over shared per-kind ListWatches and one status poller, so two windows showing the same
 * list cost one watch. Each handler returns its unsubscribe function; a bad parameter throws a
 * readable error (the host turns it into `fail`).
 */
import type { ResourceType } from '../../apiserver/client'
import type {
  ClusterOverview,
  EventQuery,
  EventRow,
  ListUpdate,
  MetricsSnapshot,
  NodeSummary,
  PodSummary,
  ResourceQuery,
  ResourcesUpdate,
  Unsubscribe
} from '../../../shared/desktop-api'
import type { ClusterStatus } from '../../../shared/status'
import { clusterOverview } from './cluster-overview'
import { eventsTopic } from './events'
import type { HostContext } from './host-context'
import { subscribeList, type ListSubscription, type ListTopic } from './list-subscription'
import { ListWatches, type ListWatchListener, type ListWatchOptions } from './list-watch'
import { METRICS_PUSH_INTERVAL_MS, metricsSnapshot, PodPhaseSampler } from './metrics'
import { nodeExtras, nodesTopic } from './node-summaries'
import { podsTopic, podSummaryOf } from './pod-summaries'
import { resourcesView } from './resource-rows'
import { EVENT_TYPE, NODE_TYPE, POD_TYPE } from './resource-types'
import { StatusPoller } from './status'

/** Tunables, mostly for tests. */
export interface ReadTopicsOptions extends ListWatchOptions {
  /** How long list changes are held (default LIST_BATCH_MS). */
  batchMs?: number
  /** Status and cluster overview period (default STATUS_PUSH_INTERVAL_MS). */
  statusIntervalMs?: number
  /** Metrics period (default METRICS_PUSH_INTERVAL_MS). */
  metricsIntervalMs?: number
  /**
   * Keep the nodes and pods lists filled for the host's whole life (default true), so the Nodes
   * view — what most users open first — answers from a warm cache instead of listing every pod
   * when it is opened (with 10,000 pods that list is most of the view's first-render time).
   */
  keepWarm?: boolean
}

type Fail = (message: string) => void

/** The read-side topics of one host. */
export interface ReadTopics {
  status(emit: (s: ClusterStatus) => void): Unsubscribe
  cluster(emit: (o: ClusterOverview) => void, fail: Fail): Unsubscribe
  nodes(emit: (u: ListUpdate<NodeSummary>) => void, fail: Fail): Unsubscribe
  pods(
    params: { namespace?: string },
    emit: (u: ListUpdate<PodSummary>) => void,
    fail: Fail
  ): Unsubscribe
  resources(params: ResourceQuery, emit: (u: ResourcesUpdate) => void, fail: Fail): Unsubscribe
  events(params: EventQuery, emit: (u: ListUpdate<EventRow>) => void, fail: Fail): Unsubscribe
  metrics(emit: (m: MetricsSnapshot) => void, fail: Fail): Unsubscribe
  /** Stops every watch and timer. */
  close(): void
}

/** A listener that only keeps a ListWatch running (its cache is read directly). */
const holder = (fail: Fail): ListWatchListener => ({ reset() {}, change() {}, fail })

/** Creates the read-side topics of a host. */
export function createReadTopics(ctx: HostContext, options: ReadTopicsOptions = {}): ReadTopics {
  const lists = new ListWatches(ctx, options)
  const poller = new StatusPoller(ctx, options.statusIntervalMs)
  const sampler = new PodPhaseSampler()
  const timers = new Set<NodeJS.Timeout>()
  const history = () => ctx.controlPlane.metricsHistory
  // A failure reaches every subscriber through its own listener; the warm holders ignore it.
  // The pods holder also keeps every pod's summary computed as the pod changes.
  const warm: Unsubscribe[] = []
  if (options.keepWarm !== false) {
    const ignore = (): void => undefined
    const pods = lists.of(POD_TYPE)
    warm.push(lists.of(NODE_TYPE).subscribe(holder(ignore)))
    warm.push(
      pods.subscribe({
        reset: () => {
          for (const pod of pods.items()) podSummaryOf(pod)
        },
        change: (_uid, pod) => void (pod && podSummaryOf(pod)),
        fail: ignore
      })
    )
  }

  const every = (ms: number, fn: () => void): Unsubscribe => {
    const timer = setInterval(fn, ms)
    timer.unref?.()
    timers.add(timer)
    return () => {
      clearInterval(timer)
      timers.delete(timer)
    }
  }

  /** A list topic over the shared watch of `type`, its changes batched. */
  const list = <T extends { key: string }>(
    type: ResourceType,
    topic: ListTopic<T>,
    emit: (update: ListUpdate<T>) => void,
    fail: Fail
  ): ListSubscription => subscribeList(lists.of(type), topic, emit, fail, options.batchMs)

  return {
    status: (emit) => poller.subscribe(emit),

    cluster(emit, fail) {
      const nodes = lists.of(NODE_TYPE)
      const events = lists.of(EVENT_TYPE)
      const stops = [nodes.subscribe(holder(fail)), events.subscribe(holder(fail))]
      stops.push(
        poller.subscribe((status) =>
          emit(
            clusterOverview({
              status,
              nodes: nodes.items(),
              events: events.items(),
              history: history()
            })
          )
        )
      )
      return () => stops.forEach((stop) => stop())
    },

    nodes(emit, fail) {
      const extras = nodeExtras(history(), () => poller.latest())
      const sub = list(NODE_TYPE, nodesTopic(extras), emit, fail)
      // Usage and provider state change without the Node changing: look again on each status.
      const stopStatus = poller.subscribe(() => sub.refresh())
      return () => {
        stopStatus()
        sub.unsubscribe()
      }
    },

    pods(params, emit, fail) {
      const sub = list(POD_TYPE, podsTopic(params ?? {}), emit, fail)
      return () => sub.unsubscribe()
    },

    resources(params, emit, fail) {
      const view = resourcesView(params)
      const sub = list(
        view.type,
        view.topic,
        (u) => emit(u.reset ? { ...u, columns: view.columns } : u),
        fail
      )
      return () => sub.unsubscribe()
    },

    events(params, emit, fail) {
      const sub = list(EVENT_TYPE, eventsTopic(params ?? {}), emit, fail)
      return () => sub.unsubscribe()
    },

    metrics(emit, fail) {
      const nodes = lists.of(NODE_TYPE)
      const pods = lists.of(POD_TYPE)
      const stops = [nodes.subscribe(holder(fail)), pods.subscribe(holder(fail))]
      let pushed = false
      const push = (): void => {
        pushed = true
        if (pods.synced()) sampler.sample(pods.items())
        const names = [...nodes.items()].map((n) => n.metadata.name ?? '')
        emit(metricsSnapshot(history(), names, sampler))
      }
      // The first snapshot once the caches are filled (or at the first tick, whichever is first).
      const first = setTimeout(function waitForCaches() {
        if (pushed) return
        if (nodes.synced() && pods.synced()) return push()
        first.refresh()
      }, 50)
      first.unref?.()
      stops.push(() => clearTimeout(first))
      stops.push(every(options.metricsIntervalMs ?? METRICS_PUSH_INTERVAL_MS, push))
      return () => stops.forEach((stop) => stop())
    },

    close() {
      warm.forEach((stop) => stop())
      for (const timer of timers) clearInterval(timer)
      timers.clear()
      poller.stop()
      lists.close()
    }
  }
}
