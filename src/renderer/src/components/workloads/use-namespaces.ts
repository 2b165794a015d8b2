/**
 * The namespaces for the Workloads view's picker: those `listNamespaces` answers at once, kept
 * live by a subscription to the Namespace kind (a namespace created meanwhile shows up).
 */
import { computed, shallowRef, type ComputedRef } from 'vue'
import type { ResourceQuery, ResourceRow } from '../../../../shared/desktop-api'
import { ListState } from '../../api/list-state'
import { useDesktopApi } from '../../api/desktop-api'
import { useSubscription } from '../../composables/use-subscription'

const NAMESPACE_QUERY: ResourceQuery = { kind: 'Namespace' }

export function useNamespaces(): ComputedRef<string[]> {
  const api = useDesktopApi()
  const listed = shallowRef<string[]>([])
  const live = new ListState<ResourceRow>()

  // A failure here only leaves the picker to the subscription.
  api.listNamespaces().then(
    (names) => (listed.value = names),
    () => undefined
  )
  useSubscription(
    'resources',
    () => NAMESPACE_QUERY,
    (update) => live.apply(update)
  )

  return computed(() => {
    // Once the live list has arrived it is the truth (deleted namespaces go away).
    const names = live.loaded.value ? live.items.value.map((r) => r.name) : listed.value
    return [...new Set(names)].sort()
  })
}
