/**
 * kube-scheduler for KubeDesk: watches Nodes and Pods, keeps a cache of what each node runs
 * (assuming a pod on its node the moment it is chosen), schedules pending pods one cycle at a
 * time through the plugins, binds through pods/binding, and reports with events and the
 * PodScheduled condition.
 */
import { performance } from 'node:perf_hooks'
import type { Node, Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import type { ComponentLog } from '../observe/component-log'
import { fitErrorMessage } from './framework/fit-error'
import {
  addPod,
  newNodeInfo,
  newPodInfo,
  removePod,
  replaceNode,
  type NodeInfo,
  type PodInfo
} from './framework/node-info'
import { schedulePod } from './framework/schedule-pod'
import { podKey, type AnyPlugin } from './framework/types'
import {
  clientEventRecorder,
  DEFAULT_SCHEDULER_NAME,
  REASON_FAILED_SCHEDULING,
  REASON_SCHEDULED,
  type RecordEvent
} from './events'
import { DEFAULT_PLUGINS } from './plugins'
import { startReflector } from './reflector'
import { SchedulingQueue, type QueueOptions } from './scheduling-queue'

/** Options of `startScheduler`. */
export interface SchedulerOptions {
  client: ApiClient
  log: Pick<ComponentLog, 'info' | 'warn' | 'error'>
  /** Overrides how events are recorded (default: a v1 Event created through `client`). */
  recordEvent?: RecordEvent
  /** Back-off timings (tests shorten them). */
  queue?: QueueOptions
  /** The plugin set (default: DEFAULT_PLUGINS). */
  plugins?: readonly AnyPlugin[]
  /**
   * Told how each scheduling attempt ended and how long it took, binding included (what
   * kube-scheduler's scheduling_attempt_duration_seconds measures): the metrics history.
   */
  onAttempt?: (attempt: SchedulingAttempt) => void
}

/** One scheduling attempt's outcome, for `onAttempt`. */
export interface SchedulingAttempt {
  result: 'scheduled' | 'unschedulable' | 'error'
  latencyMs: number
}

/** A running scheduler. */
export interface Scheduler {
  stop(): void
  /** Resolves once Nodes and Pods have been listed and scheduling has begun. */
  ready: Promise<void>
}

/** How long the scheduler runs cycles back to back before yielding to the event loop. */
const TURN_BUDGET_MS = 10

const NODE = { apiVersion: 'v1', kind: 'Node' }
const POD = { apiVersion: 'v1', kind: 'Pod' }

function responsible(pod: Pod): boolean {
  const name = pod.spec?.schedulerName
  return (
    !pod.spec?.nodeName &&
    (!name || name === DEFAULT_SCHEDULER_NAME) &&
    !pod.metadata?.deletionTimestamp &&
    pod.status?.phase !== 'Succeeded' &&
    pod.status?.phase !== 'Failed'
  )
}

function terminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
}

/** Nodes named per log line at most: on a large cluster the message's histogram says the rest. */
const LOGGED_REJECTIONS = 20

/** The first rejected nodes and why, for the log. */
function rejectedSample(rejected: Map<string, { reasons: string[] }>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [node, status] of rejected) {
    if (Object.keys(out).length >= LOGGED_REJECTIONS) break
    out[node] = status.reasons.join('; ')
  }
  return out
}

/** Starts the scheduler. */
export function startScheduler(opts: SchedulerOptions): Scheduler {
  const { client, log } = opts
  const plugins = opts.plugins ?? DEFAULT_PLUGINS
  const record = opts.recordEvent ?? clientEventRecorder(client, log)
  const queue = new SchedulingQueue(opts.queue)
  const nodes = new Map<string, NodeInfo>()
  let nodeList: NodeInfo[] = []
  /** Where each bound or assumed pod is accounted. */
  const podNode = new Map<string, string>()
  const assumed = new Set<string>()
  /** Keys of accounted pods with pod (anti-)affinity terms: the plugins' ClusterHints. */
  const withAffinity = new Set<string>()
  const withRequiredAnti = new Set<string>()
  const hints = {
    get podsWithAffinity() {
      return withAffinity.size
    },
    get podsWithRequiredAntiAffinity() {
      return withRequiredAnti.size
    }
  }
  const noteAffinity = (info: PodInfo): void => {
    if (info.hasAffinity) withAffinity.add(info.key)
    if (info.hasRequiredAntiAffinity) withRequiredAnti.add(info.key)
  }
  const lastFailure = new Map<string, string>()
  let stopped = false
  let startIndex = 0

  const rebuildList = (): void => {
    nodeList = [...nodes.values()]
  }
  const forgetPod = (key: string): void => {
    const at = podNode.get(key)
    if (at) removePod(nodes.get(at) ?? newNodeInfo({}), key)
    podNode.delete(key)
    assumed.delete(key)
    withAffinity.delete(key)
    withRequiredAnti.delete(key)
  }
  const accountPod = (pod: Pod): void => {
    const key = podKey(pod)
    const at = pod.spec?.nodeName
    if (!at || terminal(pod)) {
      if (!assumed.has(key)) forgetPod(key)
      return
    }
    forgetPod(key)
    podNode.set(key, at)
    const podInfo = newPodInfo(pod)
    noteAffinity(podInfo)
    const info = nodes.get(at)
    if (info) addPod(info, podInfo)
  }
  const onPod = (pod: Pod): void => {
    const key = podKey(pod)
    if (pod.spec?.nodeName) {
      queue.delete(key)
      lastFailure.delete(key)
      const wasCounted = podNode.has(key)
      accountPod(pod)
      // A pod finishing frees room, like a deletion.
      if (wasCounted && terminal(pod)) queue.moveAllToActiveOrBackoff()
    } else if (responsible(pod)) {
      if (!assumed.has(key)) queue.add(pod)
    } else {
      queue.delete(key)
    }
  }
  const onPodDeleted = (pod: Pod): void => {
    const key = podKey(pod)
    queue.delete(key)
    lastFailure.delete(key)
    forgetPod(key)
    queue.moveAllToActiveOrBackoff()
  }
  const onNode = (node: Node): void => {
    const name = node.metadata?.name ?? ''
    const old = nodes.get(name)
    const info = old ? replaceNode(old, node) : newNodeInfo(node)
    nodes.set(name, info)
    rebuildList()
    // Pods bound before their node appeared: account them now.
    if (!old) for (const pod of podCache.values()) if (pod.spec?.nodeName === name) accountPod(pod)
    queue.moveAllToActiveOrBackoff()
  }

  const onError = (what: string) => (err: unknown) => {
    if (!stopped) log.warn(`${what} failed; retrying`, { err: String(err) })
  }
  const podCache = new Map<string, Pod>()
  const nodeReflector = startReflector<Node>(
    client,
    NODE,
    {
      replace(items) {
        const fresh = new Map<string, NodeInfo>()
        for (const n of items) {
          const old = nodes.get(n.metadata?.name ?? '')
          fresh.set(n.metadata?.name ?? '', old ? replaceNode(old, n) : newNodeInfo(n))
        }
        nodes.clear()
        for (const [k, v] of fresh) nodes.set(k, v)
        rebuildList()
        // Pods already known on a node that just (re)appeared.
        for (const pod of podCache.values()) if (pod.spec?.nodeName) accountPod(pod)
        queue.moveAllToActiveOrBackoff()
      },
      added: (n) => onNode(n),
      modified: (n) => onNode(n),
      deleted(n) {
        nodes.delete(n.metadata?.name ?? '')
        rebuildList()
      }
    },
    onError('watching nodes')
  )
  const podReflector = startReflector<Pod>(
    client,
    POD,
    {
      replace(items) {
        const seen = new Set<string>()
        for (const p of items) {
          seen.add(podKey(p))
          podCache.set(podKey(p), p)
          onPod(p)
        }
        for (const [key, p] of podCache) {
          if (!seen.has(key)) {
            podCache.delete(key)
            onPodDeleted(p)
          }
        }
      },
      added(p) {
        podCache.set(podKey(p), p)
        onPod(p)
      },
      modified(p) {
        podCache.set(podKey(p), p)
        onPod(p)
      },
      deleted(p) {
        podCache.delete(podKey(p))
        onPodDeleted(p)
      }
    },
    onError('watching pods')
  )

  const fail = async (pod: Pod, cycle: number, message: string): Promise<void> => {
    const key = podKey(pod)
    queue.addUnschedulable(pod, cycle)
    // Every failed attempt is an event (the recorder counts repeats on one Event, as
    // kube-scheduler's does); the PodScheduled condition is patched only when the message changes.
    record(pod, 'Warning', REASON_FAILED_SCHEDULING, message)
    if (lastFailure.get(key) === message) return
    lastFailure.set(key, message)
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    }
    try {
      await client.patch(
        POD,
        pod.metadata?.namespace,
        pod.metadata?.name ?? '',
        'strategic',
        { status: { conditions: [condition] } },
        { subresource: 'status' }
      )
    } catch (err) {
      log.warn('could not update PodScheduled', { pod: key, err: String(err) })
    }
  }

  const attempted = (result: SchedulingAttempt['result'], started: number): void => {
    opts.onAttempt?.({ result, latencyMs: performance.now() - started })
  }

  const bind = async (pod: Pod, nodeName: string, started: number): Promise<void> => {
    const key = podKey(pod)
    try {
      await client.bind(pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '', nodeName)
      attempted('scheduled', started)
      assumed.delete(key)
      lastFailure.delete(key)
      record(pod, 'Normal', REASON_SCHEDULED, `Successfully assigned ${key} to ${nodeName}`)
    } catch (err) {
      forgetPod(key)
      const code = (err as { code?: number }).code
      if (code === 404 || code === 409) {
        log.info('binding skipped', {
          pod: key,
          node: nodeName,
          reason: String((err as Error).message)
        })
        return
      }
      attempted('error', started)
      log.warn('binding failed; retrying', { pod: key, node: nodeName, err: String(err) })
      queue.addUnschedulable(pod, Number.MAX_SAFE_INTEGER, { error: true })
    }
  }

  const scheduleOne = (pod: Pod, cycle: number): void => {
    const key = podKey(pod)
    const current = podCache.get(key)
    if (!current || !responsible(current) || assumed.has(key)) return
    const started = performance.now()
    const info = newPodInfo(current)
    const result = schedulePod(plugins, info, nodeList, startIndex, Math.random, hints)
    startIndex = result.nextStartIndex
    if (!result.node) {
      const statuses = result.preFilterStatus
        ? nodeList.map(() => result.preFilterStatus!)
        : [...result.rejected.values()]
      const message = fitErrorMessage(nodeList.length, statuses)
      log.info('pod is unschedulable', {
        pod: key,
        message,
        rejected: rejectedSample(result.rejected)
      })
      attempted('unschedulable', started)
      void fail(current, cycle, message)
      return
    }
    // Assume: account the pod on its node now, so the next cycle sees it before the watch does.
    assumed.add(key)
    podNode.set(key, result.node)
    noteAffinity(info)
    const node = nodes.get(result.node)
    if (node) addPod(node, info)
    log.info('pod scheduled', {
      pod: key,
      node: result.node,
      feasible: result.feasible,
      evaluated: result.evaluated,
      // Why the other nodes were not chosen (the first LOGGED_REJECTIONS of them).
      rejected: rejectedSample(result.rejected)
    })
    void bind(current, result.node, started)
  }

  const ready = Promise.all([nodeReflector.synced, podReflector.synced]).then(() => undefined)
  const cycle = (next: { pod: Pod; cycle: number }): void => {
    try {
      scheduleOne(next.pod, next.cycle)
    } catch (err) {
      log.error('scheduling cycle failed', { pod: podKey(next.pod), err: String(err) })
      queue.addUnschedulable(next.pod, next.cycle, { error: true })
    }
  }
  const loop = async (): Promise<void> => {
    await ready
    for (;;) {
      const first = await queue.pop()
      if (!first || stopped) return
      cycle(first)
      // Keep scheduling for a few milliseconds before letting watch events through: the binds
      // issued in one turn of the event loop reach the store together and are committed in one
      // transaction, instead of one transaction (and fsync) per pod.
      const until = performance.now() + TURN_BUDGET_MS
      while (!stopped && performance.now() < until) {
        const next = queue.tryPop()
        if (!next) break
        cycle(next)
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  void loop()
  log.info('scheduler started', { plugins: plugins.map((p) => p.name).join(',') })

  return {
    ready,
    stop() {
      if (stopped) return
      stopped = true
      nodeReflector.stop()
      podReflector.stop()
      queue.close()
    }
  }
}
