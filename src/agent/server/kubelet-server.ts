/**
 * The kubelet's HTTPS API (kubelet's port 10250): `/healthz`, `/containerLogs/…` (what
 * kube-apiserver's pods/log proxies to), `/exec/…` (pods/exec, a WebSocket upgrade),
 * `/stats/summary` and `/pods`. Every request needs a bearer token from `config.allowedTokens` —
 * the API server's kubelet-client token — else 401. Errors are plain text with their status, as
 * kubelet writes them.
 */
import { createServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { KubeletServerConfig } from '../config'
import { silentLog, type AgentLog, type AgentLogger } from '../log'
import { DEBUG_FLAGS_V_PATH, parseVerbosity } from '../../main/apiserver/http/debug-flags'
import type { ContainerRuntime } from '../runtime/types'
import { createExecUpgradeHandler } from './container-exec'
import { serveContainerLogs } from './container-logs'
import { bearerChecker, HttpError, sendHttpError, sendJson } from './http-util'
import { podListOf } from './pod-list'
import { createStatsCollector } from './stats-summary'

/** Options of `startKubeletServer`. */
export interface KubeletServerOptions {
  config: KubeletServerConfig
  nodeName: string
  runtime: ContainerRuntime
  log?: AgentLog
}

/** How long an idle client connection stays open (kubelet's http.Server IdleTimeout). */
const IDLE_TIMEOUT_MS = 90_000

/** A listening kubelet API. */
export interface KubeletServer {
  /** The port bound (the configured one, or the free one picked for port 0). */
  port: number
  /** Stops listening and ends open connections (following log streams included). */
  close(): Promise<void>
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HttpError(400, `malformed path segment: ${segment}`)
  }
}

/**
 * PUT /debug/flags/v: the kubelet's log verbosity, as kubelet (and kube-apiserver) change it at
 * run time; answers in their words (200 `successfully set klog.logging.verbosity to 4`).
 */
async function setVerbosity(req: IncomingMessage, res: ServerResponse, log: AgentLog) {
  const flag = (log as Partial<AgentLogger>).setVerbosity
  if (req.method !== 'PUT') throw new HttpError(406, 'unsupported http method')
  if (!flag) throw new HttpError(404, '404 page not found')
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 1024) throw new HttpError(413, 'request body too large')
  }
  const level = parseVerbosity(body)
  if (typeof level === 'string') throw new HttpError(400, level)
  flag(level)
  log.info('verbosity changed', { verbosity: level })
  res.writeHead(200, { 'Content-Type': 'text/plain' })
  res.end(`successfully set klog.logging.verbosity to ${level}\n`)
}

/** Starts the kubelet API; rejects when the address cannot be bound (e.g. EADDRINUSE). */
export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const { config, runtime, nodeName } = opts
  const log = opts.log ?? silentLog
  const authorized = bearerChecker(config.allowedTokens)
  const stats = createStatsCollector(nodeName, runtime)

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req.headers.authorization)) throw new HttpError(401, 'Unauthorized')
    const url = new URL(req.url ?? '/', 'https://kubelet')
    const segments = url.pathname.split('/').filter(Boolean)
    const known =
      url.pathname === '/healthz' ||
      url.pathname === '/pods' ||
      url.pathname === '/stats/summary' ||
      (segments[0] === 'containerLogs' && segments.length === 4)
    if (url.pathname === DEBUG_FLAGS_V_PATH) return setVerbosity(req, res, log)
    if (segments[0] === 'exec' && segments.length === 4) {
      throw new HttpError(400, 'Upgrade request required')
    }
    if (!known) throw new HttpError(404, '404 page not found')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, `method ${req.method} not allowed`)
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 })
      res.end('ok')
      return
    }
    if (url.pathname === '/pods')
      return sendJson(res, podListOf(nodeName, await runtime.listPodSandboxes()))
    if (url.pathname === '/stats/summary') return sendJson(res, await stats.summary())
    const [namespace, pod, container] = segments.slice(1).map(decodeSegment)
    await serveContainerLogs(runtime, { namespace, pod, container }, url.searchParams, res)
  }

  const server = createServer({ cert: config.cert, key: config.key }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!(err instanceof HttpError) || err.status >= 500) {
        log.warn('kubelet API request failed', { path: req.url, err: String(err) })
      }
      sendHttpError(res, err)
    })
  })
  // kubelet's server keeps an idle connection 90 s (its IdleTimeout, as http.DefaultTransport's),
  // so the metrics scrape every 15 s reuses one connection instead of a TLS handshake each time.
  server.keepAliveTimeout = IDLE_TIMEOUT_MS
  // `kubectl exec` arrives as a WebSocket upgrade (container-exec.ts).
  server.on('upgrade', createExecUpgradeHandler({ runtime, authorized, log }))
  const sockets = new Set<Socket>()
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {
    // A client that fails the handshake is its own problem.
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : config.port)
    })
  })
  log.info('kubelet API serving', { address: `${config.host}:${port}` })
  let closed: Promise<void> | undefined
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
      return closed
    }
  }
}
