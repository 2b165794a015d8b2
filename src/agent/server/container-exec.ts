/**
 * `/exec/{namespace}/{pod}/{container}?command=…&input=1&output=1&error=1&tty=1`: the kubelet's
 * exec endpoint, what kube-apiserver's `pods/exec` proxies to. Everything that can be checked is
 * checked before the WebSocket upgrade and refused as plain text with its status (bad query 400,
 * no such running container 404, a protocol other than v5/v4.channel.k8s.io 400), so the API
 * server can turn it into a Status. After the upgrade the command runs through the runtime; its
 * streams travel on the remote command channels and the session ends with the command's Status
 * on the error channel, then a normal close. A client that goes away ends the command.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { AgentLog } from '../log'
import type { ContainerRuntime, ExecSession, TerminalSize } from '../runtime/types'
import { findLogContainer } from './container-logs'
import { boolQuery, HttpError } from './http-util'
import {
  CHANNEL,
  decodeFrame,
  encodeFrame,
  exitStatus,
  failureStatus,
  negotiateProtocol,
  ResizeDecoder,
  supportsClose,
  type Frame
} from './remote-command'

/** How long a terminal session waits for the client's first size before starting the command. */
const FIRST_SIZE_WAIT_MS = 1000

/** An exec request as the kubelet receives it (kubelet's remotecommand Options). */
export interface ContainerExecRequest {
  namespace: string
  pod: string
  container: string
  command: string[]
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

/** What the endpoint needs from the kubelet server. */
export interface ContainerExecDeps {
  runtime: ContainerRuntime
  /** The bearer-token check of every kubelet request. */
  authorized(header: string | undefined): boolean
  log: AgentLog
}

/** Decodes `/exec/...` and its query; 404 for other paths, 400 for a bad query. */
export function parseExecRequest(url: URL): ContainerExecRequest {
  const segments = url.pathname.split('/').filter(Boolean)
  if (segments[0] !== 'exec' || segments.length !== 4)
    throw new HttpError(404, '404 page not found')
  const [namespace, pod, container] = segments.slice(1).map((s) => {
    try {
      return decodeURIComponent(s)
    } catch {
      throw new HttpError(400, `malformed path segment: ${s}`)
    }
  })
  const q = url.searchParams
  const command = q.getAll('command')
  if (command.length === 0 || !command[0]) {
    throw new HttpError(400, 'you must specify at least one command for the container')
  }
  const tty = boolQuery(q, 'tty') ?? false
  const stdin = boolQuery(q, 'input') ?? false
  const stdout = boolQuery(q, 'output') ?? false
  // As kubelet: a terminal carries stderr inside stdout, so a separate stderr is dropped.
  const stderr = !tty && (boolQuery(q, 'error') ?? false)
  if (!stdin && !stdout && !(boolQuery(q, 'error') ?? false)) {
    throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr')
  }
  return { namespace, pod, container, command, stdin, stdout, stderr, tty }
}

/** Answers an upgrade request with a plain-text error, as kubelet does, and closes. */
function refuse(socket: Duplex, err: unknown): void {
  const status = err instanceof HttpError ? err.status : 500
  const body = (err instanceof Error ? err.message : String(err)) + '\n'
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body
  )
}

/** Creates the handler of the kubelet server's `upgrade` event. */
export function createExecUpgradeHandler(
  deps: ContainerExecDeps
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => negotiateProtocol([...offered].join(',')) ?? false
  })
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy())
    accept(deps, wss, req, socket, head).catch((err: unknown) => {
      if (!(err instanceof HttpError) || err.status >= 500) {
        deps.log.warn('kubelet exec request failed', { path: req.url, err: String(err) })
      }
      refuse(socket, err)
    })
  }
}

async function accept(
  deps: ContainerExecDeps,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer
): Promise<void> {
  if (!deps.authorized(req.headers.authorization)) throw new HttpError(401, 'Unauthorized')
  const url = new URL(req.url ?? '/', 'https://kubelet')
  const request = parseExecRequest(url)
  if (req.method !== 'GET' && req.method !== 'POST') {
    throw new HttpError(405, `method ${req.method} not allowed`)
  }
  const target = await findLogContainer(
    deps.runtime,
    request.namespace,
    request.pod,
    request.container,
    false
  )
  if (target.state !== 'running') {
    throw new HttpError(
      404,
      `container "${request.container}" in pod "${request.pod}" is not running (${target.state})`
    )
  }
  const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket'
  const protocol = negotiateProtocol(req.headers['sec-websocket-protocol'])
  if (!websocket || !protocol) {
    throw new HttpError(
      400,
      'unable to upgrade: the kubelet streams exec only over WebSocket with subprotocol ' +
        'v5.channel.k8s.io or v4.channel.k8s.io'
    )
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    runSession(deps, ws, target.id, request, protocol).catch((err: unknown) => {
      deps.log.warn('exec session failed', { container: target.id, err: String(err) })
      ws.terminate()
    })
  })
}

function bufferOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

/** Runs the command for one upgraded connection, until it exits or the client goes away. */
async function runSession(
  deps: ContainerExecDeps,
  ws: WebSocket,
  containerId: string,
  request: ContainerExecRequest,
  protocol: string
): Promise<void> {
  const resizes = new ResizeDecoder()
  let session: ExecSession | undefined
  let gone = false
  const early: Frame[] = []
  let firstSize: ((size: TerminalSize) => void) | undefined
  const sizeKnown = new Promise<TerminalSize | undefined>((resolve) => {
    firstSize = resolve
    if (!request.tty) resolve(undefined)
    else setTimeout(() => resolve(undefined), FIRST_SIZE_WAIT_MS).unref()
  })

  const handle = (frame: Frame, s: ExecSession): void => {
    if (frame.channel === CHANNEL.stdin) {
      if (s.stdin && !(s.stdin as { writableEnded?: boolean }).writableEnded)
        s.stdin.write(frame.data)
    } else if (frame.channel === CHANNEL.resize) {
      for (const size of resizes.push(frame.data)) s.resize(size).catch(() => undefined)
    } else if (frame.channel === CHANNEL.close && supportsClose(protocol)) {
      if (frame.data[0] === CHANNEL.stdin) s.stdin?.end()
    }
  }
  ws.on('message', (data) => {
    const frame = decodeFrame(bufferOf(data))
    if (!frame) return
    if (session) return handle(frame, session)
    if (frame.channel === CHANNEL.resize && request.tty) {
      // Held for the command's start: the first size becomes the terminal's initial size.
      const sizes = resizes.push(frame.data)
      if (sizes[0]) firstSize?.(sizes[0])
      for (const size of sizes.slice(1))
        early.push({ channel: CHANNEL.resize, data: sizeJson(size) })
      return
    }
    early.push(frame)
  })
  ws.on('close', () => {
    gone = true
    session?.close()
  })
  ws.on('error', () => ws.terminate())

  const size = await sizeKnown
  const who = { pod: `${request.namespace}/${request.pod}`, container: request.container }
  deps.log.info('exec', { ...who, command: request.command.join(' '), tty: request.tty })
  try {
    session = await deps.runtime.exec(containerId, request.command, {
      stdin: request.stdin,
      tty: request.tty,
      ...(size ? { size } : {})
    })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    deps.log.warn('exec failed to start', { ...who, err: message })
    finish(ws, failureStatus(message))
    return
  }
  if (gone) {
    session.close()
    return
  }
  for (const frame of early.splice(0)) handle(frame, session)
  if (!request.stdin) session.stdin?.end()

  const outputs = [
    forward(ws, session.stdout, request.stdout ? CHANNEL.stdout : undefined),
    ...(session.stderr
      ? [forward(ws, session.stderr, request.stderr ? CHANNEL.stderr : undefined)]
      : [])
  ]
  const [exitCode] = await Promise.all([session.exitCode, ...outputs])
  deps.log.info('exec finished', { ...who, exitCode })
  finish(ws, exitStatus(exitCode, request.command))
}

function sizeJson(size: TerminalSize): Buffer {
  return Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))
}

/** Sends `stream` on `channel` (or drains it when the client did not ask for it) until it ends. */
function forward(ws: WebSocket, stream: Readable, channel: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      if (channel === undefined || ws.readyState !== ws.OPEN) return
      // One message in flight per stream keeps a fast command from filling the kubelet's memory.
      stream.pause()
      ws.send(encodeFrame(channel, chunk), () => stream.resume())
    })
    stream.once('end', () => resolve())
    stream.once('close', () => resolve())
    stream.once('error', () => resolve())
  })
}

/** Writes the final Status on the error channel and closes normally. */
function finish(ws: WebSocket, status: Record<string, unknown>): void {
  if (ws.readyState !== ws.OPEN) return
  ws.send(encodeFrame(CHANNEL.error, JSON.stringify(status)), () => ws.close(1000))
}
