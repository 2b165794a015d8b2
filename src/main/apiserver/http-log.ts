/**
 * kube-apiserver's request log (httplog): at verbosity 3 and above, one `"HTTP"` line per
 * request when its answer is complete (a watch: when it starts), with the keys kube-apiserver
 * writes (`verb`, `URI`, `latency`, `userAgent`, `srcIP`, `resp`) plus who asked and what was
 * addressed (`user`, `resource`), which kube-apiserver leaves to its audit log:
 *
 *   I1203 18:04:05.123456   4242 kube-apiserver] "HTTP" verb="LIST" URI="/api/v1/pods?limit=500"
 *     latency="2.345ms" userAgent="kubectl/v1.32.0" user="kubernetes-admin" resource="pods"
 *     srcIP="127.0.0.1:51234" resp=200
 *
 * Failures (5xx) are logged at every verbosity, as errors.
 */
import type { AccessLogEntry } from './http/handler'
import type { LogValues } from '../observe/component-log'

/** The verbosity from which each request is logged (kube-apiserver: `-v=3`). */
export const HTTP_LOG_VERBOSITY = 3

/** The verb as httplog prints it: the HTTP method, with LIST and WATCH told apart from GET. */
const CANONICAL_VERBS: Record<string, string> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETE'
}

/** The verb of `verb` (a Kubernetes verb: list, create, …) as the request log shows it. */
export function canonicalVerb(verb: string): string {
  return CANONICAL_VERBS[verb] ?? verb.toUpperCase()
}

/** The key/values of one request's line. */
export function httpLogValues(e: AccessLogEntry): LogValues {
  return {
    verb: canonicalVerb(e.verb),
    URI: e.uri ?? e.path,
    latency: formatLatency(e.latencyMs),
    userAgent: e.userAgent,
    user: e.user,
    resource: e.resource || undefined,
    srcIP: e.srcIP,
    resp: e.code
  }
}

/**
 * A duration as Go's `time.Duration` prints it (`812ns`, `45.3µs`, `2.345ms`, `1.5s`), so the
 * line reads like kube-apiserver's.
 */
export function formatLatency(ms: number): string {
  const ns = Math.max(0, Math.round(ms * 1e6))
  if (ns < 1_000) return `${ns}ns`
  if (ns < 1_000_000) return `${trim(ns / 1_000)}µs`
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000)}ms`
  const seconds = ns / 1e9
  if (seconds < 60) return `${trim(seconds)}s`
  const minutes = Math.floor(seconds / 60)
  return `${minutes}m${trim(seconds - minutes * 60)}s`
}

/** At most nanosecond precision, without trailing zeros. */
function trim(n: number): string {
  return String(Number(n.toFixed(6)))
}
