/**
 * Events written by control-plane components (client-go's `record.EventRecorder`): a core/v1
 * Event about an object, with `source.component` and `reportingComponent` set to the
 * component's name (`replicaset-controller`, `default-scheduler`, …). Each recorder has its own
 * correlator (event-correlator.ts), as each component has its own broadcaster: a repeated
 * event (FailedScheduling every retry) is one Event with a growing count. Writing never throws:
 * a lost event is logged and the work goes on.
 */
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from './component-log'
import { EventCorrelator, eventName, eventTimestamp } from './event-correlator'
import { createEventSink } from './event-sink'

/** Records events about objects. */
export interface EventRecorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void
  /** Resolves once every write started so far has finished. */
  flush(): Promise<void>
}

/** A recorder writing through `client` as `component` (e.g. `replicaset-controller`). */
export function createEventRecorder(
  client: ApiClient,
  component: string,
  log?: Pick<ComponentLog, 'warn'>,
  correlator: EventCorrelator = new EventCorrelator()
): EventRecorder {
  const sink = createEventSink({ client, correlator, ...(log ? { log } : {}) })
  return {
    event(obj, type, reason, message) {
      const meta = obj.metadata ?? {}
      const now = new Date()
      const stamp = eventTimestamp(now)
      sink.record({
        metadata: { name: eventName(meta.name ?? '', now), namespace: meta.namespace ?? 'default' },
        // The in-process client wants absent fields absent, not undefined.
        involvedObject: JSON.parse(
          JSON.stringify({
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: meta.name,
            namespace: meta.namespace,
            uid: meta.uid,
            resourceVersion: meta.resourceVersion
          })
        ) as Record<string, string>,
        reason,
        message,
        type,
        // As client-go's recorder: reportingInstance is source.host, which control-plane
        // components leave empty (so `-o wide` SOURCE reads `replicaset-controller`).
        source: { component },
        reportingComponent: component,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1
      })
    },
    flush: () => sink.flush()
  }
}
