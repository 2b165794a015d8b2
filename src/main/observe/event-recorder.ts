/**
 * Events written by control-plane components (client-go's `record.EventRecorder`): a core/v1
 * Event about an object, with `source.component` and `reportingComponent` set to the
 * component's name (`replicaset-controller`, `default-scheduler`, …). Writing never throws: a
 * lost event is logged and the work goes on.
 */
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from './component-log'

/** Records events about objects. */
export interface EventRecorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void
  /** Resolves once every write started so far has finished. */
  flush(): Promise<void>
}

let sequence = 0

/** A recorder writing through `client` as `component` (e.g. `replicaset-controller`). */
export function createEventRecorder(
  client: ApiClient,
  component: string,
  log?: Pick<ComponentLog, 'warn'>
): EventRecorder {
  const pending = new Set<Promise<void>>()
  return {
    event(obj, type, reason, message) {
      const meta = obj.metadata ?? {}
      const namespace = meta.namespace ?? 'default'
      const now = new Date()
      const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z')
      // Kubernetes names events `<object>.<unix nanos in hex>`; a counter keeps them unique.
      const suffix = (now.getTime() * 1000 + (sequence++ % 1000)).toString(16)
      const write = client
        .create({
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${meta.name}.${suffix}`, namespace },
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
          source: { component },
          reportingComponent: component,
          reportingInstance: component,
          firstTimestamp: stamp,
          lastTimestamp: stamp,
          count: 1
        })
        .then(
          () => undefined,
          (err: unknown) => log?.warn('could not record event', { reason, err: String(err) })
        )
      pending.add(write)
      void write.finally(() => pending.delete(write))
    },
    async flush() {
      await Promise.all([...pending])
    }
  }
}
