/**
 * Browser mode's desktop API transport: a WebSocket endpoint (`/api/socket`) on the UI server.
 * The upgrade is refused unless the Host names this loopback server, the Origin (when a browser
 * sends one) is this server's own, and the request carries the session cookie or the Bearer
 * token. Each socket is one wire connection (serve-host.ts); frames are bounded, dead peers are
 * found by ping/pong, and a client that stops reading is disconnected before its backlog grows
 * without bound (it reconnects and gets fresh resets).
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import type { DesktopHostApi } from '../../shared/desktop-api'
import { WS_WIRE_PATH } from '../../shared/desktop-wire'
import { isAllowedHost } from './security'
import { serveHost } from './serve-host'

/** Largest frame a client may send (a big multi-document YAML fits; a flood does not). */
export const MAX_CLIENT_FRAME_BYTES = 8 * 1024 * 1024
/** How often idle sockets are pinged; a socket that missed one pong is dropped. */
export const PING_INTERVAL_MS = 30_000
/** Unsent bytes after which a client counts as not reading and is disconnected. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024

/** Close codes (RFC 6455). */
const CLOSE_GOING_AWAY = 1001
const CLOSE_UNSUPPORTED = 1003
const CLOSE_INVALID_DATA = 1007
const CLOSE_POLICY = 1008
const CLOSE_TRY_AGAIN_LATER = 1013

/** What the endpoint needs from the UI server. */
export interface UiSocketOptions {
  host: DesktopHostApi
  /** The server's bound port (known after listen). */
  port: () => number
  /** Whether the request carries the session cookie or the Bearer token. */
  isAuthorized: (req: IncomingMessage) => boolean
  /** Whether the request authenticated with `Authorization: Bearer` (scripts, no Origin). */
  hasBearer: (req: IncomingMessage) => boolean
  maxPayload?: number
  pingIntervalMs?: number
  maxBufferedBytes?: number
}

/** The endpoint, to be fed the HTTP server's `upgrade` events. */
export interface UiSocket {
  /** Handles one upgrade request (any path; only `/api/socket` is accepted). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every socket (1001) and stops the keep-alive timer. */
  close(): void
  /** Open sockets. */
  readonly clientCount: number
}

/** Creates the endpoint; nothing listens by itself. */
export function createUiSocket(opts: UiSocketOptions): UiSocket {
  const maxBuffered = opts.maxBufferedBytes ?? MAX_BUFFERED_BYTES
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? MAX_CLIENT_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: true
  })
  const alive = new WeakMap<WebSocket, boolean>()

  const keepAlive = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      ws.ping()
    }
  }, opts.pingIntervalMs ?? PING_INTERVAL_MS)
  keepAlive.unref()

  const accept = (ws: WebSocket): void => {
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    const connection = serveHost(
      opts.host,
      (message) => {
        if (ws.readyState !== WebSocket.OPEN) return
        if (ws.bufferedAmount > maxBuffered) {
          // Dropping updates would leave its lists wrong; a reconnect resets them.
          ws.close(CLOSE_TRY_AGAIN_LATER, 'the page is not keeping up; reconnecting')
          return
        }
        ws.send(JSON.stringify(message))
      },
      { onBadMessage: (error) => ws.close(CLOSE_POLICY, truncateReason(error)) }
    )
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(CLOSE_UNSUPPORTED, 'desktop API messages are JSON text frames')
        return
      }
      let message: unknown
      try {
        message = JSON.parse(rawText(data))
      } catch {
        ws.close(CLOSE_INVALID_DATA, 'a desktop API message must be JSON')
        return
      }
      connection.receive(message)
    })
    // ws reports oversize frames and protocol errors here, then closes the socket itself.
    ws.on('error', () => undefined)
    ws.on('close', () => connection.close())
  }

  return {
    handleUpgrade(req, socket, head) {
      // An error on the raw socket before the upgrade completes must not become an uncaught one.
      socket.on('error', () => socket.destroy())
      const refusal = refusalOf(req, opts)
      if (refusal) {
        refuse(socket, refusal.status, refusal.message)
        return
      }
      wss.handleUpgrade(req, socket, head, accept)
    },
    close() {
      clearInterval(keepAlive)
      for (const ws of wss.clients) ws.close(CLOSE_GOING_AWAY, 'KubeDesk is stopping')
      // Peers that do not answer the close handshake are not waited for.
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    },
    get clientCount() {
      return wss.clients.size
    }
  }
}

/** Why an upgrade is refused, or undefined when it may proceed. */
function refusalOf(
  req: IncomingMessage,
  opts: UiSocketOptions
): { status: number; message: string } | undefined {
  const target = req.url ?? '/'
  const path = target.split('?')[0]
  const port = opts.port()
  if (!isAllowedHost(req.headers.host, port)) {
    return {
      status: 403,
      message: `Host "${req.headers.host ?? ''}" is not allowed; open http://127.0.0.1:${port}/`
    }
  }
  if (path !== WS_WIRE_PATH) return { status: 404, message: `No WebSocket endpoint at ${path}` }
  const origin = req.headers.origin
  if (origin === undefined) {
    // Browsers always send an Origin; only a script holding the token may go without.
    if (!opts.hasBearer(req)) {
      return { status: 403, message: 'A browser WebSocket must come from the KubeDesk page' }
    }
  } else if (!isOwnOrigin(origin, port)) {
    return { status: 403, message: `Origin "${origin}" is not allowed` }
  }
  if (!opts.isAuthorized(req)) {
    return {
      status: 401,
      message: 'Unauthorized: open the URL printed by `kubedesk up --ui` (it carries the token)'
    }
  }
  return undefined
}

/** The page's own origins: what a browser on this server's URL sends. */
function isOwnOrigin(origin: string, port: number): boolean {
  const own = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]
  return own.includes(origin.toLowerCase())
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found'
}

/** Answers the upgrade request with a plain HTTP error and drops the connection. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = message + '\n'
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body
  )
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** Close reasons are limited to 123 bytes. */
function truncateReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason
  let out = reason
  while (Buffer.byteLength(out + '…') > 123) out = out.slice(0, -1)
  return out + '…'
}
