/**
 * The kubelet's event recorder: core/v1 Events about pods, as kubelet's recorder writes them
 * (source.component `kubelet`, reportingComponent `kubelet`, reportingInstance the node). An
 * event equal to a recent one (same pod, field path, reason and message) bumps its count instead
 * of creating another, as client-go's EventCorrelator does. Writes never throw: a lost event is
 * logged, the pod's sync goes on.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import { KINDS, type KubeletClient } from '../api/types'
import type { AgentLog } from '../log'

/** Event reasons the kubelet uses (kubelet's events package). */
export const EVENT_REASONS = {
  pulling: 'Pulling',
  pulled: 'Pulled',
  failed: 'Failed',
  backOff: 'BackOff',
  created: 'Created',
  started: 'Started',
  killing: 'Killing',
  unhealthy: 'Unhealthy',
  failedMount: 'FailedMount',
  exceededGracePeriod: 'ExceededGracePeriod'
} as const

/** Where events go. */
export interface EventRecorder {
  /** Records an event about `pod` (and one of its containers when `container` is given). */
  record(
    pod: Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    container?: string
  ): void
  /** Resolves once every write started so far has finished (tests, shutdown). */
  flush(): Promise<void>
}

interface Seen {
  name: string
  namespace: string
  count: number
  firstTimestamp: string
}

const MAX_REMEMBERED = 4096
let sequence = 0

/** A recorder writing through `client` as `nodeName`'s kubelet. */
export function createEventRecorder(
  client: KubeletClient,
  nodeName: string,
  log: AgentLog
): EventRecorder {
  const seen = new Map<string, Seen>()
  const pending = new Set<Promise<void>>()

  const write = async (
    pod: Pod,
    type: string,
    reason: string,
    message: string,
    container?: string
  ): Promise<void> => {
    const meta = pod.metadata ?? {}
    const namespace = meta.namespace ?? 'default'
    const fieldPath = container ? fieldPathOf(pod, container) : undefined
    const key = [meta.uid, fieldPath, type, reason, message].join('\u0000')
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const prior = seen.get(key)
    if (prior) {
      prior.count++
      seen.delete(key)
      seen.set(key, prior)
      try {
        await client.patch(KINDS.event, prior.namespace, prior.name, 'merge', {
          count: prior.count,
          lastTimestamp: now
        })
        return
      } catch {
        seen.delete(key) // gone (TTL) or never written: write it afresh
      }
    }
    // kubelet names events `<pod>.<UnixNano in hex>`; the counter keeps names within a ms apart.
    const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(sequence++ % 1_000_000)
    const name = `${meta.name}.${nanos.toString(16)}`
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: meta.name,
        namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        ...(fieldPath ? { fieldPath } : {})
      },
      reason,
      message,
      type,
      source: { component: 'kubelet', host: nodeName },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: 'kubelet',
      reportingInstance: nodeName
    }
    try {
      await client.create(event)
      seen.set(key, { name, namespace, count: 1, firstTimestamp: now })
      if (seen.size > MAX_REMEMBERED) seen.delete(seen.keys().next().value as string)
    } catch (err) {
      log.warn('failed to write event', {
        reason,
        pod: `${namespace}/${meta.name}`,
        err: String(err)
      })
    }
  }

  return {
    record(pod, type, reason, message, container) {
      const p = write(pod, type, reason, message, container)
      pending.add(p)
      void p.finally(() => pending.delete(p))
    },
    async flush() {
      await Promise.all([...pending])
    }
  }
}

/** `spec.containers{name}` or `spec.initContainers{name}`, as kubelet's involvedObject.fieldPath. */
export function fieldPathOf(pod: Pod, container: string): string {
  const init = pod.spec?.initContainers?.some((c) => c.name === container)
  return `spec.${init ? 'initContainers' : 'containers'}{${container}}`
}
