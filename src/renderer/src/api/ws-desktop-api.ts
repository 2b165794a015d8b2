/**
 * The desktop API over a WebSocket, for browser mode (`kubedesk up --ui`): the wire client
 * (shared/wire-client.ts) on `ws(s)://<this host>/api/socket`. The browser authenticates with
 * the session cookie the token link set. A lost connection is retried with back-off; live
 * subscriptions are sent again on reconnect and calls made meanwhile reject with a readable
 * message.
 */
import type { DesktopApi } from '../../../shared/desktop-api'
import { errorMessage, WS_WIRE_PATH, type HostMessage } from '../../../shared/desktop-wire'
import { createWireClient } from '../../../shared/wire-client'

/** The part of the browser's WebSocket the client uses (the `ws` package has it too). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
}

/** Where and how to connect. */
export interface WsDesktopApiOptions {
  /** Default: `ws(s)://<location.host>/api/socket`. */
  url?: string
  /** Opens a socket (tests pass the `ws` package with a Bearer header). Default: `WebSocket`. */
  connect?: (url: string) => WebSocketLike
  /** First retry delay; doubles up to `maxRetryMs`. */
  minRetryMs?: number
  maxRetryMs?: number
}

/** A DesktopApi with a way to stop reconnecting (the page never needs it; tests do). */
export interface WsDesktopApi extends DesktopApi {
  close(): void
}

const OPEN = 1

/** Connects at once and keeps connected until `close()`. */
export function createWsDesktopApi(opts: WsDesktopApiOptions = {}): WsDesktopApi {
  const url = opts.url ?? defaultSocketUrl()
  const connect = opts.connect ?? ((target: string) => new WebSocket(target) as WebSocketLike)
  const minRetry = opts.minRetryMs ?? 250
  const maxRetry = opts.maxRetryMs ?? 5000
  let socket: WebSocketLike | undefined
  let retryMs = minRetry
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  /** Until the first attempt settles, calls wait instead of failing. */
  let firstAttempt = true
  let deliver: (message: HostMessage) => void = () => undefined
  let connectionChanged: (connected: boolean, reason?: string) => void = () => undefined

  const open = (): void => {
    retryTimer = undefined
    if (closed) return
    let ws: WebSocketLike
    try {
      ws = connect(url)
    } catch (err) {
      scheduleRetry(`cannot open ${url}: ${errorMessage(err)}`)
      return
    }
    socket = ws
    let opened = false
    ws.onopen = () => {
      opened = true
      firstAttempt = false
      retryMs = minRetry
      connectionChanged(true)
    }
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return
      let message: HostMessage
      try {
        message = JSON.parse(event.data) as HostMessage
      } catch {
        return
      }
      deliver(message)
    }
    ws.onerror = () => undefined
    ws.onclose = (event) => {
      if (socket === ws) socket = undefined
      const why = opened
        ? `the connection to KubeDesk was lost${event.reason ? ` (${event.reason})` : ''}; reconnecting…`
        : 'cannot reach KubeDesk — is `kubedesk up --ui` still running? Retrying…'
      scheduleRetry(why)
    }
  }

  const scheduleRetry = (why: string): void => {
    if (closed) return
    firstAttempt = false
    connectionChanged(false, why)
    retryTimer = setTimeout(open, retryMs)
    retryMs = Math.min(retryMs * 2, maxRetry)
  }

  const api = createWireClient({
    send: (message) => {
      if (!socket || socket.readyState !== OPEN) throw new Error('not connected')
      socket.send(JSON.stringify(message))
    },
    onMessage: (handler) => (deliver = handler),
    state: () => (socket?.readyState === OPEN ? 'open' : firstAttempt ? 'connecting' : 'closed'),
    onConnectionChange: (handler) => (connectionChanged = handler)
  })
  open()

  return {
    ...api,
    close() {
      closed = true
      clearTimeout(retryTimer)
      socket?.close(1000, 'page closed')
      socket = undefined
    }
  }
}

/** The page's own server: `ws://` for http pages, `wss://` for https ones. */
function defaultSocketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}${WS_WIRE_PATH}`
}
