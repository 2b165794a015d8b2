/**
 * The `cluster` topic: the Cluster view's picture, pushed every ~2 s. The control-plane
 * components come from `controlPlane.status()`; each node adds its kubelet (named by its
 * component log, so a click opens that log) and its container runtime, their state from the
 * Node's Ready condition and the node provider. The arrows carry the API request rate and the
 * scheduler's throughput (averaged over the last minute of the metrics history) and the events
 * written in the last minute.
 */
import type { Node } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'
import type { MetricsHistory, SeriesQuery } from '../../observe/metrics-history'
import { kubeletLogComponent } from '../../nodes/kubelet-verbosity'
import type { ClusterStatus } from '../../../shared/status'
import type { ClusterComponent, ClusterOverview } from '../../../shared/desktop-api'
import { eventsInLastMinute } from './events'

/** The role of each control-plane component, by its status (and log) name. */
export const COMPONENT_ROLES: Record<string, ClusterComponent['role']> = {
  etcd: 'store',
  'kube-apiserver': 'apiserver',
  'kube-scheduler': 'scheduler',
  'kube-controller-manager': 'controller-manager',
  'kube-proxy': 'proxy'
}

/** The runtime entry's name: there is no runtime log of its own, so it is named by node. */
export const runtimeComponent = (node: string): string => `runtime-${node}`

/** What the overview is computed from. */
export interface OverviewSources {
  status: ClusterStatus | undefined
  nodes: Iterable<KubeObject>
  events: Iterable<KubeObject>
  history: MetricsHistory
  now?: number
}

/** The kubelet and runtime of one node. */
function nodeComponents(
  name: string,
  node: Node | undefined,
  providerState: 'running' | 'stopped' | undefined
): ClusterComponent[] {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')
  const runtime = node?.status?.nodeInfo?.containerRuntimeVersion
  let state: ClusterComponent['state']
  if (providerState === 'stopped') state = 'stopped'
  else if (!ready) state = 'starting'
  else state = ready.status === 'True' ? 'running' : 'failed'
  const kubelet: ClusterComponent = {
    name: kubeletLogComponent(name),
    role: 'kubelet',
    state,
    node: name
  }
  if (ready?.message) kubelet.message = ready.message
  const runtimeEntry: ClusterComponent = {
    name: runtimeComponent(name),
    role: 'runtime',
    state: providerState === 'stopped' ? 'stopped' : node ? 'running' : 'starting',
    node: name
  }
  if (runtime) runtimeEntry.message = runtime
  return [kubelet, runtimeEntry]
}

/** The average of a series over the minute before `now` (0 without points). */
function lastMinuteAverage(history: MetricsHistory, q: SeriesQuery, now: number): number {
  const points = history.series(q, now - 60_000)
  if (points.length === 0) return 0
  return points.reduce((sum, p) => sum + p.value, 0) / points.length
}

/** The overview now. */
export function clusterOverview(src: OverviewSources): ClusterOverview {
  const now = src.now ?? Date.now()
  const components: ClusterComponent[] = []
  for (const c of src.status?.components ?? []) {
    const role = COMPONENT_ROLES[c.name]
    if (!role) continue
    components.push({
      name: c.name,
      role,
      state: c.state,
      ...(c.message ? { message: c.message } : {})
    })
  }
  const nodes = new Map<string, Node>()
  for (const obj of src.nodes) nodes.set(obj.metadata.name ?? '', obj as unknown as Node)
  const providerStates = new Map((src.status?.nodes ?? []).map((n) => [n.name, n.state]))
  const names = [...new Set([...nodes.keys(), ...providerStates.keys()])].sort()
  for (const name of names) {
    components.push(...nodeComponents(name, nodes.get(name), providerStates.get(name)))
  }
  return {
    components,
    rates: {
      apiRequestsPerSecond: lastMinuteAverage(
        src.history,
        { kind: 'apiserver', metric: 'requestRate' },
        now
      ),
      eventsPerMinute: eventsInLastMinute(src.events, now),
      podsScheduledPerSecond: lastMinuteAverage(
        src.history,
        { kind: 'scheduler', metric: 'throughput' },
        now
      )
    }
  }
}
