import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { serveHost } from '../../src/main/desktop/serve-host'
import { startUiServer, type UiServer } from '../../src/main/desktop/ui-server'
import {
  createWsDesktopApi,
  type WebSocketLike,
  type WsDesktopApi
} from '../../src/renderer/src/api/ws-desktop-api'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeHost, eventually, type FakeHost } from '../desktop/fake-host'

const STATUS = { version: '0.1.0', pid: 7, components: [] } as unknown as ClusterStatus

/** The `ws` package as the browser's WebSocket, with a Bearer header (Node keeps no cookies). */
const withToken =
  (token: string) =>
  (url: string): WebSocketLike =>
    new WebSocket(url, {
      headers: { Authorization: `Bearer ${token}` }
    }) as unknown as WebSocketLike

// Browser mode's transport against a real UI server on 127.0.0.1.
describe('WebSocket DesktopApi transport', () => {
  let fake: FakeHost
  let server: UiServer
  let url: string
  let token: string
  const clients: WsDesktopApi[] = []
  const client = (t = token): WsDesktopApi => {
    const api = createWsDesktopApi({ url, connect: withToken(t), minRetryMs: 20, maxRetryMs: 100 })
    clients.push(api)
    return api
  }

  beforeAll(async () => {
    fake = createFakeHost({ getStatus: async () => STATUS })
    server = await startUiServer({ rendererDir: tmpdir(), host: fake.host })
    const printed = new URL(server.url)
    url = `ws://127.0.0.1:${printed.port}/api/socket`
    token = printed.searchParams.get('token') ?? ''
  })

  afterAll(async () => {
    for (const c of clients) c.close()
    await server?.close()
  })

  it('answers a call made at once, before the socket is open', async () => {
    await expect(client().getStatus()).resolves.toEqual(STATUS)
  })

  it("rejects with the host's readable error", async () => {
    await expect(client().listNamespaces()).rejects.toThrow(
      'fake host: no handler for listNamespaces'
    )
  })

  it('delivers subscription updates and unsubscribes on the host', async () => {
    const api = client()
    const seen: ClusterStatus[] = []
    const stop = api.subscribe('status', {}, (s) => seen.push(s))
    await eventually('the host subscription', () => fake.live.length === 1)
    fake.live[0].emit(STATUS)
    await eventually('the update', () => seen.length === 1)
    stop()
    await eventually('the host to be unsubscribed', () => fake.live.length === 0)
  })

  it('says the server cannot be reached when the token is refused', async () => {
    await expect(client('wrong').getStatus()).rejects.toThrow(/cannot reach KubeDesk/)
  })
})

describe('WebSocket DesktopApi reconnect', () => {
  it('rejects calls while away, reconnects with back-off and subscribes again', async () => {
    const fake = createFakeHost({ getStatus: async () => STATUS })
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise((resolve) => wss.once('listening', resolve))
    const port = (wss.address() as AddressInfo).port
    let connections = 0
    wss.on('connection', (ws) => {
      connections++
      const connection = serveHost(fake.host, (m) => ws.send(JSON.stringify(m)))
      ws.on('message', (data) => connection.receive(JSON.parse(data.toString())))
      ws.on('close', () => connection.close())
    })
    const api = createWsDesktopApi({
      url: `ws://127.0.0.1:${port}/api/socket`,
      connect: (u) => new WebSocket(u) as unknown as WebSocketLike,
      minRetryMs: 20,
      maxRetryMs: 50
    })
    try {
      const seen: unknown[] = []
      api.subscribe('nodes', {}, (u) => seen.push(u))
      await eventually('the first subscription', () => fake.live.length === 1)

      // The server drops every connection and refuses new ones for a moment.
      const refused: string[] = []
      wss.removeAllListeners('connection')
      wss.on('connection', (ws) => ws.terminate())
      for (const ws of wss.clients) ws.terminate()
      await eventually('the host to be unsubscribed', () => fake.live.length === 0)
      await api.getStatus().catch((err: Error) => refused.push(err.message))
      expect(refused[0]).toMatch(
        /(Cannot getStatus|getStatus did not finish): .*(lost|cannot reach)/
      )

      // Back: the live subscription is sent again and gets the host's fresh reset.
      wss.removeAllListeners('connection')
      wss.on('connection', (ws) => {
        connections++
        const connection = serveHost(fake.host, (m) => ws.send(JSON.stringify(m)))
        ws.on('message', (data) => connection.receive(JSON.parse(data.toString())))
        ws.on('close', () => connection.close())
      })
      await eventually('the subscription again', () => fake.live.length === 1)
      expect(connections).toBe(2)
      fake.live[0].emit({ reset: true, items: [] })
      await eventually('the reset', () => seen.length === 1)
      await expect(api.getStatus()).resolves.toEqual(STATUS)
    } finally {
      api.close()
      await new Promise((resolve) => wss.close(resolve))
    }
  })

  it('fails calls readably while nothing listens', async () => {
    const probe = createNetServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const api = createWsDesktopApi({
      url: `ws://127.0.0.1:${port}/api/socket`,
      connect: (u) => new WebSocket(u) as unknown as WebSocketLike,
      minRetryMs: 20
    })
    try {
      await expect(api.getStatus()).rejects.toThrow(
        'Cannot getStatus: cannot reach KubeDesk — is `kubedesk up --ui` still running? Retrying…'
      )
    } finally {
      api.close()
    }
  })
})
