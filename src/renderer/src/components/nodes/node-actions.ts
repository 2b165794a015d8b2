/** The node actions the Nodes view offers: button text, and what to ask before destructive ones. */
import type { NodeActionInput } from '../../../../shared/desktop-api'

export type NodeActionName = Exclude<NodeActionInput['action'], 'add'>

export interface NodeActionSpec {
  action: NodeActionName
  label: string
  /** Asked in the page before the action runs; absent: runs at once. */
  confirm?: (node: string) => string
}

/** In the order the buttons appear. */
export const NODE_ACTIONS: readonly NodeActionSpec[] = [
  {
    action: 'stop',
    label: 'Stop',
    confirm: (n) => `Stop node ${n}? Its pods stop running until it is started again.`
  },
  { action: 'start', label: 'Start' },
  { action: 'cordon', label: 'Cordon' },
  { action: 'uncordon', label: 'Uncordon' },
  {
    action: 'drain',
    label: 'Drain',
    confirm: (n) => `Drain node ${n}? It is cordoned and its pods are evicted.`
  },
  {
    action: 'fail',
    label: 'Simulate failure',
    confirm: (n) =>
      `Simulate a failure of ${n}? Its kubelet stops heartbeating and its containers die; the ` +
      `node goes NotReady and its pods are evicted. Start brings it back.`
  },
  {
    action: 'rm',
    label: 'Remove',
    confirm: (n) => `Remove node ${n}? The node and its pods are deleted.`
  }
]
