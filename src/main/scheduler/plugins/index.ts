/** The default plugin set, in kube-scheduler's filter order. */
import type { AnyPlugin } from '../framework/types'
import { defaultSpread } from './default-spread'
import { interPodAffinity } from './inter-pod-affinity'
import { nodeAffinity } from './node-affinity'
import { nodeName } from './node-name'
import { nodePorts } from './node-ports'
import { nodeResourcesFit } from './node-resources-fit'
import { nodeUnschedulable } from './node-unschedulable'
import { podTopologySpread } from './pod-topology-spread'
import { taintToleration } from './taint-toleration'

/** Filters run in this order; a node's first failing filter is its reason. */
export const DEFAULT_PLUGINS: readonly AnyPlugin[] = [
  nodeUnschedulable,
  nodeName,
  taintToleration,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
  podTopologySpread,
  interPodAffinity,
  defaultSpread
]
