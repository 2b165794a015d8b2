import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startUiServer, type UiServer } from '../../src/main/desktop/ui-server'
import { createUiSocket } from '../../src/main/desktop/ui-socket'
import type { HostMessage } from '../../src/shared/desktop-wire'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeHost, eventually, type FakeHost } from './fake-host'

const STATUS = { version: '0.1.0', pid: 4242, components: [] } as unknown as ClusterStatus

interface Opened {
  ws: WebSocket
  messages: HostMessage[]
  closed: Promise<{ code: number; reason: string }>
}

/** Opens a socket; resolves once open, or rejects with the HTTP status of a refused upgrade. */
function open(url: string, headers: Record<string, string>): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    const messages: HostMessage[] = []
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => done({ code, reason: reason.toString() }))
    )
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as HostMessage))
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => reject(Object.assign(new Error(body.trim()), { status: res.statusCode })))
    })
    ws.on('error', reject)
    ws.on('open', () => resolve({ ws, messages, closed }))
  })
}

async function refusal(url: string, headers: Record<string, string>): Promise<number> {
  try {
    const { ws } = await open(url, headers)
    ws.close()
    return 101
  } catch (err) {
    return (err as { status?: number }).status ?? -1
  }
}

describe('UI server WebSocket (/api/socket)', () => {
  let fake: FakeHost
  let server: UiServer
  let port: number
  let token: string
  let socketUrl: string
  let origin: string
  let cookie: string

  beforeAll(async () => {
    fake = createFakeHost({ getStatus: async () => STATUS })
    server = await startUiServer({ port: 0, rendererDir: tmpdir(), host: fake.host })
    const url = new URL(server.url)
    port = Number(url.port)
    token = url.searchParams.get('token') ?? ''
    socketUrl = `ws://127.0.0.1:${port}/api/socket`
    origin = `http://127.0.0.1:${port}`
    const link = await fetch(server.url, { redirect: 'manual' })
    cookie = (link.headers.get('set-cookie') ?? '').split(';')[0]
  })

  afterAll(() => server?.close())

  it('refuses the upgrade without the cookie or token (401)', async () => {
    expect(await refusal(socketUrl, { Origin: origin })).toBe(401)
    expect(
      await refusal(socketUrl, { Origin: origin, Cookie: `kubedesk_token_${port}=nope` })
    ).toBe(401)
    expect(await refusal(socketUrl, { Authorization: `Bearer ${'x'.repeat(token.length)}` })).toBe(
      401
    )
  })

  it('says why in the refusal', async () => {
    await expect(open(socketUrl, { Origin: origin })).rejects.toThrow(/kubedesk up --ui/)
  })

  it.each(['evil.example:PORT', 'localhost.evil.example:PORT', '127.0.0.1:1'])(
    'refuses Host %s (403), even with the token',
    async (host) => {
      const status = await refusal(socketUrl, {
        Host: host.replace('PORT', String(port)),
        Authorization: `Bearer ${token}`
      })
      expect(status).toBe(403)
    }
  )

  it.each(['http://evil.example', 'http://127.0.0.1:1', 'https://127.0.0.1:PORT', 'null'])(
    'refuses Origin %s (403), even with the cookie',
    async (bad) => {
      const status = await refusal(socketUrl, {
        Origin: bad.replace('PORT', String(port)),
        Cookie: cookie
      })
      expect(status).toBe(403)
    }
  )

  it('refuses a cookie-only upgrade without an Origin (not a browser page of ours)', async () => {
    expect(await refusal(socketUrl, { Cookie: cookie })).toBe(403)
  })

  it('answers 404 for another WebSocket path', async () => {
    expect(
      await refusal(`ws://127.0.0.1:${port}/api/other`, { Authorization: `Bearer ${token}` })
    ).toBe(404)
  })

  it.each([
    ['the session cookie (a browser)', () => ({ Origin: origin, Cookie: cookie })],
    ['a Bearer token (a script)', () => ({ Authorization: `Bearer ${token}` })],
    [
      'the localhost origin',
      () => ({ Origin: `http://localhost:${port}`, Host: `localhost:${port}`, Cookie: cookie })
    ]
  ])('runs calls and subscriptions with %s', async (_what, headers) => {
    const { ws, messages } = await open(socketUrl, headers())
    try {
      ws.send(JSON.stringify({ type: 'call', id: 1, method: 'getStatus' }))
      await eventually('the result', () => messages.length === 1)
      expect(messages[0]).toEqual({ type: 'result', id: 1, ok: true, value: STATUS })

      ws.send(JSON.stringify({ type: 'subscribe', id: 2, topic: 'status' }))
      await eventually('the subscription', () => fake.live.length === 1)
      fake.live[0].emit(STATUS)
      await eventually('the update', () => messages.length === 2)
      expect(messages[1]).toEqual({ type: 'update', id: 2, update: STATUS })

      ws.send(JSON.stringify({ type: 'unsubscribe', id: 2 }))
      await eventually('the host to be unsubscribed', () => fake.live.length === 0)
    } finally {
      ws.close()
    }
  })

  it('answers a bad call with an error and keeps the socket open', async () => {
    const { ws, messages } = await open(socketUrl, { Authorization: `Bearer ${token}` })
    try {
      ws.send(JSON.stringify({ type: 'call', id: 5, method: 'shutdown' }))
      await eventually('the error', () => messages.length === 1)
      expect(messages[0]).toEqual({
        type: 'result',
        id: 5,
        ok: false,
        error: 'unknown desktop API call: "shutdown"'
      })
      expect(ws.readyState).toBe(WebSocket.OPEN)
    } finally {
      ws.close()
    }
  })

  it.each([
    ['not JSON', 'this is not json', 1007],
    ['JSON without an id', '{"type":"call","method":"getStatus"}', 1008]
  ])('closes the socket on a frame that is %s, with a reason', async (_what, frame, code) => {
    const { ws, closed } = await open(socketUrl, { Authorization: `Bearer ${token}` })
    ws.send(frame)
    const { code: got, reason } = await closed
    expect(got).toBe(code)
    expect(reason.length).toBeGreaterThan(0)
  })

  it('closes the socket on a binary frame', async () => {
    const { ws, closed } = await open(socketUrl, { Authorization: `Bearer ${token}` })
    ws.send(Buffer.from([1, 2, 3]))
    expect((await closed).code).toBe(1003)
  })

  it('closes the socket on an oversized frame (1009) and keeps serving others', async () => {
    const { ws, closed } = await open(socketUrl, { Authorization: `Bearer ${token}` })
    ws.on('error', () => undefined)
    ws.send('x'.repeat(9 * 1024 * 1024))
    expect((await closed).code).toBe(1009)

    const again = await open(socketUrl, { Authorization: `Bearer ${token}` })
    again.ws.send(JSON.stringify({ type: 'call', id: 1, method: 'getStatus' }))
    await eventually('the result', () => again.messages.length === 1)
    again.ws.close()
  })

  it("ends a socket's subscriptions on the host when it closes", async () => {
    const { ws } = await open(socketUrl, { Authorization: `Bearer ${token}` })
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, topic: 'nodes' }))
    ws.send(JSON.stringify({ type: 'subscribe', id: 2, topic: 'pods', params: {} }))
    await eventually('two subscriptions', () => fake.live.length === 2)
    ws.terminate()
    await eventually('the host to be unsubscribed', () => fake.live.length === 0)
  })

  it('keeps GET /api/status working for scripts', async () => {
    const answer = await fetch(`http://127.0.0.1:${port}/api/status`, {
      headers: { Authorization: `Bearer ${token}` }
    })
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as ClusterStatus).pid).toBe(4242)
  })
})

describe('UI server WebSocket shutdown', () => {
  it('closes open sockets with 1001 when the server closes', async () => {
    const fake = createFakeHost()
    const server = await startUiServer({ port: 0, rendererDir: tmpdir(), host: fake.host })
    const url = new URL(server.url)
    const { ws, closed } = await open(`ws://127.0.0.1:${url.port}/api/socket`, {
      Authorization: `Bearer ${url.searchParams.get('token')}`
    })
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, topic: 'status' }))
    await eventually('the subscription', () => fake.live.length === 1)
    await server.close()
    expect((await closed).code).toBe(1001)
    expect(fake.live).toEqual([])
  })
})

describe('UI socket: a page that stops reading', () => {
  it('is disconnected (1013) once its backlog passes the bound, not buffered without end', async () => {
    const fake = createFakeHost()
    const http = createServer()
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const port = (http.address() as AddressInfo).port
    const socket = createUiSocket({
      host: fake.host,
      port: () => port,
      isAuthorized: () => true,
      hasBearer: () => true,
      maxBufferedBytes: 256 * 1024
    })
    http.on('upgrade', (req, raw, head) => socket.handleUpgrade(req, raw, head))
    try {
      const { ws, closed } = await open(`ws://127.0.0.1:${port}/api/socket`, {})
      ws.send(JSON.stringify({ type: 'subscribe', id: 1, topic: 'logs', params: {} }))
      await eventually('the subscription', () => fake.live.length === 1)
      // The page's tab hangs: nothing is read from the connection any more.
      const raw = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
      raw.pause()
      const line = { text: 'x'.repeat(64 * 1024) }
      for (let i = 0; i < 400 && fake.live.length > 0; i++) {
        fake.live[0]?.emit([line])
        await new Promise((resolve) => setImmediate(resolve))
      }
      raw.resume()
      expect((await closed).code).toBe(1013)
      await eventually('the host to be unsubscribed', () => fake.live.length === 0)
    } finally {
      socket.close()
      await new Promise((resolve) => http.close(resolve))
    }
  })
})
