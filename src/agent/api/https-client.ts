/**
 * The kubelet's client of the API server over HTTPS: the same verbs as the in-process client
 * (`KubeletClient`), spoken as REST like client-go's. One keep-alive agent, the node's bearer
 * token, the cluster CA as the only trust root, and a token-bucket rate limit on every request but
 * watches (client-go does not limit watches either: they are long-lived, not a request rate).
 *
 * Failures are ApiErrors built from the server's `Status` (code, reason, message), so callers test
 * `err.code === 409` exactly as with the in-process client.
 */
import { Agent, request, type RequestOptions } from 'node:https'
import type { IncomingMessage } from 'node:http'
import type { ApiServerConnection } from '../config'
import { createTokenBucket, realClock, type LimiterClock } from './rate-limiter'
import { ApiError, type KubeletClient, type ResourceType, type WatchEventOut } from './types'
import type { KubeList, KubeObject } from '../../main/apiserver/types'
import type { StatusReason } from '../../main/apiserver/api-errors'

/** Options of `createHttpsClient`. */
export interface HttpsClientOptions {
  /** Requests per second once the burst is spent (kubelet: kubeAPIQPS 50); <= 0: unlimited. */
  qps?: number
  /** Requests allowed at once before the rate applies (kubelet: kubeAPIBurst 100). */
  burst?: number
  /** The User-Agent header; the server derives the default field manager from it. */
  userAgent?: string
  /** Per-request timeout in ms for everything but watches (default 60 s). */
  timeoutMs?: number
  /** The rate limiter's clock (tests). */
  clock?: LimiterClock
}

/** The kubelet's client plus `close()`, which ends watches and idle connections. */
export type HttpsKubeletClient = KubeletClient & { close(): void }

/** Kinds whose plural is not `<lowercased kind>s` (the API's own irregular names). */
const IRREGULAR_PLURALS: Record<string, string> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  NetworkPolicy: 'networkpolicies',
  PodSecurityPolicy: 'podsecuritypolicies',
  PriorityClass: 'priorityclasses',
  StorageClass: 'storageclasses',
  RuntimeClass: 'runtimeclasses',
  ResourceQuota: 'resourcequotas',
  PodDisruptionBudget: 'poddisruptionbudgets'
}

/** Kinds served at cluster scope; every other kind is namespaced. */
const CLUSTER_SCOPED = new Set([
  'Node',
  'Namespace',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'CustomResourceDefinition',
  'APIService',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'CertificateSigningRequest',
  'ComponentStatus'
])

/** The REST name of a kind: `Pod` → `pods`, `Endpoints` → `endpoints`, `Lease` → `leases`. */
export function pluralOf(kind: string): string {
  const irregular = IRREGULAR_PLURALS[kind]
  if (irregular) return irregular
  const lower = kind.toLowerCase()
  if (/[^aeiou]y$/.test(lower)) return lower.slice(0, -1) + 'ies'
  if (/(s|x|ch|sh)$/.test(lower)) return lower + 'es'
  return lower + 's'
}

/**
 * The URL path of a resource: `/api/v1/namespaces/default/pods/web` or
 * `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases`. The namespace is ignored
 * for cluster-scoped kinds; without one a namespaced kind addresses all namespaces.
 */
export function resourcePath(
  type: ResourceType,
  namespace: string | undefined,
  name?: string,
  subresource?: string
): string {
  const prefix = type.apiVersion.includes('/')
    ? `/apis/${type.apiVersion}`
    : `/api/${type.apiVersion}`
  const scope =
    !CLUSTER_SCOPED.has(type.kind) && namespace
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : ''
  const item = name ? `/${encodeURIComponent(name)}` : ''
  const sub = name && subresource ? `/${subresource}` : ''
  return `${prefix}${scope}/${pluralOf(type.kind)}${item}${sub}`
}

const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml'
} as const

const REASON_OF_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout'
}

/** An ApiError from a failed answer: the Status body when there is one, else the status code. */
export function errorFromResponse(statusCode: number, body: string): ApiError {
  let status: { kind?: string; code?: number; reason?: string; message?: string; details?: object }
  try {
    status = JSON.parse(body) as typeof status
  } catch {
    status = {}
  }
  const code = status?.kind === 'Status' && status.code ? status.code : statusCode
  const reason = (status?.reason ?? REASON_OF_CODE[code] ?? 'InternalError') as StatusReason
  const message =
    status?.message ?? (body.trim() || `the server responded with status code ${statusCode}`)
  return new ApiError(code, reason, message, status?.details)
}

/** Query string of the options given (undefined values left out). */
function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.on('error', reject)
  })
}

/** A client of the API server at `conn.url`, authenticating with `conn.token`. */
export function createHttpsClient(
  conn: ApiServerConnection,
  opts: HttpsClientOptions = {}
): HttpsKubeletClient {
  const base = new URL(conn.url)
  const agent = new Agent({ keepAlive: true, ca: conn.caCert })
  const limiter = createTokenBucket(opts.qps ?? 50, opts.burst ?? 100, opts.clock ?? realClock)
  const userAgent = opts.userAgent ?? 'kubelet/v1.32.0 (linux) kubedesk'
  const timeoutMs = opts.timeoutMs ?? 60_000
  const watches = new Set<() => void>()
  let closed = false

  const options = (
    method: string,
    path: string,
    contentType?: string,
    length?: number
  ): RequestOptions => ({
    protocol: 'https:',
    hostname: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port || 443,
    method,
    path,
    agent,
    ca: conn.caCert,
    headers: {
      Authorization: `Bearer ${conn.token}`,
      Accept: 'application/json',
      'User-Agent': userAgent,
      ...(contentType ? { 'Content-Type': contentType } : {}),
      // Node sends a DELETE body neither chunked nor sized unless told its length.
      ...(length !== undefined ? { 'Content-Length': length } : {})
    }
  })

  /** Sends a request through the rate limiter; answers the parsed JSON or rejects. */
  const send = async <T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json'
  ): Promise<T> => {
    if (closed) throw new Error(`${method} ${path}: the client was closed`)
    await limiter.accept()
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    return new Promise<T>((resolve, reject) => {
      const req = request(
        options(method, path, payload ? contentType : undefined, payload?.length),
        (res) => {
          readAll(res).then((text) => {
            const code = res.statusCode ?? 0
            if (code < 200 || code > 299) return reject(errorFromResponse(code, text))
            try {
              resolve((text ? JSON.parse(text) : {}) as T)
            } catch {
              reject(new Error(`${method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`))
            }
          }, reject)
        }
      )
      req.setTimeout(timeoutMs, () =>
        req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`))
      )
      req.on('error', (err) => reject(new Error(`${method} ${base.origin}${path}: ${err.message}`)))
      req.end(payload)
    })
  }

  const writeQuery = (o?: { dryRun?: boolean; fieldManager?: string; force?: boolean }): string =>
    query({ dryRun: o?.dryRun ? 'All' : undefined, fieldManager: o?.fieldManager, force: o?.force })

  const client: HttpsKubeletClient = {
    get: (type, namespace, name) => send('GET', resourcePath(type, namespace, name)),
    async list<T extends KubeObject>(
      type: ResourceType,
      o: Parameters<KubeletClient['list']>[1] = {}
    ) {
      const { namespace, ...rest } = o
      const path = resourcePath(type, namespace) + query({ ...rest })
      const list = await send<KubeList<T>>('GET', path)
      // The wire drops each item's apiVersion and kind; the in-process client keeps them.
      for (const item of list.items ?? []) {
        item.apiVersion ??= type.apiVersion
        item.kind ??= type.kind
      }
      list.items ??= []
      return list
    },
    watch(type, o, onEvent, onEnd) {
      const { namespace, ...rest } = o
      const path = resourcePath(type, namespace) + query({ ...rest, watch: 1 })
      return watchStream(path, onEvent, onEnd)
    },
    create: (obj, o) =>
      send('POST', resourcePath(obj, obj.metadata?.namespace) + writeQuery(o), obj),
    update: (obj, o) =>
      send(
        'PUT',
        resourcePath(obj, obj.metadata?.namespace, obj.metadata?.name) + writeQuery(o),
        obj
      ),
    updateStatus: (obj, o) =>
      send(
        'PUT',
        resourcePath(obj, obj.metadata?.namespace, obj.metadata?.name, 'status') + writeQuery(o),
        obj
      ),
    patch: (type, namespace, name, patchType, patch, o) =>
      send(
        'PATCH',
        resourcePath(type, namespace, name, o?.subresource) + writeQuery(o),
        patch,
        PATCH_CONTENT_TYPES[patchType]
      ),
    delete(type, namespace, name, o = {}) {
      const { dryRun, ...rest } = o
      const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...rest }
      return send('DELETE', resourcePath(type, namespace, name) + writeQuery({ dryRun }), body)
    },
    close() {
      closed = true
      limiter.stop()
      for (const stop of [...watches]) stop()
      agent.destroy()
    }
  }

  /**
   * GET ?watch=1: resolves once the server answered 200 (rejects with its Status otherwise, e.g.
   * 410 Expired), then parses one JSON event per line as it arrives.
   */
  const watchStream = (
    path: string,
    onEvent: (event: WatchEventOut) => void,
    onEnd?: (err?: ApiError) => void
  ): Promise<{ stop(): void }> => {
    if (closed) return Promise.reject(new Error(`GET ${path}: the client was closed`))
    return new Promise((resolve, reject) => {
      let stopped = false
      let answered = false
      let failure: ApiError | undefined
      const stop = (): void => {
        if (stopped) return
        stopped = true
        watches.delete(stop)
        req.destroy()
      }
      const finish = (): void => {
        if (stopped) return
        stopped = true
        watches.delete(stop)
        onEnd?.(failure)
      }
      const req = request(options('GET', path), (res) => {
        answered = true
        const code = res.statusCode ?? 0
        if (code !== 200) {
          watches.delete(stop)
          readAll(res).then((text) => reject(errorFromResponse(code, text)), reject)
          return
        }
        resolve({ stop })
        let buffer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          buffer += chunk
          let i: number
          while (!stopped && (i = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, i).trim()
            buffer = buffer.slice(i + 1)
            if (line) deliver(line)
          }
        })
        // A broken stream ends the watch like a server timeout: the caller re-watches from
        // the last resourceVersion it saw (client-go's StreamWatcher does the same).
        res.on('end', finish)
        res.on('error', finish)
        res.on('close', finish)
      })
      const deliver = (line: string): void => {
        let event: WatchEventOut
        try {
          event = JSON.parse(line) as WatchEventOut
        } catch {
          failure = new ApiError(
            500,
            'InternalError',
            `undecodable watch event: ${line.slice(0, 200)}`
          )
          req.destroy()
          return
        }
        if (event.type === 'ERROR') {
          const s = event.object as { code?: number; reason?: string; message?: string }
          failure = new ApiError(
            s.code ?? 500,
            (s.reason ?? REASON_OF_CODE[s.code ?? 500] ?? 'InternalError') as StatusReason,
            s.message ?? 'watch failed'
          )
        }
        onEvent(event)
      }
      req.on('error', (err) => {
        if (!answered) {
          watches.delete(stop)
          reject(new Error(`GET ${base.origin}${path}: ${err.message}`))
        } else finish()
      })
      watches.add(stop)
      req.end()
    })
  }

  return client
}
