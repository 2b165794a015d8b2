/**
 * Subscribes to a desktop API topic for as long as the calling component is mounted, and
 * re-subscribes when the parameters change. The error of a failed subscription is kept in
 * `error` for the view to show.
 */
import { onBeforeUnmount, ref, watch, type Ref, type WatchSource } from 'vue'
import type { TopicName, TopicParams, TopicUpdate } from '../../../shared/desktop-api'
import { useDesktopApi } from '../api/desktop-api'

export function useSubscription<T extends TopicName>(
  topic: T,
  params: WatchSource<TopicParams<T> | null>,
  onUpdate: (update: TopicUpdate<T>) => void
): { error: Ref<string | null> } {
  const api = useDesktopApi()
  const error = ref<string | null>(null)
  let unsubscribe: (() => void) | undefined

  watch(
    params,
    (next) => {
      unsubscribe?.()
      unsubscribe = undefined
      error.value = null
      if (next === null) return
      unsubscribe = api.subscribe(topic, next, onUpdate, (message) => (error.value = message))
    },
    { immediate: true, deep: true }
  )
  onBeforeUnmount(() => unsubscribe?.())
  return { error }
}
