import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startUiServer, type UiServer } from '../../src/main/desktop/ui-server'
import { createHttpDesktopApi } from '../../src/renderer/src/api/http-desktop-api'
import type { ClusterStatus } from '../../src/shared/status'

// Browser mode's transport against a real UI server on 127.0.0.1 (Bearer token instead of the
// browser's cookie, which Node's fetch does not keep).
describe('HTTP DesktopApi transport', () => {
  let server: UiServer
  let baseUrl: string
  let token: string
  let revision = 1

  beforeAll(async () => {
    server = await startUiServer({
      rendererDir: __dirname,
      getStatus: async () => ({
        version: '0.1.0',
        pid: 7,
        dataDir: '/tmp/kd',
        startedAt: new Date(0).toISOString(),
        store: { backend: 'memory', revision: revision++, compactRevision: 0 },
        components: []
      })
    })
    const url = new URL(server.url)
    baseUrl = url.origin
    token = url.searchParams.get('token') ?? ''
  })

  afterAll(() => server?.close())

  it('reads the status', async () => {
    const api = createHttpDesktopApi({ baseUrl, token })
    const status = await api.getStatus()
    expect(status.pid).toBe(7)
    expect(status.store.backend).toBe('memory')
  })

  it("rethrows the server's readable error without a valid token", async () => {
    const api = createHttpDesktopApi({ baseUrl, token: 'wrong' })
    await expect(api.getStatus()).rejects.toThrow(/Unauthorized.*kubedesk up --ui/)
  })

  it('says the API is unreachable when nothing listens', async () => {
    const gone = await startUiServer({
      rendererDir: __dirname,
      getStatus: async () => ({}) as ClusterStatus
    })
    const goneUrl = new URL(gone.url).origin
    await gone.close()
    const api = createHttpDesktopApi({ baseUrl: goneUrl, token })
    await expect(api.getStatus()).rejects.toThrow(/Cannot reach the KubeDesk API/)
  })

  it('polls for status until unsubscribed', async () => {
    const api = createHttpDesktopApi({ baseUrl, token, pollIntervalMs: 20 })
    const seen: number[] = []
    const unsubscribe = await new Promise<() => void>((resolve) => {
      const stop = api.onStatus((status) => {
        seen.push(status.store.revision)
        if (seen.length === 2) resolve(stop)
      })
    })
    unsubscribe()
    const count = seen.length
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen.length).toBe(count)
    expect(seen[1]).toBeGreaterThan(seen[0])
  })
})
