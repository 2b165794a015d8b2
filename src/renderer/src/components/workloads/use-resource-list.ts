/**
 * The rows of one kind for the Workloads table: subscribes to `resources` with the query,
 * re-subscribes (and empties the table) when the query changes, and keeps the columns of the
 * latest reset.
 */
import { shallowRef, watch, type Ref, type ShallowRef } from 'vue'
import type { ResourceQuery, ResourceRow, TableColumn } from '../../../../shared/desktop-api'
import { ListState } from '../../api/list-state'
import { useSubscription } from '../../composables/use-subscription'

export interface ResourceList {
  rows: ListState<ResourceRow>
  columns: ShallowRef<TableColumn[]>
  /** Why the subscription ended (a bad label selector, the cluster went away …). */
  error: Ref<string | null>
}

export function useResourceList(query: Ref<ResourceQuery>): ResourceList {
  const rows = new ListState<ResourceRow>()
  const columns = shallowRef<TableColumn[]>([])
  watch(query, () => rows.clear(), { deep: true })
  const { error } = useSubscription('resources', query, (update) => {
    if (update.reset && update.columns) columns.value = update.columns
    rows.apply(update)
  })
  return { rows, columns, error }
}
