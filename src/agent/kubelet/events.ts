/**
 * The kubelet's event recorder: core/v1 Events about pods, as kubelet's recorder writes them
 * (source `kubelet` on the node, reportingComponent `kubelet`, reportingInstance the node).
 * Events go through the same correlator as the control plane's (src/main/observe/
 * event-correlator.ts): a repeated BackOff or Unhealthy bumps one Event's count, similar ones
 * are aggregated, a pod cannot flood the store. Writes never throw: a lost event is logged, the
 * pod's sync goes on.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import type { KubeletClient } from '../api/types'
import type { AgentLog } from '../log'
import { EventCorrelator, eventName, eventTimestamp } from '../../main/observe/event-correlator'
import { createEventSink } from '../../main/observe/event-sink'

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

/** A recorder writing through `client` as `nodeName`'s kubelet. */
export function createEventRecorder(
  client: KubeletClient,
  nodeName: string,
  log: AgentLog,
  correlator: EventCorrelator = new EventCorrelator()
): EventRecorder {
  const sink = createEventSink({ client, log, correlator })
  return {
    record(pod, type, reason, message, container) {
      const meta = pod.metadata ?? {}
      const namespace = meta.namespace ?? 'default'
      const fieldPath = container ? fieldPathOf(pod, container) : undefined
      const now = new Date()
      const stamp = eventTimestamp(now)
      sink.record({
        metadata: { name: eventName(meta.name ?? '', now), namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: meta.name ?? '',
          namespace,
          ...(meta.uid ? { uid: meta.uid } : {}),
          ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
          ...(fieldPath ? { fieldPath } : {})
        },
        reason,
        message,
        type,
        source: { component: 'kubelet', host: nodeName },
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        reportingComponent: 'kubelet',
        reportingInstance: nodeName
      })
    },
    flush: () => sink.flush()
  }
}

/** `spec.containers{name}` or `spec.initContainers{name}`, as kubelet's involvedObject.fieldPath. */
export function fieldPathOf(pod: Pod, container: string): string {
  const init = pod.spec?.initContainers?.some((c) => c.name === container)
  return `spec.${init ? 'initContainers' : 'containers'}{${container}}`
}
