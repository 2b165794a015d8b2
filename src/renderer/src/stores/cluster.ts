/**
 * The cluster store: the latest ClusterStatus, kept live through the DesktopApi's `status`
 * topic, and whether the API can be reached. Components read it; only this store talks to the
 * DesktopApi for the status.
 */
import { errorMessage } from '../../../shared/desktop-wire'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { STATUS_PUSH_INTERVAL_MS, type Unsubscribe } from '../../../shared/desktop-api'
import type { ClusterStatus } from '../../../shared/status'
import { useDesktopApi } from '../api/desktop-api'

/**
 * With no status for this long, the store asks for one itself (which surfaces any error) and
 * subscribes again if the subscription ended.
 */
export const STALE_AFTER_MS = 3 * STATUS_PUSH_INTERVAL_MS

/** Live status of the KubeDesk instance this renderer belongs to. */
export const useClusterStore = defineStore('cluster', () => {
  const api = useDesktopApi()

  const status = ref<ClusterStatus | null>(null)
  /** A readable reason the API is unreachable, or null while it answers. */
  const error = ref<string | null>(null)
  const lastUpdatedAt = ref<number | null>(null)
  /** Ticks every second so uptime counts up between pushes. */
  const now = ref(Date.now())

  const uptimeMs = computed(() => {
    if (!status.value) return null
    const started = Date.parse(status.value.startedAt)
    return Number.isNaN(started) ? null : Math.max(0, now.value - started)
  })
  const connecting = computed(() => status.value === null && error.value === null)

  let unsubscribe: Unsubscribe | undefined
  let started = false
  let ticker: ReturnType<typeof setInterval> | undefined
  let lastAttemptAt = 0
  let refreshing = false

  function apply(next: ClusterStatus): void {
    status.value = next
    error.value = null
    lastUpdatedAt.value = Date.now()
  }

  function subscribe(): void {
    unsubscribe?.()
    unsubscribe = undefined
    // The host may end the subscription before `subscribe` even returned.
    const sub: { stop?: Unsubscribe; ended: boolean } = { ended: false }
    const onError = (message: string): void => {
      // The subscription is over; the ticker subscribes again once the status is stale.
      error.value = message
      sub.ended = true
      if (unsubscribe === sub.stop) unsubscribe = undefined
      sub.stop?.()
    }
    sub.stop = api.subscribe('status', {}, apply, onError)
    if (!sub.ended) unsubscribe = sub.stop
  }

  /** Asks for the status now; on failure keeps the last status and sets `error`. */
  async function refresh(): Promise<void> {
    if (refreshing) return
    refreshing = true
    lastAttemptAt = Date.now()
    try {
      apply(await api.getStatus())
    } catch (err) {
      error.value = errorMessage(err)
    } finally {
      refreshing = false
    }
  }

  /** Loads the status and follows updates until `stop()`. Calling it twice is harmless. */
  function start(): void {
    if (started) return
    started = true
    subscribe()
    void refresh()
    ticker = setInterval(() => {
      now.value = Date.now()
      const lastHeard = Math.max(lastUpdatedAt.value ?? 0, lastAttemptAt)
      if (now.value - lastHeard < STALE_AFTER_MS) return
      if (!unsubscribe) subscribe()
      void refresh()
    }, 1000)
  }

  /** Stops following updates. */
  function stop(): void {
    started = false
    unsubscribe?.()
    unsubscribe = undefined
    clearInterval(ticker)
    ticker = undefined
  }

  return { status, error, lastUpdatedAt, uptimeMs, connecting, refresh, start, stop }
})
