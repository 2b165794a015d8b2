/** NodePorts: two pods cannot claim the same hostPort (protocol, host IP) on one node. */
import type { FilterPlugin, PreFilterPlugin } from '../framework/types'
import type { PodInfo } from '../framework/node-info'
import { SKIP, SUCCESS, unschedulable } from '../framework/types'

/** The plugin's name. */
export const NODE_PORTS = 'NodePorts'
/** The reason for a node where a wanted host port is taken. */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"

type HostPort = PodInfo['hostPorts'][number]

function conflicts(a: HostPort, b: HostPort): boolean {
  if (a.hostPort !== b.hostPort || a.protocol !== b.protocol) return false
  // 0.0.0.0 takes the port on every address.
  return a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0'
}

/** Filters out nodes where a pod already uses one of the pod's host ports. */
export const nodePorts: PreFilterPlugin & FilterPlugin = {
  name: NODE_PORTS,
  preFilter: (_state, pod) => (pod.hostPorts.length === 0 ? SKIP : SUCCESS),
  filter(_state, pod, node) {
    if (pod.hostPorts.length === 0) return SUCCESS
    for (const other of node.pods.values()) {
      for (const used of other.hostPorts) {
        if (pod.hostPorts.some((p) => conflicts(p, used)))
          return unschedulable(ERR_REASON_NODE_PORTS)
      }
    }
    return SUCCESS
  }
}
