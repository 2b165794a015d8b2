/**
 * The API server's typed errors. Every failure a client can see is one of these and leaves the
 * server as a Kubernetes `Status` object with the right `reason` and `code` (api-conventions).
 */
import type { FieldCause } from './types'

/** Kubernetes `StatusReason` values the server uses. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'

/** The `details` of a Status. */
export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: FieldCause[]
  retryAfterSeconds?: number
}

/** A `meta.k8s.io/v1 Status` object. */
export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure' | 'Success'
  message?: string
  reason?: StatusReason
  details?: StatusDetails
  code: number
}

/** An error that the API server answers as a Status with `code` and `reason`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** The Status object sent to clients. */
  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code
    }
  }
}

/** `<resource>[.<group>] "<name>" not found` — 404 as kube-apiserver words it. */
export function notFound(resource: string, group: string, name: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource
  return new ApiError(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource
  })
}

/** `<resource> "<name>" already exists` — 409 AlreadyExists. */
export function alreadyExists(resource: string, group: string, name: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource
  return new ApiError(409, 'AlreadyExists', `${qualified} "${name}" already exists`, {
    name,
    group: group || undefined,
    kind: resource
  })
}

/** Optimistic-concurrency failure — 409 Conflict with kube-apiserver's message. */
export function conflict(resource: string, group: string, name: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: group || undefined, kind: resource }
  )
}

/** `<Kind> "<name>" is invalid: <causes>` — 422 Invalid with field causes. */
export function invalid(kind: string, group: string, name: string, causes: FieldCause[]): ApiError {
  const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ')
  const qualified = group ? `${kind}.${group}` : kind
  return new ApiError(422, 'Invalid', `${qualified} "${name}" is invalid: ${list}`, {
    name,
    group: group || undefined,
    kind,
    causes
  })
}

/** 400 BadRequest with a message. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message)
}

/** 410 Expired: a watch or list asked for a resourceVersion older than the retained history. */
export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message)
}
