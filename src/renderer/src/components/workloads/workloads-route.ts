/**
 * The Workloads view's state as its route query holds it (`#/workloads?kind=Pod&namespace=shop
 * &selector=app%3Dweb&filter=web&wide=1&name=web-0`), both ways, so a reload, the back button
 * and a shared link show the same list, filters and detail. Defaults are left out of the query.
 *
 * Links from other views pass an object's ref as `kind`, `namespace` and `name` (a pod from the
 * Nodes view, an event's object): the list shows that kind in that namespace, with the object's
 * detail open. When the open object differs from what the list implies (a related object of
 * another kind, or another namespace than the list's), `objectKind` / `objectNamespace` say so.
 */
import type { ObjectRef, WorkloadKind } from '../../../../shared/desktop-api'
import { isWorkloadKind } from './workload-kinds'

/** The kind listed when the query names none. */
export const DEFAULT_WORKLOAD_KIND: WorkloadKind = 'Deployment'

/** What the Workloads view shows. */
export interface WorkloadsState {
  kind: WorkloadKind
  /** '' lists every namespace. */
  namespace: string
  /** A label selector; '' selects everything. */
  selector: string
  /** Text the names must contain; '' keeps every row. */
  filter: string
  /** The `-o wide` columns. */
  wide: boolean
  /** The object whose detail is open. */
  selected: ObjectRef | null
}

/** The state a route query asks for; unknown or missing values are the defaults. */
export function workloadsStateFromQuery(query: Record<string, string>): WorkloadsState {
  const kind = isWorkloadKind(query.kind) ? query.kind : DEFAULT_WORKLOAD_KIND
  const namespace = query.namespace ?? ''
  let selected: ObjectRef | null = null
  if (query.name) {
    // A link to an object of a kind the view does not list (a Node's event) still opens it.
    const selectedKind = query.objectKind || query.kind || kind
    const selectedNamespace = query.objectNamespace ?? namespace
    selected = { kind: selectedKind, name: query.name }
    if (selectedNamespace) selected.namespace = selectedNamespace
  }
  return {
    kind,
    namespace,
    selector: query.selector ?? '',
    filter: query.filter ?? '',
    wide: query.wide === '1',
    selected
  }
}

/** The route query for `state`, in a fixed key order so equal states give equal hashes. */
export function workloadsQueryFromState(state: WorkloadsState): Record<string, string> {
  const query: Record<string, string> = {}
  if (state.kind !== DEFAULT_WORKLOAD_KIND) query.kind = state.kind
  if (state.namespace) query.namespace = state.namespace
  if (state.selector) query.selector = state.selector
  if (state.filter) query.filter = state.filter
  if (state.wide) query.wide = '1'
  const selected = state.selected
  if (selected) {
    query.name = selected.name
    if (selected.kind !== state.kind) query.objectKind = selected.kind
    if ((selected.namespace ?? '') !== state.namespace) {
      query.objectNamespace = selected.namespace ?? ''
    }
  }
  return query
}

/** Whether two route queries say the same. */
export function sameQuery(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}
