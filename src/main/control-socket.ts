/**
 * The control socket: how `kubedesk status` and `kubedesk down` reach a running instance.
 *
 * An HTTP server on the Unix socket `<data-dir>/kubedesk.sock` (mode 0600, so only the owner
 * can stop the cluster):
 *   GET  /status       → 200, ClusterStatus JSON
 *   POST /shutdown     → 202, then the instance stops
 *   POST /nodes/ACTION → 200 `{ message }` once a node was added, stopped, started, removed or
 *                        failed (a simulated crash);
 *                        400/404/409 `{ error, hint }` when it could not be
 *   GET /logs, PUT /logs/COMPONENT/verbosity → component logs (observe/log-control.ts)
 *   POST /services/open → a loopback port for a Service (`kubedesk open`; proxy/open-control.ts)
 *   POST /components/NAME/fail → 200 `{ message }`: the component fails as if it crashed and is
 *                        restarted (`kubedesk component fail`); 400/404 `{ error }` when it cannot
 * The client half, used by the CLI, is here too so both sides change together.
 */
import { chmodSync, rmSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { ClusterStatus } from '../shared/status'
import { handleLogsRequest, type LogControl } from './observe/log-control'
import { handleOpenRequest, type OpenServiceHandler } from './proxy/open-control'

/** Unix socket paths are short (sun_path): 108 bytes on Linux, 104 on macOS, with the NUL. */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103

/** The socket path is longer than the OS allows. */
export class SocketPathTooLongError extends Error {
  readonly hint = 'Choose a shorter --data-dir (or $KUBEDESK_HOME).'
  constructor(readonly path: string) {
    super(
      `the control socket path ${path} is ${Buffer.byteLength(path)} bytes long; ` +
        `Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}`
    )
    this.name = 'SocketPathTooLongError'
  }
}

/** Fails with SocketPathTooLongError when `path` cannot be a Unix socket. */
export function checkSocketPath(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) throw new SocketPathTooLongError(path)
}

/** What the server answers with. */
export interface ControlSocketHandlers {
  getStatus: () => Promise<ClusterStatus>
  /** Called after the 202 was sent; the server does not wait for it. */
  onShutdown: () => void
  /** `kubedesk node ACTION NAME`; rejects with a NodeActionError for a readable failure. */
  onNodeAction?: (request: NodeActionRequest) => Promise<{ message: string }>
  /** GET /logs, PUT /logs/COMPONENT/verbosity (observe/log-control.ts). */
  logs?: LogControl
  /** POST /services/open: `kubedesk open svc/NAME` (proxy/open-control.ts). */
  onOpenService?: OpenServiceHandler
  /** `kubedesk component fail NAME`; throws a NodeActionError-like error for a refusal. */
  onComponentFail?: (name: string) => { message: string }
}

/** A node action asked through the socket (`kubedesk node add|stop|start|rm|fail`). */
export interface NodeActionRequest {
  /** `fail`: a crash (kubelet and pod containers killed at once); `start` brings it back. */
  action: 'add' | 'stop' | 'start' | 'rm' | 'fail'
  name: string
  /** add only: CPU cores and memory in bytes; defaults apply when absent. */
  cpu?: number
  memoryBytes?: number
}

/** A node action that could not be done; `code` is the HTTP status the socket answers with. */
export class NodeActionError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 404 | 409 | 500 | 503 = 400,
    readonly hint?: string
  ) {
    super(message)
    this.name = 'NodeActionError'
  }
}

/** A listening control socket. */
export interface ControlSocketServer {
  readonly path: string
  /** Stops listening, drops open connections and removes the socket file. Idempotent. */
  close(): Promise<void>
}

/**
 * Listens on `path`. Any file already there is stale: the caller holds the data directory's
 * lock, so no other instance can be serving it.
 */
export async function startControlSocket(
  path: string,
  handlers: ControlSocketHandlers
): Promise<ControlSocketServer> {
  checkSocketPath(path)
  rmSync(path, { force: true })
  const server = createServer((req, res) => {
    void handle(req, res, handlers)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  chmodSync(path, 0o600)
  let closed: Promise<void> | undefined
  return {
    path,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(path, { force: true })
          resolve()
        })
        server.closeAllConnections()
      })
      return closed
    }
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  handlers: ControlSocketHandlers
): Promise<void> {
  const reply = (code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body) + '\n')
  }
  const route = `${req.method} ${req.url?.split('?')[0]}`
  try {
    if (route === 'GET /status') return reply(200, await handlers.getStatus())
    if (route === 'POST /shutdown') {
      res.once('finish', handlers.onShutdown)
      return reply(202, { status: 'stopping', pid: process.pid })
    }
    if (route.startsWith('POST /nodes/')) return reply(...(await nodeAction(req, handlers)))
    if (route.startsWith('POST /components/')) return reply(...componentFail(route, handlers))
    const logs = await handleLogsRequest(req, handlers.logs)
    if (logs) return reply(...logs)
    const opened = await handleOpenRequest(req, handlers.onOpenService)
    if (opened) return reply(...opened)
    if (req.url === '/status' || req.url === '/shutdown') {
      return reply(405, { error: `method ${req.method} not allowed` })
    }
    return reply(404, { error: `no such endpoint: ${req.url}` })
  } catch (err) {
    return reply(500, { error: err instanceof Error ? err.message : String(err) })
  }
}

const NODE_ACTIONS = new Set(['add', 'stop', 'start', 'rm', 'fail'])
/** Node actions may build an image or create containers: give them time. */
const NODE_ACTION_TIMEOUT_MS = 120_000
const MAX_BODY_BYTES = 64 * 1024

async function nodeAction(
  req: IncomingMessage,
  handlers: ControlSocketHandlers
): Promise<[number, unknown]> {
  const action = (req.url ?? '').split('?')[0]!.slice('/nodes/'.length)
  if (!NODE_ACTIONS.has(action)) return [404, { error: `no such node action: ${action}` }]
  if (!handlers.onNodeAction) {
    return [503, { error: 'this instance runs no node provider' }]
  }
  let raw = ''
  for await (const chunk of req) {
    raw += String(chunk)
    if (raw.length > MAX_BODY_BYTES) return [413, { error: 'request body too large' }]
  }
  let body: Partial<NodeActionRequest>
  try {
    body = JSON.parse(raw) as Partial<NodeActionRequest>
  } catch {
    return [400, { error: 'the request body is not JSON' }]
  }
  if (typeof body.name !== 'string' || body.name === '') {
    return [400, { error: 'a node action needs a node name' }]
  }
  try {
    const done = await handlers.onNodeAction({
      action: action as NodeActionRequest['action'],
      name: body.name,
      cpu: typeof body.cpu === 'number' ? body.cpu : undefined,
      memoryBytes: typeof body.memoryBytes === 'number' ? body.memoryBytes : undefined
    })
    return [200, done]
  } catch (err) {
    if (err instanceof NodeActionError) return [err.code, { error: err.message, hint: err.hint }]
    return [500, { error: err instanceof Error ? err.message : String(err) }]
  }
}

function componentFail(route: string, handlers: ControlSocketHandlers): [number, unknown] {
  const m = /^POST \/components\/([^/]+)\/fail$/.exec(route)
  if (!m) return [404, { error: `no such component action: ${route.slice(5)}` }]
  if (!handlers.onComponentFail) return [503, { error: 'this instance runs no components' }]
  try {
    return [200, handlers.onComponentFail(decodeURIComponent(m[1]))]
  } catch (err) {
    return [err instanceof NodeActionError ? err.code : 400, { error: (err as Error).message }]
  }
}

/** Asks the instance behind `path` to fail component `name` (it is restarted); its message. */
export async function requestComponentFail(path: string, name: string): Promise<string> {
  const { status, body } = await call(
    path,
    'POST',
    `/components/${encodeURIComponent(name)}/fail`,
    10_000
  )
  let parsed: { message?: string; error?: string } = {}
  try {
    parsed = JSON.parse(body) as typeof parsed
  } catch {
    parsed = { error: body.trim() }
  }
  if (status === 200) return parsed.message ?? 'done'
  throw new NodeActionError(parsed.error ?? `the control socket answered ${status}`, 400)
}

/**
 * Asks the instance behind `path` to add, stop, start or remove a node; resolves with its
 * message, rejects with a NodeActionError carrying the instance's words.
 */
export async function requestNodeAction(
  path: string,
  request: NodeActionRequest
): Promise<{ message: string }> {
  const { action, ...body } = request
  const { status, body: text } = await call(
    path,
    'POST',
    `/nodes/${action}`,
    NODE_ACTION_TIMEOUT_MS,
    JSON.stringify(body)
  )
  let parsed: { message?: string; error?: string; hint?: string } = {}
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch {
    parsed = { error: text.trim() }
  }
  if (status === 200) return { message: parsed.message ?? 'done' }
  const code = [400, 404, 409, 503].includes(status) ? (status as 400) : 500
  throw new NodeActionError(
    parsed.error ?? `the control socket answered ${status}`,
    code,
    parsed.hint
  )
}

/** Nothing answers on the socket (no instance, or one still starting or already stopping). */
export class ControlSocketUnavailableError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined
  ) {
    super(`nothing answers on ${path}${code ? ` (${code})` : ''}`)
    this.name = 'ControlSocketUnavailableError'
  }
}

/** Asks the instance behind `path` for its status. */
export async function requestStatus(path: string, timeoutMs = 5000): Promise<ClusterStatus> {
  const { status, body } = await call(path, 'GET', '/status', timeoutMs)
  if (status !== 200) throw new Error(`the control socket answered ${status}: ${body.trim()}`)
  return JSON.parse(body) as ClusterStatus
}

/** Asks the instance behind `path` to stop; resolves once it has accepted (it stops after). */
export async function requestShutdown(path: string, timeoutMs = 5000): Promise<void> {
  const { status, body } = await call(path, 'POST', '/shutdown', timeoutMs)
  if (status !== 202) throw new Error(`the control socket answered ${status}: ${body.trim()}`)
}

/** One request to the instance behind `socketPath`: its status and body text. */
export function call(
  socketPath: string,
  method: string,
  path: string,
  timeoutMs: number,
  body?: string
): Promise<{ status: number; body: string }> {
  checkSocketPath(socketPath)
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => {
      req.destroy(new ControlSocketUnavailableError(socketPath, 'ETIMEDOUT'))
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof ControlSocketUnavailableError) return reject(err)
      if (['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(err.code ?? '')) {
        return reject(new ControlSocketUnavailableError(socketPath, err.code))
      }
      reject(err)
    })
    req.end(body)
  })
}
