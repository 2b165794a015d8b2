/**
 * `kubectl get nodes.metrics.k8s.io` / `podmetrics`: the Table metrics-server answers with — the
 * name, then the usage of each resource (a pod's containers added up), then the window — and the
 * PartialObjectMetadata forms, so metadata-only clients work too.
 */
import type { Rendering } from '../http/respond'
import { column, nameColumn, type Table } from '../tables/table'
import type { KubeObject } from '../types'
import { formatGoDuration, formatMemoryBytes, formatNanoCores } from './quantities'

/** A served NodeMetrics or PodMetrics with the figures its row shows. */
export interface MetricsRow {
  object: KubeObject
  cpuNanoCores: number
  memoryBytes: number
  windowMs: number
}

function table(rows: MetricsRow[], includeObject: string, version: string): Table {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}` as Table['apiVersion'],
    metadata: {},
    columnDefinitions: [
      nameColumn(),
      column('cpu', 'string', '', { format: 'quantity' }),
      column('memory', 'string', '', { format: 'quantity' }),
      column('Window', 'string', '', { format: 'duration' })
    ],
    rows: rows.map((r) => ({
      cells: [
        r.object.metadata.name,
        formatNanoCores(r.cpuNanoCores),
        formatMemoryBytes(r.memoryBytes),
        formatGoDuration(r.windowMs)
      ],
      ...(includeObject === 'None'
        ? {}
        : {
            object: includeObject === 'Object' ? r.object : partial(r.object, version)
          })
    }))
  }
}

function partial(obj: KubeObject, version: string): Record<string, unknown> {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: obj.metadata
  }
}

/** One object (`list` undefined) or a list, as the rendering asks. */
export function renderMetrics(
  rows: MetricsRow[],
  list: { kind: string; apiVersion: string } | undefined,
  r: Rendering,
  includeObject: string
): unknown {
  const version = r.version ?? 'v1'
  if (r.as === 'Table') return table(rows, includeObject, version)
  if (r.as === 'PartialObjectMetadata' || r.as === 'PartialObjectMetadataList') {
    if (!list) return partial(rows[0].object, version)
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${version}`,
      metadata: {},
      items: rows.map((row) => partial(row.object, version))
    }
  }
  if (!list) return rows[0].object
  return { ...list, metadata: {}, items: rows.map((row) => row.object) }
}
