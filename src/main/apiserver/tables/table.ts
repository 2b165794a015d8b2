/**
 * The `meta.k8s.io/v1 Table` that `kubectl get` asks for (`Accept: …;as=Table`), and the
 * printer shape each kind implements. The server always fills every column, including the
 * `priority: 1` ones kubectl shows only with `-o wide`, as kube-apiserver does.
 */
import type { KubeObject } from '../types'

/** A column: kubectl upper-cases `name` for the header; `priority > 0` is `-o wide` only. */
export interface TableColumnDefinition {
  name: string
  /** OpenAPI type: `string`, `integer`, `number`, `boolean`, `date`. */
  type: string
  /** `name` marks the column holding the object's name. */
  format: string
  description: string
  priority: number
}

/** A row condition; kubectl uses `Completed` to tell finished pods apart. */
export interface TableRowCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason?: string
  message?: string
}

/** One row: one cell per column definition, plus the object as `includeObject` asked. */
export interface TableRow {
  cells: unknown[]
  conditions?: TableRowCondition[]
  object?: unknown
}

/** A `meta.k8s.io/v1 Table`; the caller fills `metadata.resourceVersion` and `continue`. */
export interface Table {
  kind: 'Table'
  apiVersion: 'meta.k8s.io/v1'
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number }
  columnDefinitions: TableColumnDefinition[]
  rows: TableRow[]
}

/** How a kind prints: its columns and, for one object, the cells in column order. */
export interface TablePrinter {
  columns: TableColumnDefinition[]
  row(obj: KubeObject, now: Date): { cells: unknown[]; conditions?: TableRowCondition[] }
}

/** Builds a column definition; `wide` columns get priority 1. */
export function column(
  name: string,
  type: string,
  description: string,
  options: { wide?: boolean; format?: string } = {}
): TableColumnDefinition {
  return {
    name,
    type,
    format: options.format ?? '',
    description,
    priority: options.wide ? 1 : 0
  }
}

/** ObjectMeta's description of `name`, shared by every NAME column. */
export const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names'

/** ObjectMeta's description of `creationTimestamp`, shared by every AGE column. */
export const ageDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'

/** The NAME column. */
export const nameColumn = (options: { wide?: boolean } = {}): TableColumnDefinition =>
  column('Name', 'string', nameDescription, { ...options, format: 'name' })

/** The AGE column. */
export const ageColumn = (): TableColumnDefinition => column('Age', 'string', ageDescription)

/** The wide CONTAINERS and IMAGES columns of workload kinds. */
export const containersColumns = (): TableColumnDefinition[] => [
  column('Containers', 'string', 'Names of each container in the template.', { wide: true }),
  column('Images', 'string', 'Images referenced by each container in the template.', { wide: true })
]

/** The wide SELECTOR column. */
export const selectorColumn = (description: string): TableColumnDefinition =>
  column('Selector', 'string', description, { wide: true })
