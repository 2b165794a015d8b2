/** Scheduler events: core/v1 Events on the pod from `default-scheduler`. */
import type { Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import { createEventRecorder } from '../observe/event-recorder'

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

/** Records the scheduler's events through `client` (the control plane's event recorder). */
export function clientEventRecorder(
  client: ApiClient,
  log: Pick<ComponentLog, 'warn'>
): RecordEvent {
  const recorder = createEventRecorder(client, DEFAULT_SCHEDULER_NAME, log)
  return (pod, type, reason, message) =>
    recorder.event({ ...pod, apiVersion: 'v1', kind: 'Pod' } as KubeObject, type, reason, message)
}
