/**
 * The pods the route asks the Nodes view to highlight (`?namespace=default&selector=app%3Dweb`,
 * as Deploy navigates): a matcher, a key that changes when the matcher does (for `v-memo`), and
 * the selector's parse error, if any.
 */
import { errorMessage } from '../../../../shared/desktop-wire'
import { computed, type ComputedRef } from 'vue'
import type { PodSummary } from '../../../../shared/desktop-api'
import { useNavStore } from '../../stores/nav'
import { parseLabelSelector } from './label-selector'

export interface PodHighlight {
  namespace?: string
  selector?: string
  matches: ((pod: PodSummary) => boolean) | null
  key: string
  error: string | null
}

export function usePodHighlight(): ComputedRef<PodHighlight> {
  const nav = useNavStore()
  return computed(() => {
    const namespace = nav.route.query.namespace || undefined
    const selector = nav.route.query.selector || undefined
    const key = `${namespace ?? ''}|${selector ?? ''}`
    if (!namespace && !selector) return { matches: null, key, error: null }
    let labels: (l: Record<string, string>) => boolean = () => true
    try {
      if (selector) labels = parseLabelSelector(selector)
    } catch (err) {
      return { namespace, selector, matches: null, key, error: errorMessage(err) }
    }
    const matches = (pod: PodSummary): boolean =>
      (!namespace || pod.namespace === namespace) && labels(pod.labels)
    return { namespace, selector, matches, key, error: null }
  })
}
