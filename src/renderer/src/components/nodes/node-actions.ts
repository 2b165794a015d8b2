/**
 * The node actions the Nodes view offers: button text, what to ask before destructive ones, and
 * the options that confirmation offers (drain's kubectl flags).
 */
import type { DrainOptions, NodeActionInput } from '../../../../shared/desktop-api'

export type NodeActionName = Exclude<NodeActionInput['action'], 'add'>

/** A checkbox of the confirmation; its value goes into the action's input under `key`. */
export interface NodeActionOption {
  key: keyof DrainOptions
  label: string
  /** Ticked when the confirmation first opens. */
  checked: boolean
}

export interface NodeActionSpec {
  action: NodeActionName
  label: string
  /** Asked in the page before the action runs; absent: runs at once. */
  confirm?: (node: string) => string
  options?: readonly NodeActionOption[]
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
    confirm: (n) => `Drain node ${n}? It is cordoned and its pods are evicted.`,
    // kubectl drain's flags; the first two are what nearly every drain passes.
    options: [
      {
        key: 'ignoreDaemonSets',
        label: 'ignore DaemonSets: leave DaemonSet-managed pods running',
        checked: true
      },
      {
        key: 'deleteEmptyDirData',
        label: 'delete emptyDir data: also evict pods with emptyDir volumes (their data is lost)',
        checked: true
      },
      { key: 'force', label: 'force: also delete pods no controller manages', checked: false }
    ]
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
