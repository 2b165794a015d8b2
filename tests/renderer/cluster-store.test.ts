import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp } from 'vue'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import { STALE_AFTER_MS, useClusterStore } from '../../src/renderer/src/stores/cluster'
import type { DesktopApi } from '../../src/shared/desktop-api'
import type { ClusterStatus } from '../../src/shared/status'

function clusterStatus(revision: number): ClusterStatus {
  return {
    version: '0.1.0',
    pid: 1,
    dataDir: '/tmp/kd',
    startedAt: new Date(Date.now()).toISOString(),
    store: { backend: 'memory', revision, compactRevision: 0 },
    components: []
  }
}

/** Installs a fresh Pinia in an app that provides `api`, as main.ts does. */
function storeWith(api: DesktopApi) {
  const app = createApp({})
  const pinia = createPinia()
  app.use(pinia).provide(desktopApiKey, api)
  setActivePinia(pinia)
  return useClusterStore()
}

describe('useClusterStore', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('loads the status through the DesktopApi and follows pushes until stopped', async () => {
    let push: ((s: ClusterStatus) => void) | undefined
    const unsubscribe = vi.fn()
    const store = storeWith({
      getStatus: async () => clusterStatus(1),
      onStatus(listener) {
        push = listener
        return unsubscribe
      }
    })
    expect(store.connecting).toBe(true)
    store.start()
    await vi.waitFor(() => expect(store.status?.store.revision).toBe(1))
    expect(store.connecting).toBe(false)

    push?.(clusterStatus(2))
    expect(store.status?.store.revision).toBe(2)

    store.stop()
    expect(unsubscribe).toHaveBeenCalledOnce()
  })

  it('notices when pushes stop, reports the error, and recovers', async () => {
    let reachable = true
    let revision = 1
    const getStatus = vi.fn(async () => {
      if (!reachable) throw new Error('connection refused')
      return clusterStatus(revision)
    })
    const store = storeWith({ getStatus, onStatus: () => () => {} })
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())

    reachable = false
    await vi.advanceTimersByTimeAsync(STALE_AFTER_MS + 1000)
    expect(store.error).toBe('connection refused')
    // The last known status stays visible under the error.
    expect(store.status?.store.revision).toBe(1)

    reachable = true
    revision = 5
    await vi.advanceTimersByTimeAsync(STALE_AFTER_MS + 1000)
    expect(store.error).toBeNull()
    expect(store.status?.store.revision).toBe(5)
    store.stop()
  })

  it('counts uptime up between pushes', async () => {
    const store = storeWith({ getStatus: async () => clusterStatus(1), onStatus: () => () => {} })
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    await vi.advanceTimersByTimeAsync(5000)
    expect(store.uptimeMs).toBeGreaterThanOrEqual(5000)
    store.stop()
  })
})
