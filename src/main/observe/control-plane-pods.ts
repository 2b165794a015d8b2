/**
 * The control plane as kube-system shows it: the store and the API server as probed components
 * of the supervisor (they serve everything else, so they are watched, not restarted), the four
 * mirror pods written as the control-plane node's kubelet (mirror-pods.ts), and their logs served
 * by the API server itself (mirror-pod-logs.ts), as are those of the pods of the kubelets in
 * this process (`inProcessPodLogs`).
 */
import type { RestContext } from '../apiserver/rest/context'
import type { ApiServer } from '../apiserver/server'
import type { ComponentDefinition, ComponentSupervisor } from '../component-supervisor'
import { CONTROL_PLANE_NODE } from '../nodes/types'
import type { Store } from '../store/types'
import type { ComponentLog } from './component-log'
import { createEventRecorder } from './event-recorder'
import { mirrorPodLogs } from './mirror-pod-logs'
import { mirrorPodSpecs, type MirrorPodSettings } from './mirror-pod-specs'
import { startMirrorPods } from './mirror-pods'

/** The store (`etcd`) and `kube-apiserver`, ready while their checks pass. */
export function probedComponents(
  names: { store: string; apiServer: string },
  store: () => Store | undefined,
  apiServer: () => ApiServer | undefined
): ComponentDefinition[] {
  return [
    {
      name: names.store,
      probe: async () => {
        await store()?.revision()
      }
    },
    {
      name: names.apiServer,
      probe: async () => {
        const failures = await apiServer()?.readyzFailures()
        if (failures) throw new Error(`readyz: ${failures}`)
      }
    }
  ]
}

/** What `startControlPlanePods` needs. */
export interface ControlPlanePodsOptions {
  server: ApiServer
  supervisor: ComponentSupervisor
  dataDir: string
  /** The settings the pods' command lines show. */
  settings: MirrorPodSettings
  /** When this KubeDesk started (the first line of a component's current log). */
  runStartedAt: Date
  log: ComponentLog
  /** The logs of pods on the in-process kubelets' nodes (nodes/in-process-logs.ts). */
  inProcessPodLogs?: RestContext['localPodLogs']
}

/** Starts the mirror pods and serves their logs; `stop` ends the syncing. */
export function startControlPlanePods(o: ControlPlanePodsOptions): { stop(): void } {
  const client = o.server.clientFor(
    {
      username: `system:node:${CONTROL_PLANE_NODE}`,
      groups: ['system:nodes', 'system:authenticated']
    },
    'kubelet'
  )
  const records = () => o.supervisor.records()
  const pods = startMirrorPods({
    client,
    recorder: createEventRecorder(client, 'kubelet', o.log),
    nodeName: CONTROL_PLANE_NODE,
    hostIP: '127.0.0.1',
    specs: mirrorPodSpecs(o.settings, o.server.port),
    records,
    onChange: (listener) => o.supervisor.onChange(listener),
    log: o.log
  })
  const mirrorLogs = mirrorPodLogs({
    dataDir: o.dataDir,
    nodeName: CONTROL_PLANE_NODE,
    records,
    runStartedAt: o.runStartedAt
  })
  o.server.setLocalPodLogs(
    (pod, container, opts) =>
      mirrorLogs(pod, container, opts) ?? o.inProcessPodLogs?.(pod, container, opts)
  )
  return {
    stop() {
      pods.stop()
      o.server.setLocalPodLogs(undefined)
    }
  }
}
