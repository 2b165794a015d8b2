/** NodeName: a pod that names a node in `spec.nodeName` fits only there. */
import type { FilterPlugin, PreFilterPlugin } from '../framework/types'
import { SKIP, SUCCESS, unresolvable } from '../framework/types'

/** The plugin's name. */
export const NODE_NAME = 'NodeName'
/** The reason for every other node. */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name"

/** Filters out every node but the one requested. */
export const nodeName: PreFilterPlugin & FilterPlugin = {
  name: NODE_NAME,
  preFilter: (_state, pod) => (pod.pod.spec?.nodeName ? SUCCESS : SKIP),
  filter(_state, pod, node) {
    const wanted = pod.pod.spec?.nodeName
    return !wanted || wanted === node.name ? SUCCESS : unresolvable(ERR_REASON_NODE_NAME)
  }
}
