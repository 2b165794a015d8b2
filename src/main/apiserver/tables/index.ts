/**
 * Server-side tables for `kubectl get`: picks the printer of a resource's kind and renders
 * objects into a `meta.k8s.io/v1 Table`, with each row's object as `includeObject` asks
 * (`Metadata`, the default: a PartialObjectMetadata; `Object`: the whole object; `None`).
 */
import type { KubeObject, ResourceInfo } from '../types'
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './apps'
import { cronJobPrinter, jobPrinter } from './batch'
import { controllerRevisionPrinter } from './controller-revision'
import {
  configMapPrinter,
  endpointsPrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter
} from './core'
import { eventPrinter, eventsV1Printer } from './events'
import { endpointSlicePrinter, genericPrinter, leasePrinter } from './other'
import { podPrinter } from './pods'
import type { Table, TablePrinter, TableRow } from './table'

export type { Table, TableColumnDefinition, TableRow, TableRowCondition } from './table'
export { humanDuration } from './format'

/** Printers keyed `<group>/<Kind>` (core group: `/Pod`). */
const printers: Record<string, TablePrinter> = {
  '/Pod': podPrinter,
  '/Node': nodePrinter,
  '/Namespace': namespacePrinter,
  '/Service': servicePrinter,
  '/Endpoints': endpointsPrinter,
  '/ConfigMap': configMapPrinter,
  '/Secret': secretPrinter,
  '/ServiceAccount': serviceAccountPrinter,
  '/Event': eventPrinter,
  '/ReplicationController': replicaSetPrinter,
  'events.k8s.io/Event': eventsV1Printer,
  'apps/Deployment': deploymentPrinter,
  'apps/ReplicaSet': replicaSetPrinter,
  'apps/StatefulSet': statefulSetPrinter,
  'apps/DaemonSet': daemonSetPrinter,
  'apps/ControllerRevision': controllerRevisionPrinter,
  'batch/Job': jobPrinter,
  'batch/CronJob': cronJobPrinter,
  'coordination.k8s.io/Lease': leasePrinter,
  'discovery.k8s.io/EndpointSlice': endpointSlicePrinter
}

/** What each row carries besides its cells (the `includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object'

/** Options of `toTable`. */
export interface TableOptions {
  /** Default `Metadata`, as kube-apiserver. */
  includeObject?: IncludeObject
  /** The clock AGE and other durations are measured against (default: now). */
  now?: Date
}

/** The printer for a resource; the generic NAME AGE one for kinds without their own. */
export function printerFor(resource: Pick<ResourceInfo, 'group' | 'kind'>): TablePrinter {
  return printers[`${resource.group}/${resource.kind}`] ?? genericPrinter
}

/** Renders objects of one resource as a Table; `metadata` is left for the caller to fill. */
export function toTable(
  resource: ResourceInfo,
  objects: KubeObject[],
  opts: TableOptions = {}
): Table {
  const printer = printerFor(resource)
  const now = opts.now ?? new Date()
  const include = opts.includeObject ?? 'Metadata'
  const rows = objects.map((obj): TableRow => {
    const { cells, conditions } = printer.row(obj, now)
    const row: TableRow = { cells }
    if (conditions) row.conditions = conditions
    if (include === 'Object') row.object = obj
    else if (include === 'Metadata') {
      row.object = {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: obj.metadata
      }
    }
    return row
  })
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows
  }
}
