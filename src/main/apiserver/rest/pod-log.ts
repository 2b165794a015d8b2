/**
 * GET pods/<name>/log, as kube-apiserver serves it: checks the PodLogOptions, picks the container
 * (the `container` parameter, the only one, or the `kubectl.kubernetes.io/default-container`
 * annotation), finds the kubelet of the pod's node from the Node's InternalIP and
 * `status.daemonEndpoints.kubeletEndpoint.Port`, and streams the kubelet's
 * `/containerLogs/<ns>/<pod>/<container>` answer through (text/plain, chunked), so
 * `kubectl logs -f` follows. The kubelet's serving certificate is verified against the cluster CA
 * and the request carries the API server's kubelet-client token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request } from 'node:https'
import type { Readable } from 'node:stream'
import { ApiError, badRequest, type StatusReason } from '../api-errors'
import { findResourceByKind } from '../registry'
import type { KubeObject } from '../types'
import type { RestContext, Target } from './context'

/** The annotation naming the container `kubectl logs` and `kubectl exec` default to. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container'

/** How long to wait for the kubelet's answer to start (its log stream may then last). */
const KUBELET_CONNECT_TIMEOUT_MS = 10_000

/** The PodLogOptions of a request, checked; the string forms are what the kubelet is sent. */
export interface PodLogOptions {
  container?: string
  follow: boolean
  previous: boolean
  timestamps: boolean
  tailLines?: number
  sinceSeconds?: number
  sinceTime?: string
  limitBytes?: number
}

function boolOption(q: URLSearchParams, name: string): boolean {
  const v = q.get(name)
  if (v === null || v === 'false' || v === '0') return false
  if (v === '' || v === 'true' || v === '1') return true
  throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)} (expected true or false)`)
}

function intOption(q: URLSearchParams, name: string, min: number, rule: string) {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^-?\d+$/.test(v)) {
    throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)} (expected an integer)`)
  }
  const n = Number(v)
  if (n < min) throw badRequest(`PodLogOptions is invalid: ${name}: Invalid value: ${n}: ${rule}`)
  return n
}

/** Decodes and validates the query as kube-apiserver's ValidatePodLogOptions (400 when bad). */
export function podLogOptions(q: URLSearchParams): PodLogOptions {
  const opts: PodLogOptions = {
    container: q.get('container') || undefined,
    follow: boolOption(q, 'follow'),
    previous: boolOption(q, 'previous'),
    timestamps: boolOption(q, 'timestamps'),
    tailLines: intOption(q, 'tailLines', 0, 'must be greater than or equal to 0'),
    sinceSeconds: intOption(q, 'sinceSeconds', 1, 'must be greater than 0'),
    limitBytes: intOption(q, 'limitBytes', 1, 'must be greater than 0'),
    sinceTime: q.get('sinceTime') || undefined
  }
  if (opts.sinceTime !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(opts.sinceTime)) {
      throw badRequest(
        `invalid value for sinceTime: ${JSON.stringify(opts.sinceTime)} (expected RFC 3339)`
      )
    }
    if (opts.sinceSeconds !== undefined) {
      throw badRequest(
        'PodLogOptions is invalid: at most one of `sinceTime` or `sinceSeconds` may be specified'
      )
    }
  }
  return opts
}

interface PodSpecNames {
  containers?: { name: string }[]
  initContainers?: { name: string }[]
  ephemeralContainers?: { name: string }[]
}

/** The container whose log is wanted, as kube-apiserver picks it (400 when it cannot). */
export function logContainerOf(pod: KubeObject, wanted: string | undefined): string {
  const spec = (pod.spec ?? {}) as PodSpecNames
  const name = pod.metadata.name ?? ''
  const main = (spec.containers ?? []).map((c) => c.name)
  const every = [
    ...main,
    ...(spec.initContainers ?? []).map((c) => c.name),
    ...(spec.ephemeralContainers ?? []).map((c) => c.name)
  ]
  if (wanted !== undefined) {
    if (!every.includes(wanted)) {
      throw badRequest(`container ${wanted} is not valid for pod ${name}`)
    }
    return wanted
  }
  if (main.length === 1) return main[0]
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION]
  if (annotated && every.includes(annotated)) return annotated
  throw badRequest(
    `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`
  )
}

/** `https://<InternalIP>:<port>` of the node's kubelet, or undefined when it has none. */
export function kubeletBaseUrl(node: KubeObject | undefined): string | undefined {
  const status = (node?.status ?? {}) as {
    addresses?: { type: string; address: string }[]
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } }
  }
  const ip = status.addresses?.find((a) => a.type === 'InternalIP')?.address
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port
  if (!ip || !port) return undefined
  return `https://${ip.includes(':') ? `[${ip}]` : ip}:${port}`
}

function unavailable(nodeName: string, pod: string, cause?: string): ApiError {
  const why = cause ? ` (${cause})` : ''
  return new ApiError(
    503,
    'ServiceUnavailable',
    `no kubelet serves node "${nodeName}": cannot get logs of pod "${pod}"${why}`
  )
}

/** A kubelet's error answer as the ApiError kube-apiserver gives (its 404s become 400). */
export function kubeletError(status: number, text: string, nodeName: string): ApiError {
  const message = text.trim() || `the kubelet of node "${nodeName}" answered ${status}`
  if (status === 400 || status === 404) return new ApiError(400, 'BadRequest', message)
  if (status === 401 || status === 403) {
    return new ApiError(
      500,
      'InternalError',
      `the kubelet of node "${nodeName}" refused the API server's credentials: ${message}`
    )
  }
  const reason: StatusReason = status === 503 ? 'ServiceUnavailable' : 'InternalError'
  return new ApiError(status >= 500 ? status : 500, reason, message)
}

/** Serves GET pods/<name>/log into `res`; resolves once the stream has ended. */
export async function servePodLog(
  ctx: RestContext,
  target: Target,
  q: URLSearchParams,
  res: ServerResponse
): Promise<void> {
  const opts = podLogOptions(q)
  const aborted = new AbortController()
  res.on('close', () => aborted.abort())
  const log = await openPodLog(ctx, target, opts, aborted.signal)
  // The client hung up while the log was being opened: nobody to stream to.
  if (aborted.signal.aborted) return void log.destroy()
  await streamText(log, res)
}

/**
 * The log stream of `target` (a pod) with checked `opts`, from the control plane (mirror pods)
 * or the pod's kubelet; rejects with the ApiError kube-apiserver would answer. Destroying the
 * stream ends a follow. In-process callers (the desktop UI) use this instead of HTTPS.
 */
export async function openPodLog(
  ctx: RestContext,
  target: Target,
  opts: PodLogOptions,
  signal?: AbortSignal
): Promise<Readable> {
  const podName = target.name ?? ''
  const pod = await ctx.storage.get(target.entry, target.namespace, podName)
  const container = logContainerOf(pod, opts.container)
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName
  if (!nodeName) {
    throw badRequest(`pod "${podName}" is not scheduled to a node yet, so it has no logs`)
  }
  const local = await ctx.localPodLogs?.(pod, container, opts)
  if (local) return local
  const nodeEntry = findResourceByKind('v1', 'Node')
  const node = nodeEntry
    ? await ctx.storage.get(nodeEntry, undefined, nodeName).catch(() => undefined)
    : undefined
  const base = kubeletBaseUrl(node)
  const client = ctx.kubeletClient
  if (!base || !client) throw unavailable(nodeName, podName)

  const params = kubeletLogQuery(opts)
  const path =
    `/containerLogs/${encodeURIComponent(target.namespace ?? '')}/` +
    `${encodeURIComponent(podName)}/${encodeURIComponent(container)}` +
    (params.size > 0 ? `?${params}` : '')
  const url = new URL(path, base)

  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      ca: client.caCert,
      agent: false,
      headers: { Authorization: `Bearer ${client.token}`, Accept: 'text/plain' }
    })
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${KUBELET_CONNECT_TIMEOUT_MS} ms`)),
      KUBELET_CONNECT_TIMEOUT_MS
    )
    req.on('response', (r) => {
      clearTimeout(timer)
      resolve(r)
    })
    req.on('error', (err) => {
      clearTimeout(timer)
      reject(unavailable(nodeName, podName, `${url.host}: ${err.message}`))
    })
    // The client gave up before the kubelet answered.
    signal?.addEventListener('abort', () => req.destroy())
    req.end()
  })

  const status = upstream.statusCode ?? 0
  if (status < 200 || status > 299) {
    const chunks: Buffer[] = []
    for await (const chunk of upstream) chunks.push(chunk as Buffer)
    throw kubeletError(status, Buffer.concat(chunks).toString('utf8'), nodeName)
  }
  return upstream
}

/** Streams a log (the kubelet's answer, or one the API server has) until it ends or the client hangs up. */
async function streamText(source: Readable, res: ServerResponse): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private'
  })
  res.flushHeaders()
  await new Promise<void>((resolve) => {
    const done = (): void => {
      source.destroy()
      resolve()
    }
    res.on('close', done)
    source.on('error', () => {
      res.destroy()
      done()
    })
    source.on('end', () => res.end(done))
    source.pipe(res, { end: false })
  })
}

/** The query of the kubelet's `/containerLogs` for `opts`. */
export function kubeletLogQuery(opts: PodLogOptions): URLSearchParams {
  const params = new URLSearchParams()
  if (opts.follow) params.set('follow', 'true')
  if (opts.previous) params.set('previous', 'true')
  if (opts.timestamps) params.set('timestamps', 'true')
  if (opts.tailLines !== undefined) params.set('tailLines', String(opts.tailLines))
  if (opts.sinceSeconds !== undefined) params.set('sinceSeconds', String(opts.sinceSeconds))
  if (opts.sinceTime !== undefined) params.set('sinceTime', opts.sinceTime)
  if (opts.limitBytes !== undefined) params.set('limitBytes', String(opts.limitBytes))
  return params
}
