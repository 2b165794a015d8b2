/**
 * The table of apps/v1 ControllerRevisions: NAME CONTROLLER REVISION AGE, as kube-apiserver's
 * `printControllerRevision` prints them. CONTROLLER is `<kind>.<group>/<name>` of the
 * controller owner reference (`statefulset.apps/web`), `<none>` when there is none.
 */
import type { KubeObject } from '../types'
import { array, int, record, since, str } from './format'
import { ageColumn, column, nameColumn, type TablePrinter } from './table'

/** The `kind.group/name` of the object's controller, as kubectl's `formatResourceName`. */
function controllerName(obj: KubeObject): string {
  const ref = array(obj.metadata?.ownerReferences)
    .map(record)
    .find((r) => r.controller === true)
  if (!ref) return '<none>'
  const apiVersion = str(ref.apiVersion)
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : ''
  const kind = str(ref.kind).toLowerCase()
  return `${group ? `${kind}.${group}` : kind}/${str(ref.name)}`
}

/** ControllerRevisions: NAME CONTROLLER REVISION AGE. */
export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column(
      'Revision',
      'string',
      'Revision indicates the revision of the state represented by Data.'
    ),
    ageColumn()
  ],
  row(obj, now) {
    return {
      cells: [
        str(obj.metadata?.name),
        controllerName(obj),
        int((obj as unknown as Record<string, unknown>).revision),
        since(obj.metadata?.creationTimestamp, now)
      ]
    }
  }
}
