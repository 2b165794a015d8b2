/**
 * The front of the HTTPS server: the Host check, authentication, discovery, health, OpenAPI,
 * then resource requests. Every failure leaves as a Status.
 *
 * Unauthenticated requests get 401, except GET of /healthz, /livez, /readyz and /version:
 * kube-apiserver lets anyone read those (the `system:public-info-viewer` role) so that probes
 * and `kubectl version` diagnostics work before credentials are sorted out; they reveal nothing
 * about the cluster's state.
 */
import { healthAnswer, type HealthCheck } from './health'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError } from '../api-errors'
import type { Authenticator } from '../authn'
import { coreVersions, groupInfo, groupList, resourceList, versionInfo } from '../discovery'
import {
  isMetricsRoute,
  metricsGroupInfo,
  metricsResourceList,
  serveMetrics,
  withMetricsGroup
} from '../metrics/metrics-api'
import {
  negotiateOpenApiV2,
  OPENAPI_V2_PROTOBUF,
  openApiV2Protobuf
} from '../openapi/openapi-v2-protobuf'
import type { RestContext } from '../rest/context'
import type { UserInfo } from '../types'
import { handleResource, pathNotFound, type RequestSummary } from './resource-handler'
import { negotiate, sendError, sendObject } from './respond'
import { parseRoute, type Route } from './route'

/** A served OpenAPI document: its exact JSON and the hash used as its ETag. */
export interface OpenApiDocument {
  json: string
  hash: string
  /** The parsed form of `json`, when at hand (spares parsing it for the v2 protobuf). */
  document?: object
}

/** Serves /openapi/… paths (`v2`, `v3`, `v3/apis/apps/v1` …); undefined for unknown ones. */
export type OpenApiServer = (path: string) => OpenApiDocument | undefined

/** What the handler needs besides the REST context. */
export interface HandlerOptions {
  ctx: RestContext
  authenticator: Authenticator
  /** Host names (without port) accepted besides the loopback names. */
  allowedHosts: string[]
  /** `host:port` clients reach us at (for /api's serverAddressByClientCIDRs). */
  serverAddress: () => string
  openApi?: OpenApiServer
  /** Called once per request, when its answer is complete (watches: when they start). */
  onRequest?: (entry: AccessLogEntry) => void
  /** What /healthz, /livez and /readyz check (none: they answer ok). */
  healthChecks?: readonly HealthCheck[]
  /** Serves `/debug/flags/v` (PUT the verbosity) for the authenticated user. */
  debugFlags?: (req: IncomingMessage, res: ServerResponse, user: UserInfo) => Promise<void>
}

/** One access log line. */
export interface AccessLogEntry {
  user: string
  verb: string
  resource: string
  path: string
  code: number
  latencyMs: number
  /** The request URI with its query; the user agent; the client's address and port. */
  uri?: string
  userAgent?: string
  srcIP?: string
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
const PUBLIC_PATHS = new Set(['version', 'health'])

/** The host name of a Host header, without the port; '' when there is none. */
export function hostName(header: string | undefined): string {
  if (!header) return ''
  const h = header.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  return h.split(':')[0]
}

/** Creates the request listener. */
export function createRequestHandler(
  opts: HandlerOptions
): (req: IncomingMessage, res: ServerResponse) => void {
  const allowed = new Set([...LOOPBACK_HOSTS, ...opts.allowedHosts.map((h) => h.toLowerCase())])
  return (req, res) => {
    const started = process.hrtime.bigint()
    const summary: RequestSummary = { verb: (req.method ?? '').toLowerCase(), resource: '' }
    let user: UserInfo | undefined
    let path = req.url ?? '/'
    const finish = (code: number): void => {
      opts.onRequest?.({
        user: user?.username ?? '',
        verb: summary.verb,
        resource: summary.resource,
        path,
        code,
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
        uri: req.url,
        userAgent: req.headers['user-agent'],
        srcIP: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`
      })
    }
    serve()
      .then(() => finish(res.statusCode))
      .catch((err: unknown) => finish(sendError(res, err).code))

    async function serve(): Promise<void> {
      const host = hostName(req.headers.host)
      if (!host || (!allowed.has(host) && !allowed.has(host.replace(/^\[|\]$/g, '')))) {
        throw new ApiError(
          403,
          'Forbidden',
          `forbidden: the Host header "${req.headers.host ?? ''}" is not allowed`
        )
      }
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'https://localhost')
      } catch {
        throw new ApiError(400, 'BadRequest', 'malformed request URL')
      }
      // Route on the raw path: URL parsing would resolve `..` segments first.
      const rawPath = (req.url ?? '/').split('?')[0]
      path = rawPath
      const route = rawPath.startsWith('/') ? parseRoute(rawPath) : undefined
      user = opts.authenticator.authenticate(req.headers)
      const isPublic = route && PUBLIC_PATHS.has(route.type) && req.method === 'GET'
      if (!user && !isPublic) throw new ApiError(401, 'Unauthorized', 'Unauthorized')
      if (rawPath === '/debug/flags/v' && opts.debugFlags) {
        summary.verb = (req.method ?? '').toLowerCase()
        return opts.debugFlags(req, res, user as UserInfo)
      }
      if (!route) throw pathNotFound()
      if (route.type === 'resource') {
        if (isMetricsRoute(route, opts.ctx)) {
          return serveMetrics(opts.ctx, route, req, res, url, summary)
        }
        await handleResource(opts.ctx, route, req, res, url, user as UserInfo, summary)
        return
      }
      if (req.method !== 'GET') {
        throw new ApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource'
        )
      }
      summary.verb = 'get'
      if (route.type === 'health') {
        const answer = await healthAnswer(
          opts.healthChecks ?? [],
          route.check,
          route.name,
          url.searchParams
        )
        res.writeHead(answer.status, {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-cache, private'
        })
        res.end(answer.body)
        return
      }
      if (route.type === 'openapi') {
        const doc = opts.openApi?.(route.path)
        if (!doc) throw pathNotFound()
        sendOpenApi(req, res, route.path, doc)
        return
      }
      const body = await infoDocument(route, opts)
      if (body === undefined) throw pathNotFound()
      if (typeof body === 'string') {
        res.writeHead(200, {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Content-Type-Options': 'nosniff'
        })
        res.end(body)
        return
      }
      sendObject(res, 200, body, negotiate(req.headers.accept, false))
    }
  }
}

/**
 * Sends an OpenAPI document. `/openapi/v2` is negotiated as kube-openapi does: JSON, or gnostic's
 * protobuf for client-go's `OpenAPISchema()`, else 406; both carry the JSON's hash as ETag.
 */
function sendOpenApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  doc: OpenApiDocument
): void {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'X-Content-Type-Options': 'nosniff'
  }
  if (doc.hash) headers.ETag = `"${doc.hash}"`
  let body: string | Uint8Array = doc.json
  if (path === 'v2') {
    headers.Vary = 'Accept'
    const format = negotiateOpenApiV2(req.headers.accept)
    if (!format) {
      throw new ApiError(
        406,
        'NotAcceptable',
        `only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF}`
      )
    }
    if (format === 'protobuf') {
      body = openApiV2Protobuf(doc)
      headers['Content-Type'] = OPENAPI_V2_PROTOBUF
    }
  }
  if (doc.hash && req.headers['if-none-match'] === headers.ETag) {
    res.writeHead(304, headers)
    res.end()
    return
  }
  res.writeHead(200, headers)
  res.end(body)
}

async function infoDocument(
  route: Exclude<Route, { type: 'resource' }>,
  opts: HandlerOptions
): Promise<unknown> {
  switch (route.type) {
    case 'version':
      return versionInfo()
    case 'health':
      return undefined
    case 'api':
      return coreVersions(opts.serverAddress())
    case 'apis':
      return withMetricsGroup(groupList(), opts.ctx.metrics)
    case 'group':
      return groupInfo(route.group) ?? metricsGroupInfo(route.group, opts.ctx.metrics)
    case 'groupVersion':
      return (
        resourceList(route.group, route.version) ??
        metricsResourceList(route.group, route.version, opts.ctx.metrics)
      )
    case 'openapi':
      return undefined
  }
}
