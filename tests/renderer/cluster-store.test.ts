import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp } from 'vue'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import { STALE_AFTER_MS, useClusterStore } from '../../src/renderer/src/stores/cluster'
import type { DesktopCalls } from '../../src/shared/desktop-api'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'

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

/** Installs a fresh Pinia in an app that provides a fake API, as main.ts does. */
function storeWith(handlers: Partial<DesktopCalls>): {
  store: ReturnType<typeof useClusterStore>
  fake: FakeDesktopApi
} {
  const fake = createFakeDesktopApi(handlers)
  const app = createApp({})
  const pinia = createPinia()
  app.use(pinia).provide(desktopApiKey, fake.api)
  setActivePinia(pinia)
  return { store: useClusterStore(), fake }
}

describe('useClusterStore', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('loads the status, follows the status topic, and unsubscribes when stopped', async () => {
    const { store, fake } = storeWith({ getStatus: async () => clusterStatus(1) })
    expect(store.connecting).toBe(true)
    store.start()
    await vi.waitFor(() => expect(store.status?.store.revision).toBe(1))
    expect(store.connecting).toBe(false)

    fake.emit('status', clusterStatus(2))
    expect(store.status?.store.revision).toBe(2)

    store.stop()
    expect(fake.subscriptions.filter((s) => s.topic === 'status')).toHaveLength(0)
    fake.emit('status', clusterStatus(3))
    expect(store.status?.store.revision).toBe(2)
  })

  it('notices when pushes stop, reports the error, and recovers', async () => {
    let reachable = true
    let revision = 1
    const { store } = storeWith({
      getStatus: async () => {
        if (!reachable) throw new Error('connection refused')
        return clusterStatus(revision)
      }
    })
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

  it('shows a failed subscription as the error and subscribes again once stale', async () => {
    const { store, fake } = storeWith({
      getStatus: async () => {
        throw new Error('The cluster is starting (API server); try again in a moment')
      }
    })
    store.start()
    fake.fail('status', 'host went away')
    expect(store.error).toBe('host went away')
    expect(fake.subscriptions.filter((s) => s.topic === 'status')).toHaveLength(0)

    await vi.advanceTimersByTimeAsync(STALE_AFTER_MS + 1000)
    expect(fake.subscriptions.filter((s) => s.topic === 'status')).toHaveLength(1)
    fake.emit('status', clusterStatus(9))
    expect(store.error).toBeNull()
    expect(store.status?.store.revision).toBe(9)
    store.stop()
  })

  it('counts uptime up between pushes', async () => {
    const { store } = storeWith({ getStatus: async () => clusterStatus(1) })
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    await vi.advanceTimersByTimeAsync(5000)
    expect(store.uptimeMs).toBeGreaterThanOrEqual(5000)
    store.stop()
  })
})
