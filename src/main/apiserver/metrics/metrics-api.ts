/**
 * The `metrics.k8s.io/v1beta1` API served by the API server itself, where a real cluster
 * aggregates metrics-server: NodeMetrics (`nodes`, cluster-scoped) and PodMetrics (`pods`,
 * namespaced), verbs get and list, with label and field selectors, so `kubectl top` works
 * without installing anything. Nothing is stored: every answer is built from the MetricsSource
 * (the scraper's latest usage) and the Node or Pod it is about (whose labels it carries, as
 * metrics-server's do). The group is listed in discovery only when a source is configured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError, notFound } from '../api-errors'
import { pathNotFound, type RequestSummary } from '../http/resource-handler'
import { negotiate, sendObject } from '../http/respond'
import { includeObjectParam } from '../http/transform'
import type { ResourceRoute } from '../http/route'
import { findResourceByKind } from '../registry'
import type { RestContext } from '../rest/context'
import { timestamp } from '../rest/context'
import { parseFieldSelector } from '../selectors/field-selector'
import { parseLabelSelector } from '../selectors/label-selector'
import type { KubeObject } from '../types'
import type { MetricsSource, PodUsage, UsagePoint } from './metrics-source'
import { renderMetrics, type MetricsRow } from './metrics-table'
import { formatGoDuration, formatMemoryBytes, formatNanoCores } from './quantities'

/** The group metrics-server registers. */
export const METRICS_GROUP = 'metrics.k8s.io'
/** Its only version. */
export const METRICS_VERSION = 'v1beta1'
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`

const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true }
] as const

function groupDocument(): Record<string, unknown> {
  const version = { groupVersion: API_VERSION, version: METRICS_VERSION }
  return { name: METRICS_GROUP, versions: [version], preferredVersion: version }
}

/** `/apis` with the metrics group appended when `source` is set. */
export function withMetricsGroup(
  list: Record<string, unknown>,
  source: MetricsSource | undefined
): Record<string, unknown> {
  if (!source) return list
  return { ...list, groups: [...(list.groups as unknown[]), groupDocument()] }
}

/** `/apis/metrics.k8s.io`; undefined for another group or without a source. */
export function metricsGroupInfo(group: string, source: MetricsSource | undefined) {
  if (!source || group !== METRICS_GROUP) return undefined
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument() }
}

/** `/apis/metrics.k8s.io/v1beta1`, as metrics-server lists it (no singular names). */
export function metricsResourceList(
  group: string,
  version: string,
  source: MetricsSource | undefined
): Record<string, unknown> | undefined {
  if (!source || group !== METRICS_GROUP || version !== METRICS_VERSION) return undefined
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: API_VERSION,
    resources: RESOURCES.map((r) => ({
      name: r.name,
      singularName: '',
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ['get', 'list']
    }))
  }
}

/** True when the route is under /apis/metrics.k8s.io and a source serves it. */
export function isMetricsRoute(route: ResourceRoute, ctx: RestContext): boolean {
  return route.group === METRICS_GROUP && ctx.metrics !== undefined
}

function usage(cpuNanoCores: number, memoryBytes: number): Record<string, string> {
  return { cpu: formatNanoCores(cpuNanoCores), memory: formatMemoryBytes(memoryBytes) }
}

function metadataOf(obj: KubeObject, now: Date): Record<string, unknown> {
  const meta = obj.metadata
  return {
    name: meta.name,
    ...(meta.namespace ? { namespace: meta.namespace } : {}),
    // metrics-server stamps each answer with the time it was built.
    creationTimestamp: timestamp(now),
    ...(meta.labels ? { labels: meta.labels } : {})
  }
}

/** A NodeMetrics object for `node`. */
export function nodeMetrics(node: KubeObject, point: UsagePoint, now: Date): KubeObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: metadataOf(node, now),
    timestamp: timestamp(point.timestamp),
    window: formatGoDuration(point.windowMs),
    usage: usage(point.cpuNanoCores, point.memoryBytes)
  } as KubeObject
}

/** A PodMetrics object for `pod`. */
export function podMetrics(pod: KubeObject, point: PodUsage, now: Date): KubeObject {
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: metadataOf(pod, now),
    timestamp: timestamp(point.timestamp),
    window: formatGoDuration(point.windowMs),
    containers: point.containers.map((c) => ({
      name: c.name,
      usage: usage(c.cpuNanoCores, c.memoryBytes)
    }))
  } as KubeObject
}

function nodeRow(source: MetricsSource, node: KubeObject, now: Date): MetricsRow | undefined {
  const point = source.node(node.metadata.name ?? '')
  if (!point) return undefined
  return { object: nodeMetrics(node, point, now), ...point }
}

function podRow(source: MetricsSource, pod: KubeObject, now: Date): MetricsRow | undefined {
  const point = source.pod(pod.metadata.namespace ?? '', pod.metadata.name ?? '')
  // A pod recreated under the same name is another pod: the old one's usage is not its own.
  if (!point || point.uid !== pod.metadata.uid || point.containers.length === 0) return undefined
  return {
    object: podMetrics(pod, point, now),
    cpuNanoCores: point.containers.reduce((sum, c) => sum + c.cpuNanoCores, 0),
    memoryBytes: point.containers.reduce((sum, c) => sum + c.memoryBytes, 0),
    windowMs: point.windowMs
  }
}

/**
 * Serves GET of `/apis/metrics.k8s.io/v1beta1/…`: 405 for any other method or a watch, 404 for
 * unknown paths and for nodes or pods without metrics (metrics-server's messages).
 */
export async function serveMetrics(
  ctx: RestContext,
  route: ResourceRoute,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  summary: RequestSummary
): Promise<void> {
  const source = ctx.metrics!
  const resource = RESOURCES.find((r) => r.name === route.resource)
  if (route.version !== METRICS_VERSION || !resource || route.subresource) throw pathNotFound()
  if (route.namespace !== undefined && !resource.namespaced) throw pathNotFound()
  const q = url.searchParams
  const watching = route.watchPath || q.get('watch') === 'true' || q.get('watch') === '1'
  summary.verb = watching ? 'watch' : route.name ? 'get' : 'list'
  summary.resource = route.resource
  if (req.method !== 'GET' || watching) {
    throw new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource'
    )
  }
  if (resource.namespaced && route.name && route.namespace === undefined) throw pathNotFound()
  const rendering = negotiate(req.headers.accept, true)
  const includeObject = includeObjectParam(q)
  const now = ctx.now()
  const entry = findResourceByKind('v1', resource.name === 'nodes' ? 'Node' : 'Pod')!
  const rowOf = (obj: KubeObject): MetricsRow | undefined =>
    resource.name === 'nodes' ? nodeRow(source, obj, now) : podRow(source, obj, now)

  if (route.name) {
    const obj = await ctx.storage.find(entry, route.namespace, route.name)
    if (!obj) throw notFound(resource.name === 'nodes' ? 'node' : 'pods', '', route.name)
    const row = rowOf(obj)
    if (!row) {
      const name = resource.namespaced ? `${route.namespace}/${route.name}` : route.name
      throw notFound(resource.name === 'nodes' ? 'nodemetrics' : 'podmetrics', METRICS_GROUP, name)
    }
    sendObject(res, 200, renderMetrics([row], undefined, rendering, includeObject), rendering)
    return
  }

  const labels = parseLabelSelector(q.get('labelSelector') ?? '')
  const fields = parseFieldSelector(q.get('fieldSelector') ?? '', {
    group: METRICS_GROUP,
    kind: resource.kind,
    namespaced: resource.namespaced
  })
  const page = await ctx.storage.list(entry, route.namespace, {
    filter: (o) => labels.matches(o.metadata.labels) && fields.matches(o)
  })
  const rows = page.items.map(rowOf).filter((r): r is MetricsRow => r !== undefined)
  const list = { kind: `${resource.kind}List`, apiVersion: API_VERSION }
  sendObject(res, 200, renderMetrics(rows, list, rendering, includeObject), rendering)
}
