/**
 * Query parameters → handler options, with kube-apiserver's wording for bad values (400).
 */
import { badRequest } from '../api-errors'
import { defaultFieldManager } from '../patch/managed-fields'
import type { FieldValidation, WriteOptions } from '../rest/context'
import type { DeleteOptions } from '../rest/delete'
import type { ListOptions } from '../rest/read'
import type { WatchOptions } from '../rest/watch'

/** `true`/`1` → true (a bare `?watch` too), `false`/`0` → false. */
export function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name)
  if (v === null) return undefined
  if (v === '' || v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)} (expected true or false)`)
}

/** A non-negative integer parameter. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^-?\d+$/.test(v))
    throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)} (expected an integer)`)
  return Number(v)
}

function str(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name)
  return v === null || v === '' ? undefined : v
}

/** labelSelector, fieldSelector, limit, continue, resourceVersion, resourceVersionMatch. */
export function listOptions(q: URLSearchParams): ListOptions {
  const limit = intParam(q, 'limit')
  if (limit !== undefined && limit < 0) throw badRequest(`invalid value for limit: ${limit}`)
  return {
    labelSelector: str(q, 'labelSelector'),
    fieldSelector: str(q, 'fieldSelector'),
    limit: limit || undefined,
    continue: str(q, 'continue'),
    resourceVersion: str(q, 'resourceVersion'),
    resourceVersionMatch: str(q, 'resourceVersionMatch')
  }
}

/** The list options plus allowWatchBookmarks, sendInitialEvents and timeoutSeconds. */
export function watchOptions(q: URLSearchParams): WatchOptions {
  const timeoutSeconds = intParam(q, 'timeoutSeconds')
  if (timeoutSeconds !== undefined && timeoutSeconds < 0)
    throw badRequest('timeoutSeconds must not be negative')
  return {
    labelSelector: str(q, 'labelSelector'),
    fieldSelector: str(q, 'fieldSelector'),
    resourceVersion: str(q, 'resourceVersion'),
    allowWatchBookmarks: boolParam(q, 'allowWatchBookmarks'),
    sendInitialEvents: boolParam(q, 'sendInitialEvents'),
    timeoutSeconds
  }
}

/** `dryRun`: only `All` is defined. */
export function dryRunParam(values: string[]): boolean {
  for (const v of values) {
    if (v !== 'All') {
      throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`)
    }
  }
  return values.length > 0
}

/** dryRun, fieldManager (default: the user agent's program name) and fieldValidation. */
export function writeOptions(q: URLSearchParams, userAgent: string | undefined): WriteOptions {
  const fv = str(q, 'fieldValidation')
  if (fv !== undefined && !['Strict', 'Warn', 'Ignore'].includes(fv)) {
    throw badRequest(
      `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`
    )
  }
  return {
    dryRun: dryRunParam(q.getAll('dryRun')),
    fieldManager: q.get('fieldManager') ?? undefined,
    defaultFieldManager: defaultFieldManager(userAgent, 'unknown'),
    fieldValidation: fv as FieldValidation | undefined
  }
}

/** DeleteOptions from the body (if any) and the query (the query wins, as in kube-apiserver). */
export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const fromBody = (body && typeof body === 'object' ? body : {}) as DeleteOptions & {
    orphanDependents?: boolean
    dryRun?: unknown
  }
  const grace = intParam(q, 'gracePeriodSeconds') ?? fromBody.gracePeriodSeconds
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace))) {
    throw badRequest('gracePeriodSeconds must be an integer')
  }
  let policy = str(q, 'propagationPolicy') ?? fromBody.propagationPolicy
  const orphan = boolParam(q, 'orphanDependents') ?? fromBody.orphanDependents
  if (policy === undefined && orphan !== undefined) policy = orphan ? 'Orphan' : 'Background'
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`
    )
  }
  const bodyDryRun = Array.isArray(fromBody.dryRun) ? (fromBody.dryRun as string[]) : []
  return {
    gracePeriodSeconds: grace,
    propagationPolicy: policy as DeleteOptions['propagationPolicy'],
    preconditions: fromBody.preconditions,
    dryRun: dryRunParam([...q.getAll('dryRun'), ...bodyDryRun])
  }
}
