/**
 * Browser mode's UI server (`kubedesk up --ui`): serves the built renderer on 127.0.0.1 and the
 * desktop API over a WebSocket (`/api/socket`, ui-socket.ts), guarded by a per-run token, a Host
 * check and a strict CSP. `GET /api/status` stays for scripts.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { DesktopHostApi } from '../../shared/desktop-api'
import { errorMessage } from '../../shared/desktop-wire'
import type { ClusterStatus } from '../../shared/status'
import { defaultRendererDir } from '../package-root'
import { CONTENT_SECURITY_POLICY, isAllowedHost, tokensEqual } from './security'
import { contentTypeFor, resolveStaticPath } from './static-files'
import { createUiSocket } from './ui-socket'

/** `GET` this with the token for the status as JSON (scripts; the page uses the socket). */
export const STATUS_API_PATH = '/api/status'

/** The body of every API error answer. */
interface HttpApiError {
  error: string
  status: number
}

/** What `startUiServer` needs: where to listen, what to serve, and the desktop API it serves. */
export interface UiServerOptions {
  /** 0 or undefined: any free port. */
  port?: number
  /** The built renderer; defaults to `out/renderer` under the package root. */
  rendererDir?: string
  /** The desktop API; calls needing the cluster reject with "starting" until it is up. */
  host: DesktopHostApi
}

/** A running UI server. `url` carries the access token: print it, do not log it elsewhere. */
export interface UiServer {
  url: string
  close(): Promise<void>
}

const LOOPBACK = '127.0.0.1'

/**
 * Starts the UI server on 127.0.0.1. Resolves once it listens, with the URL to open
 * (`http://127.0.0.1:PORT/?token=…`); rejects with a readable error naming the port when the
 * port is taken or not permitted.
 */
export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const token = randomBytes(32).toString('base64url')
  const rendererDir = opts.rendererDir ?? defaultRendererDir()
  // The port is known only after listen(); the handler reads it through this holder.
  const bound = { port: 0 }
  const server = createServer((req, res) => {
    handle(req, res, { token, rendererDir, port: bound.port, host: opts.host }).catch(
      (err: unknown) => sendInternalError(res, err)
    )
  })
  const socket = createUiSocket({
    host: opts.host,
    port: () => bound.port,
    isAuthorized: (req) => isAuthorized(req, { token, port: bound.port }),
    hasBearer: (req) => bearerOf(req) !== undefined
  })
  server.on('upgrade', (req, raw, head) => socket.handleUpgrade(req, raw, head))
  bound.port = await listen(server, opts.port ?? 0)
  let closing: Promise<void> | undefined
  return {
    url: `http://${LOOPBACK}:${bound.port}/?token=${token}`,
    // Idempotent: the CLI may close on both a signal and a normal shutdown.
    close: () => {
      socket.close()
      return (closing ??= closeServer(server))
    }
  }
}

interface Context {
  token: string
  rendererDir: string
  port: number
  host: DesktopHostApi
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  setCommonHeaders(res)
  // Split the raw target ourselves: WHATWG URL parsing would silently resolve `..` segments,
  // and confinement must see the path as the client sent it.
  const target = req.url ?? '/'
  const queryAt = target.indexOf('?')
  const path = queryAt === -1 ? target : target.slice(0, queryAt)
  const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1))
  const isApi = path === '/api' || path.startsWith('/api/')

  if (!isAllowedHost(req.headers.host, ctx.port)) {
    const message = `Host "${req.headers.host ?? ''}" is not allowed; open http://${LOOPBACK}:${ctx.port}/`
    return isApi ? sendJson(res, 403, apiError(403, message)) : sendText(res, 403, message)
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    const message = `Method ${req.method} is not allowed`
    return isApi ? sendJson(res, 405, apiError(405, message)) : sendText(res, 405, message)
  }
  if (isApi) return handleApi(req, res, ctx, path)
  return handleStatic(req, res, ctx, path, query)
}

async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  path: string
): Promise<void> {
  if (!isAuthorized(req, ctx)) {
    return sendJson(
      res,
      401,
      apiError(
        401,
        'Unauthorized: open the URL printed by `kubedesk up --ui` (it carries the token)'
      )
    )
  }
  if (path !== STATUS_API_PATH) {
    return sendJson(res, 404, apiError(404, `No such API: ${path}`))
  }
  let status: ClusterStatus
  try {
    status = await ctx.host.getStatus()
  } catch (err) {
    return sendJson(res, 500, apiError(500, `Cannot read the cluster status: ${errorMessage(err)}`))
  }
  sendJson(res, 200, status)
}

async function handleStatic(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  path: string,
  query: URLSearchParams
): Promise<void> {
  const isPage = path === '/' || path === '/index.html'
  const presented = query.get('token')
  if (isPage && presented !== null) {
    if (!tokensEqual(presented, ctx.token)) {
      return sendHtml(
        res,
        401,
        page(
          'Invalid link',
          'This link’s token does not match this KubeDesk. Open the URL that `kubedesk up --ui` printed.'
        )
      )
    }
    // Trade the token in the URL for a cookie, then drop it from the address bar and history.
    res.setHeader(
      'Set-Cookie',
      `${cookieName(ctx.port)}=${ctx.token}; Path=/; HttpOnly; SameSite=Strict`
    )
    res.setHeader('Location', '/')
    res.statusCode = 303
    res.end()
    return
  }

  if (!existsSync(join(ctx.rendererDir, 'index.html'))) {
    if (isPage) {
      return sendHtml(
        res,
        503,
        page(
          'KubeDesk’s UI is not built',
          'The renderer has not been built yet. Run `npm run build` in the KubeDesk folder, then reload this page.'
        )
      )
    }
    return sendText(res, 404, 'Not found')
  }

  const file = resolveStaticPath(ctx.rendererDir, path)
  if (!file) return sendText(res, 400, 'Bad path')
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) return sendText(res, 404, 'Not found')
  const body = await readFile(file)
  const type = contentTypeFor(file)
  res.statusCode = 200
  res.setHeader('Content-Type', type)
  res.setHeader('Content-Length', body.length)
  if (type.startsWith('text/html')) {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    res.setHeader('Cache-Control', 'no-store')
  }
  res.end(req.method === 'HEAD' ? undefined : body)
}

/** A request may use the API with the session cookie (the browser) or a Bearer token (scripts). */
function isAuthorized(req: IncomingMessage, ctx: Pick<Context, 'token' | 'port'>): boolean {
  if (tokensEqual(bearerOf(req), ctx.token)) return true
  return tokensEqual(readCookie(req.headers.cookie, cookieName(ctx.port)), ctx.token)
}

/** The token of an `Authorization: Bearer` header, if there is one. */
function bearerOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined
}

/** Cookies are shared across ports of one host, so each server names its own. */
function cookieName(port: number): string {
  return `kubedesk_token_${port}`
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

function apiError(status: number, error: string): HttpApiError {
  return { error, status }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.end(text)
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.end(text + '\n')
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  res.setHeader('Cache-Control', 'no-store')
  res.end(html)
}

function sendInternalError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendText(res, 500, `Internal error: ${errorMessage(err)}`)
}

/** A self-contained HTML page for errors; no scripts, styles inline (allowed by the CSP). */
function page(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>KubeDesk — ${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 40rem">
<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE') {
        reject(new Error(`Cannot serve the UI: port ${port} on ${LOOPBACK} is already in use`))
      } else if (err.code === 'EACCES') {
        reject(new Error(`Cannot serve the UI: not permitted to listen on port ${port}`))
      } else {
        reject(new Error(`Cannot serve the UI on port ${port}: ${err.message}`))
      }
    }
    const onListening = (): void => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ host: LOOPBACK, port })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()))
    // Browsers keep connections alive; without this close() would wait for them to time out.
    server.closeAllConnections()
  })
}
