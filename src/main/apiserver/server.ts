/**
 * startApiServer: the Kubernetes-compatible API server over HTTPS on 127.0.0.1, with the
 * in-process client for the other components. Composes the resource registry, the generic
 * handlers over the store, discovery and the HTTP front; creates the built-in namespaces.
 */
import { createServer, type Server } from 'node:https'
import type { Socket } from 'node:net'
import type { Authenticator } from './authn'
import { APISERVER_USER, bootstrapNamespaces } from './bootstrap'
import { createInProcessClient, type ApiClient } from './client'
import { healthFailures, type HealthCheck } from './http/health'
import { createRequestHandler, type AccessLogEntry, type OpenApiServer } from './http/handler'
import { upgradeResponse } from './http/upgrade'
import { openApiV2Serialized, openApiV3Paths, openApiV3Serialized } from './openapi'
import type { Readable } from 'node:stream'
import { findResourceByKind, RESOURCES } from './registry'
import type { KubeletClientConfig, RestContext } from './rest/context'
import { openPodLog, type PodLogOptions } from './rest/pod-log'
import { ObjectStorage } from './storage/object-storage'
import type { ResourceInfo } from './types'
import type { AdmissionOptions } from './admission'
import type { Store } from '../store'
import { logAt, type ComponentLog } from '../observe/component-log'
import { debugFlagsFor } from './http/debug-flags'
import { HTTP_LOG_VERBOSITY, httpLogValues } from './http-log'
import { withRequestLog } from './logged-client'
import type { MetricsSource } from './metrics/metrics-source'
import { bootstrapKubernetesService } from './kubernetes-service'
import { ServiceAllocator } from './service-allocation/service-allocator'

/** Options of startApiServer. */
export interface ApiServerOptions {
  store: Store
  /** Listen address; loopback only (default 127.0.0.1). */
  host?: string
  /**
   * More addresses to listen on, on the same port: the cluster network's gateway, where node
   * containers reach the API server. Never a wildcard address.
   */
  extraHosts?: string[]
  /** 0 picks a free port. A taken port rejects with an error whose `code` is EADDRINUSE. */
  port: number
  /** Serving certificate and key (PEM). */
  tls: { cert: string; key: string }
  authenticator: Authenticator
  /** Host header names accepted besides localhost, 127.0.0.1 and [::1]. */
  allowedHosts?: string[]
  log?: ComponentLog
  /**
   * Log every request (user, verb, resource, code, latency) whatever the log's verbosity;
   * otherwise from verbosity 3 on (`PUT /debug/flags/v`), and failures (5xx) always.
   */
  logRequests?: boolean
  /** How often watches with allowWatchBookmarks get a BOOKMARK (default 60 s). */
  bookmarkIntervalMs?: number
  /** Serves /openapi/v2, /openapi/v3 and /openapi/v3/<path> (default: the built-in documents). */
  openApi?: OpenApiServer
  /** The token and CA the server uses toward kubelets (pods/log); absent: logs answer 503. */
  kubeletClient?: KubeletClientConfig
  /** Admission settings, e.g. the default not-ready/unreachable toleration (default 30 s). */
  admission?: AdmissionOptions
  /** How long an Event lives after its last write (`--event-ttl`, default 1 h). */
  eventTtlSeconds?: number
  /** Serves `metrics.k8s.io` (kubectl top) from this source; absent: the group is not served. */
  metrics?: MetricsSource
  /** Told of every finished request (the metrics history's request rate and latency). */
  observeRequest?: (entry: AccessLogEntry) => void
}

/** A running API server. */
export interface ApiServer {
  /** `https://127.0.0.1:<port>`. */
  url: string
  port: number
  /** The in-process client (acts as system:apiserver; use `clientFor` for other identities). */
  client: ApiClient
  /** A client acting as another user, recording `fieldManager` in managedFields. */
  clientFor(user: { username: string; groups: string[] }, fieldManager: string): ApiClient
  resources: ResourceInfo[]
  /** Stops listening and ends open connections (watches included). The store stays open. */
  close(): Promise<void>
  /** Why /readyz fails (each failing check: its reason), or undefined when it passes. */
  readyzFailures(): Promise<string | undefined>
  /** Serves these pods' logs from the control plane itself (its mirror pods). */
  setLocalPodLogs(source: RestContext['localPodLogs']): void
  /**
   * A pod's log as GET pods/NAME/log streams it (`follow` keeps it open), without HTTPS: for
   * in-process readers (the desktop UI). Rejects with the ApiError the request would get.
   */
  podLog(namespace: string, name: string, opts: PodLogOptions): Promise<Readable>
}

/** kube-apiserver's own checks, by their Kubernetes names. */
function serverHealthChecks(store: Store, shuttingDown: () => boolean): HealthCheck[] {
  const etcd = async (): Promise<void> => {
    await store.revision()
  }
  return [
    { name: 'ping', check: () => undefined },
    { name: 'log', check: () => undefined },
    { name: 'etcd', check: etcd },
    { name: 'etcd-readiness', check: etcd, endpoints: ['readyz'] },
    {
      name: 'shutdown',
      endpoints: ['readyz'],
      check: () => {
        if (shuttingDown()) throw new Error('the API server is shutting down')
      }
    }
  ]
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = (): void => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

/** The OpenAPI documents of the served resources (built once, then cached by the module). */
const builtInOpenApi: OpenApiServer = (path) => {
  if (path === 'v2') return openApiV2Serialized(RESOURCES)
  if (path === 'v3') {
    const json = JSON.stringify(openApiV3Paths(RESOURCES))
    return { json, hash: '' }
  }
  if (path.startsWith('v3/')) return openApiV3Serialized(path.slice(3), RESOURCES)
  return undefined
}

/** Starts the API server; resolves once it listens and the built-in namespaces exist. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1'
  const ctx: RestContext = {
    storage: new ObjectStorage(opts.store, opts.eventTtlSeconds),
    now: () => new Date(),
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    kubeletClient: opts.kubeletClient,
    admission: opts.admission,
    ...(opts.metrics ? { metrics: opts.metrics } : {})
  }
  await bootstrapNamespaces(ctx)
  const serviceAllocator = new ServiceAllocator()
  await serviceAllocator.restoreFrom(ctx.storage)
  ctx.writeHooks = serviceAllocator

  let port = opts.port
  const log = opts.log
  const onRequest = (e: AccessLogEntry): void => {
    opts.observeRequest?.(e)
    if (!log) return
    // httplog: each request at verbosity 3 (http-log.ts); failures always, as errors.
    if (e.code >= 500) log.error('request failed', httpLogValues(e))
    else (opts.logRequests ? log : logAt(log, HTTP_LOG_VERBOSITY))?.info('HTTP', httpLogValues(e))
  }
  let closed: Promise<void> | undefined
  const healthChecks = serverHealthChecks(opts.store, () => closed !== undefined)
  const handler = createRequestHandler({
    ctx,
    authenticator: opts.authenticator,
    allowedHosts: opts.allowedHosts ?? [],
    serverAddress: () => `${host}:${port}`,
    openApi: opts.openApi ?? builtInOpenApi,
    onRequest,
    healthChecks,
    debugFlags: debugFlagsFor(log)
  })
  // Watches hold connections open; close() ends them rather than wait for their timeouts.
  const sockets = new Set<Socket>()
  const serve = (): Server => {
    const server = createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
    // kube-apiserver keeps an idle connection 90 s (IdleTimeout), past the kubelets' 10 s
    // heartbeat: a lease renewal reuses its connection instead of a TLS handshake each time.
    server.keepAliveTimeout = 90_000
    // Upgrades (pods/exec's WebSocket) go through the same handler, answered on the raw socket.
    server.on('upgrade', (req, socket, head) => handler(req, upgradeResponse(req, socket, head)))
    server.on('secureConnection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    server.on('tlsClientError', () => {
      // A client that fails the handshake (wrong CA, plain HTTP) is its own problem; nothing to log.
    })
    return server
  }
  const servers = [serve()]
  port = await listen(servers[0]!, opts.port, host)
  log?.info('serving', { address: `${host}:${port}`, resources: RESOURCES.length })
  for (const extra of opts.extraHosts ?? []) {
    if (extra === '0.0.0.0' || extra === '::') {
      throw new Error(`the API server never listens on a wildcard address (${extra})`)
    }
    const server = serve()
    try {
      await listen(server, port, extra)
    } catch (err) {
      await new Promise<void>((resolve) => servers[0]!.close(() => resolve()))
      throw err
    }
    servers.push(server)
    log?.info('serving', { address: `${extra}:${port}` })
  }

  await bootstrapKubernetesService(
    ctx,
    serviceAllocator.ips.first,
    { ip: opts.extraHosts?.[0] ?? host, port },
    log
  )

  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    url,
    port,
    client: withRequestLog(
      createInProcessClient(ctx, APISERVER_USER, 'kube-apiserver'),
      APISERVER_USER,
      'kube-apiserver',
      log
    ),
    clientFor: (user, fieldManager) =>
      withRequestLog(createInProcessClient(ctx, user, fieldManager), user, fieldManager, log),
    resources: [...RESOURCES],
    readyzFailures: () => healthFailures(healthChecks, 'readyz'),
    setLocalPodLogs: (source) => {
      ctx.localPodLogs = source
    },
    podLog: (namespace, name, opts) => {
      const entry = findResourceByKind('v1', 'Pod')!
      return openPodLog(ctx, { entry, namespace, name, user: APISERVER_USER }, opts)
    },
    close() {
      closed ??= Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve())
              for (const socket of sockets) socket.destroy()
            })
        )
      ).then(() => log?.info('stopped serving', { address: `${host}:${port}` }))
      return closed
    }
  }
}
