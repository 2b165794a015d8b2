/** NodeUnschedulable: keeps pods off cordoned nodes unless they tolerate the unschedulable taint. */
import type { FilterPlugin, Status } from '../framework/types'
import { SUCCESS, unresolvable } from '../framework/types'
import { tolerates } from '../framework/selectors'

/** The plugin's name. */
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable'
/** The reason for a node with `spec.unschedulable`. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable'

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }

/** Filters out nodes with `spec.unschedulable: true`. */
export const nodeUnschedulable: FilterPlugin = {
  name: NODE_UNSCHEDULABLE,
  filter(_state, pod, node): Status {
    if (!node.unschedulable) return SUCCESS
    const ok = (pod.pod.spec?.tolerations ?? []).some((t) => tolerates(t, UNSCHEDULABLE_TAINT))
    return ok ? SUCCESS : unresolvable(ERR_REASON_UNSCHEDULABLE)
  }
}
