/**
 * Request paths → what they address, following kube-apiserver's request-info rules:
 *
 *   /api/v1[/watch][/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]
 *   /apis/<group>/<version>[/watch][/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]
 *
 * `/api/v1/namespaces/<name>/status` addresses the namespace's status (status and finalize are
 * the namespace subresources), not a resource called `status` in that namespace.
 */

/** A path under /api or /apis that names a resource. */
export interface ResourceRoute {
  type: 'resource'
  group: string
  version: string
  resource: string
  namespace?: string
  name?: string
  subresource?: string
  /** The deprecated `/watch/` path form. */
  watchPath: boolean
}

/** Discovery, health and OpenAPI paths. */
export type InfoRoute =
  | { type: 'version' }
  | { type: 'health'; check: 'healthz' | 'livez' | 'readyz'; name?: string }
  | { type: 'api' }
  | { type: 'apis' }
  | { type: 'group'; group: string }
  | { type: 'groupVersion'; group: string; version: string }
  | { type: 'openapi'; path: string }

/** What a request path addresses; undefined for a path nothing serves. */
export type Route = ResourceRoute | InfoRoute

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize'])

/** Parses a request's raw URL path (without the query, not normalized). */
export function parseRoute(pathname: string): Route | undefined {
  if (!pathname.startsWith('/')) return undefined
  // One trailing slash is tolerated; any other empty segment, or a dot segment (even encoded),
  // addresses nothing: `/pods/%2e%2e` must never reach the namespace above it.
  const raw = pathname.slice(1).replace(/\/$/, '')
  let parts: string[]
  try {
    parts = raw === '' ? [] : raw.split('/').map((p) => decodeURIComponent(p))
  } catch {
    return undefined
  }
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('/'))) return undefined
  const [first] = parts
  if (first === 'version' && parts.length === 1) return { type: 'version' }
  if ((first === 'healthz' || first === 'livez' || first === 'readyz') && parts.length <= 2) {
    return parts.length === 2
      ? { type: 'health', check: first, name: parts[1] }
      : { type: 'health', check: first }
  }
  if (first === 'openapi') return { type: 'openapi', path: parts.slice(1).join('/') }
  if (first === 'api') {
    if (parts.length === 1) return { type: 'api' }
    if (parts.length === 2) return { type: 'groupVersion', group: '', version: parts[1] }
    return resourceRoute('', parts[1], parts.slice(2))
  }
  if (first === 'apis') {
    if (parts.length === 1) return { type: 'apis' }
    if (parts.length === 2) return { type: 'group', group: parts[1] }
    if (parts.length === 3) return { type: 'groupVersion', group: parts[1], version: parts[2] }
    return resourceRoute(parts[1], parts[2], parts.slice(3))
  }
  return undefined
}

function resourceRoute(group: string, version: string, rest: string[]): ResourceRoute | undefined {
  let parts = rest
  const watchPath = parts[0] === 'watch'
  if (watchPath) parts = parts.slice(1)
  let namespace: string | undefined
  if (parts[0] === 'namespaces' && parts.length > 1) {
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) {
      namespace = parts[1]
      parts = parts.slice(2)
    }
  }
  if (parts.length === 0 || parts.length > 3) return undefined
  const [resource, name, subresource] = parts
  return { type: 'resource', group, version, resource, namespace, name, subresource, watchPath }
}
