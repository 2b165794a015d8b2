/**
 * The steps of start-up as the UI shows them, and how each ControlPlane progress event
 * (control-plane.ts, kube-components.ts, nodes/cluster-nodes.ts, nodes/node-manager.ts,
 * nodes/docker/node-image.ts) moves them. Pure: the tracker (startup-tracker.ts) keeps the state.
 */
import type { ProgressEvent } from '../control-plane'
import {
  APISERVER_COMPONENT,
  CONTROLLER_MANAGER_COMPONENT,
  NODE_PROVIDER_COMPONENT,
  SCHEDULER_COMPONENT,
  STORE_COMPONENT
} from '../control-plane'
import { kubeletLogComponent } from '../nodes/kubelet-verbosity'
import type { StartupStep } from '../../shared/desktop-api'

/** The fixed steps, in the order the UI lists them (node steps follow). */
export const FIXED_STEPS = [
  { id: 'store', title: 'Store', component: STORE_COMPONENT },
  { id: 'apiserver', title: 'API server', component: APISERVER_COMPONENT },
  { id: 'scheduler', title: 'Scheduler', component: SCHEDULER_COMPONENT },
  { id: 'controllers', title: 'Controllers', component: CONTROLLER_MANAGER_COMPONENT },
  { id: 'node-image', title: 'Node image', component: NODE_PROVIDER_COMPONENT }
] as const

export type FixedStepId = (typeof FIXED_STEPS)[number]['id']

/**
 * The order the control plane runs them in (each group starts when the one before is done):
 * the node provider (and its image) is prepared before the API server, the scheduler and the
 * controllers start together, then every node at once.
 */
export const RUN_ORDER: readonly (readonly string[])[] = [
  ['store'],
  ['node-image'],
  ['apiserver'],
  ['scheduler', 'controllers'],
  ['nodes']
]

/** The step id of a worker node. */
export function nodeStepId(node: string): string {
  return `node/${node}`
}

/** The component log a step's start-up lines come from. */
export function stepComponent(stepId: string): string | undefined {
  if (stepId.startsWith('node/')) return kubeletLogComponent(stepId.slice('node/'.length))
  return FIXED_STEPS.find((s) => s.id === stepId)?.component
}

/** How much of a node step is done when its node was created, registered, Ready. */
export const NODE_PROGRESS = { created: 1 / 3, registered: 2 / 3, ready: 1 } as const

/** What one progress event does to the steps. */
export interface StepChange {
  /** The step it is about (a node step is created when new). */
  step: string
  /** The node, for node steps. */
  node?: string
  state?: StartupStep['state']
  /** Replaces the step's message (and is added to its log). */
  message?: string
  /** Only added to the step's log. */
  logLine?: string
  progress?: number
}

const PROVIDER = /^(\S+) provider \((.*)\)$/
const NODE_EVENT = /^(\S+): (created|adopted|stopped)\b(.*)$/

/** What `event` means for the steps; undefined for events no step shows (kube-proxy, socket). */
export function classifyProgress(event: ProgressEvent): StepChange | undefined {
  const { component, message, warning } = event
  const done = warning ? 'warning' : 'done'
  switch (component) {
    case 'data directory':
      return { step: 'store', state: 'running', logLine: `data directory ${message}` }
    case 'store':
      return { step: 'store', state: done, message }
    case APISERVER_COMPONENT:
      return { step: 'apiserver', state: done, message }
    case 'kubeconfig':
      // Written right after the API server starts; a warning (not merged) belongs on it.
      return warning
        ? { step: 'apiserver', state: 'warning', message: `kubeconfig: ${message}` }
        : { step: 'apiserver', logLine: `kubeconfig: ${message}` }
    case SCHEDULER_COMPONENT:
      return { step: 'scheduler', state: done, message }
    case CONTROLLER_MANAGER_COMPONENT:
      return { step: 'controllers', state: done, message }
    case 'nodes':
      return classifyNodes(message, done)
    default:
      return undefined
  }
}

function classifyNodes(message: string, done: 'done' | 'warning'): StepChange {
  const provider = PROVIDER.exec(message)
  if (provider) {
    return provider[1] === 'docker'
      ? { step: 'node-image', state: 'running', message: `docker provider (${provider[2]})` }
      : {
          step: 'node-image',
          state: done,
          message: `not needed: ${provider[1]} nodes run without an image (${provider[2]})`,
          progress: 1
        }
  }
  if (message.startsWith('building node image')) {
    return { step: 'node-image', state: 'running', message, progress: 0 }
  }
  if (/^node image .* (built|imported) in /.test(message)) {
    return { step: 'node-image', state: done, message, progress: 1 }
  }
  const node = NODE_EVENT.exec(message)
  if (node) {
    const [, name, what, rest] = node
    if (what === 'stopped') {
      return { step: nodeStepId(name), node: name, state: 'warning', message: `stopped${rest}` }
    }
    return {
      step: nodeStepId(name),
      node: name,
      state: 'running',
      message: `${what}${rest}; waiting for it to register`,
      progress: NODE_PROGRESS.created
    }
  }
  return { step: 'node-image', logLine: message }
}
