/**
 * Tables of apps/v1 workloads: deployments, replicasets, statefulsets, daemonsets, with the
 * columns kube-apiserver's printers give (READY as `ready/desired` where kubectl shows it).
 */
import type { LabelSelector as LabelSelectorObject } from 'kubernetes-types/meta/v1'
import { formatLabelSelector, labelSelectorFromObject } from '../selectors/label-selector'
import { containerCells, formatLabels, int, record, since, str } from './format'
import {
  ageColumn,
  column,
  containersColumns,
  nameColumn,
  selectorColumn,
  type TablePrinter
} from './table'

type Json = Record<string, unknown>

const selectorOf = (spec: Json): LabelSelectorObject | undefined => {
  if (spec.selector === undefined) return undefined
  const sel = record(spec.selector)
  // A ReplicationController's selector is a plain label map.
  return 'matchLabels' in sel || 'matchExpressions' in sel
    ? (sel as LabelSelectorObject)
    : { matchLabels: sel as Record<string, string> }
}

/** `spec.replicas`; defaulting makes it 1 when a client leaves it out. */
const desiredReplicas = (spec: Json): number => int(spec.replicas, 1)

/** Template containers of a workload spec. */
const templateContainers = (spec: Json): unknown => record(record(spec.template).spec).containers

const selectorDescription =
  'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'

/** Deployments: NAME READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR. */
export const deploymentPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'string',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'
    ),
    column(
      'Available',
      'string',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'
    ),
    ageColumn(),
    ...containersColumns(),
    selectorColumn(selectorDescription)
  ],
  row(obj, now) {
    const spec = record((obj as unknown as Json).spec)
    const status = record((obj as unknown as Json).status)
    const [names, images] = containerCells(templateContainers(spec))
    // Unlike other workloads, an empty selector prints as an empty cell here.
    let selector: string
    try {
      selector = labelSelectorFromObject(selectorOf(spec)).toString()
    } catch {
      selector = '<invalid>'
    }
    return {
      cells: [
        str(obj.metadata?.name),
        `${int(status.readyReplicas)}/${desiredReplicas(spec)}`,
        int(status.updatedReplicas),
        int(status.availableReplicas),
        since(obj.metadata?.creationTimestamp, now),
        names,
        images,
        selector
      ]
    }
  }
}

/** ReplicaSets: NAME DESIRED CURRENT READY AGE, wide CONTAINERS IMAGES SELECTOR. */
export const replicaSetPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn(),
    ...containersColumns(),
    selectorColumn('Selector is a label query over pods that should match the replica count.')
  ],
  row(obj, now) {
    const spec = record((obj as unknown as Json).spec)
    const status = record((obj as unknown as Json).status)
    const [names, images] = containerCells(templateContainers(spec))
    return {
      cells: [
        str(obj.metadata?.name),
        desiredReplicas(spec),
        int(status.replicas),
        int(status.readyReplicas),
        since(obj.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(selectorOf(spec))
      ]
    }
  }
}

/** StatefulSets: NAME READY AGE, wide CONTAINERS IMAGES. */
export const statefulSetPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    ...containersColumns()
  ],
  row(obj, now) {
    const spec = record((obj as unknown as Json).spec)
    const status = record((obj as unknown as Json).status)
    const [names, images] = containerCells(templateContainers(spec))
    return {
      cells: [
        str(obj.metadata?.name),
        `${int(status.readyReplicas)}/${desiredReplicas(spec)}`,
        since(obj.metadata?.creationTimestamp, now),
        names,
        images
      ]
    }
  }
}

/** DaemonSets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, wide CONTAINERS IMAGES SELECTOR. */
export const daemonSetPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column(
      'Desired',
      'integer',
      'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'
    ),
    column(
      'Current',
      'integer',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'
    ),
    column(
      'Ready',
      'integer',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'
    ),
    column(
      'Up-to-date',
      'integer',
      'The total number of nodes that are running updated daemon pod'
    ),
    column(
      'Available',
      'integer',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'
    ),
    column(
      'Node Selector',
      'string',
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."
    ),
    ageColumn(),
    ...containersColumns(),
    selectorColumn('A label query over pods that are managed by the daemon set.')
  ],
  row(obj, now) {
    const spec = record((obj as unknown as Json).spec)
    const status = record((obj as unknown as Json).status)
    const podSpec = record(record(spec.template).spec)
    const [names, images] = containerCells(podSpec.containers)
    return {
      cells: [
        str(obj.metadata?.name),
        int(status.desiredNumberScheduled),
        int(status.currentNumberScheduled),
        int(status.numberReady),
        int(status.updatedNumberScheduled),
        int(status.numberAvailable),
        formatLabels(podSpec.nodeSelector),
        since(obj.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(selectorOf(spec))
      ]
    }
  }
}
