/**
 * The `resources` topic: one Workloads kind as table rows, with the columns and cells of the API
 * server's server-side Table (what `kubectl get` prints), filtered by namespace and label
 * selector on the host. A selector that does not parse is refused with the API server's message.
 */
import type { ResourceType } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import { printerFor } from '../../apiserver/tables'
import { parseLabelSelector } from '../../apiserver/selectors/label-selector'
import {
  WORKLOAD_KINDS,
  type ResourceQuery,
  type ResourceRow,
  type TableColumn
} from '../../../shared/desktop-api'
import { errorMessage } from '../../../shared/desktop-wire'
import type { ListTopic } from './list-subscription'
import { uidOf } from './list-watch'
import { groupOf } from './resource-types'

/** What a resources subscription needs: the kind to watch, its columns, and the topic. */
export interface ResourcesView {
  type: ResourceType
  columns: TableColumn[]
  topic: ListTopic<ResourceRow>
}

/**
 * The view of `query`; throws a readable error for a kind the Workloads view does not list or a
 * label selector that does not parse.
 */
export function resourcesView(query: ResourceQuery): ResourcesView {
  const kind = WORKLOAD_KINDS.find((k) => k.kind === query?.kind)
  if (!kind) {
    const known = WORKLOAD_KINDS.map((k) => k.kind).join(', ')
    throw new Error(`unknown kind "${String(query?.kind)}" (one of ${known})`)
  }
  const selector = query.labelSelector?.trim() ? parseSelector(query.labelSelector) : undefined
  const namespace = kind.namespaced ? query.namespace || undefined : undefined
  const printer = printerFor({ group: groupOf(kind.apiVersion), kind: kind.kind })
  const filter =
    namespace || selector
      ? (obj: KubeObject): boolean =>
          (!namespace || obj.metadata.namespace === namespace) &&
          (!selector || selector.matches(obj.metadata.labels))
      : undefined
  return {
    type: { apiVersion: kind.apiVersion, kind: kind.kind },
    columns: printer.columns.map((c) => ({ name: c.name, type: c.type, priority: c.priority })),
    topic: {
      ...(filter ? { filter } : {}),
      map(obj): ResourceRow {
        const row: ResourceRow = {
          key: uidOf(obj),
          kind: kind.kind,
          name: obj.metadata.name ?? '',
          cells: printer.row(obj, new Date()).cells.map(cell),
          labels: obj.metadata.labels ?? {},
          createdAt: obj.metadata.creationTimestamp ?? ''
        }
        if (obj.metadata.namespace) row.namespace = obj.metadata.namespace
        return row
      },
      compare: (a, b) =>
        (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name)
    }
  }
}

function parseSelector(text: string): ReturnType<typeof parseLabelSelector> {
  try {
    return parseLabelSelector(text)
  } catch (err) {
    const message = errorMessage(err)
    throw new Error(`invalid label selector "${text}": ${message}`)
  }
}

/** Cells are strings or numbers on the wire. */
function cell(value: unknown): string | number {
  return typeof value === 'number'
    ? value
    : value === undefined || value === null
      ? ''
      : String(value)
}
