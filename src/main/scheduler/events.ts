/** Scheduler events: core/v1 Events on the pod from `default-scheduler`. */
import { randomBytes } from 'node:crypto'
import type { Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'

/** The scheduler's name, in events and `spec.schedulerName`. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler'
/** Event reason of a binding. */
export const REASON_SCHEDULED = 'Scheduled'
/** Event reason of a failed cycle. */
export const REASON_FAILED_SCHEDULING = 'FailedScheduling'

/** Records one event about a pod. */
export type RecordEvent = (
  pod: Pod,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string
) => void

/** The v1 Event the scheduler creates. */
export function buildEvent(
  pod: Pod,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  now = new Date()
): KubeObject {
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z')
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${pod.metadata?.name}.${randomBytes(8).toString('hex')}`,
      namespace: pod.metadata?.namespace ?? 'default'
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name,
      uid: pod.metadata?.uid,
      resourceVersion: pod.metadata?.resourceVersion
    },
    reason,
    message,
    type,
    source: { component: DEFAULT_SCHEDULER_NAME },
    reportingComponent: DEFAULT_SCHEDULER_NAME,
    reportingInstance: DEFAULT_SCHEDULER_NAME,
    action: reason === REASON_SCHEDULED ? 'Binding' : 'Scheduling',
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1
  }
}

/** An event recorder writing through the client; failures go to `onError`. */
export function clientEventRecorder(
  client: ApiClient,
  onError: (err: unknown) => void
): RecordEvent {
  return (pod, type, reason, message) => {
    client.create(buildEvent(pod, type, reason, message)).catch(onError)
  }
}
