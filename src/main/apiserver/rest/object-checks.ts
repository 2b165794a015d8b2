/**
 * Checks and preparations shared by every write: the body is an object of the right kind, its
 * namespace and name agree with the URL, the namespace exists and is not terminating, and
 * admission plus validation pass (422 Invalid with field causes otherwise).
 */
import { ApiError, badRequest, invalid, notFound } from '../api-errors'
import { findResource, type RegistryEntry } from '../registry'
import type { KubeObject } from '../types'
import { apiVersionOf } from '../types'
import {
  admitObject,
  decodeErrorMessage,
  decodeFindingsOf,
  strictDecodingMessage,
  validateObject
} from './collaborators'
import type { RestContext, Target, WriteOptions } from './context'
import type { AdmissionOptions } from '../admission'

/** The namespaces registry entry (creation checks look namespaces up). */
export const NAMESPACES = findResource('', 'v1', 'namespaces') as RegistryEntry

// Bodies decoded for one request alone: nobody else holds them, so a write may shape them in
// place instead of copying them first (a structured clone of a pod costs about 0.1 ms).
const ownedBodies = new WeakSet<object>()

/**
 * Marks a freshly decoded request body as the handler's own: asObjectOf then uses it as is
 * rather than a copy. Only for values no caller looks at again (the in-process client's
 * arguments belong to its caller and are copied).
 */
export function ownedBody<T>(body: T): T {
  if (body && typeof body === 'object') ownedBodies.add(body)
  return body
}

/**
 * Checks that `body` is an object of `entry`'s kind and fills apiVersion/kind when missing. The
 * answer is a copy of `body` unless it was marked with ownedBody.
 */
export function asObjectOf(entry: RegistryEntry, body: unknown): KubeObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('the body of the request must be a JSON or YAML object')
  }
  const obj = (ownedBodies.has(body) ? body : structuredClone(body)) as KubeObject
  const apiVersion = apiVersionOf(entry)
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`
    )
  }
  if (obj.kind !== undefined && obj.kind !== entry.kind) {
    throw badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${entry.kind})`
    )
  }
  obj.apiVersion = apiVersion
  obj.kind = entry.kind
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {}
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw badRequest('metadata must be an object')
  }
  return obj
}

/** Aligns the object's namespace with the URL's (400 when they differ). */
export function alignNamespace(target: Target, obj: KubeObject): void {
  if (!target.entry.namespaced) {
    delete obj.metadata.namespace
    return
  }
  const ns = obj.metadata.namespace
  if (ns && target.namespace && ns !== target.namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request'
    )
  }
  obj.metadata.namespace = target.namespace ?? ns
  if (!obj.metadata.namespace) throw badRequest('a namespace is required for namespaced resources')
}

/** 404 when the namespace does not exist; 403 when it is terminating (creates only). */
export async function checkNamespace(
  ctx: RestContext,
  target: Target,
  forCreate: boolean
): Promise<void> {
  if (!target.entry.namespaced || !target.namespace) return
  const ns = await ctx.storage.findShared(NAMESPACES, undefined, target.namespace)
  if (!ns) throw notFound('namespaces', '', target.namespace)
  if (forCreate && ns.metadata.deletionTimestamp) {
    throw new ApiError(
      403,
      'Forbidden',
      `${target.entry.plural} "${target.name ?? ''}" is forbidden: unable to create new content in namespace ${target.namespace} because it is being terminated`,
      { name: target.name, kind: target.entry.plural }
    )
  }
}

/**
 * Decoding checks: values of the wrong type answer 400 as Go's decoder would; unknown fields
 * per `fieldValidation` — Strict fails with 400, Warn (the default) answers warnings, Ignore
 * drops them silently.
 */
export function checkUnknownFields(
  entry: RegistryEntry,
  obj: KubeObject,
  opts: WriteOptions
): string[] {
  const findings = decodeFindingsOf(entry.group, entry.version, entry.kind, obj)
  const typeErrors = findings.typeErrors
  if (typeErrors.length > 0) {
    throw new ApiError(
      400,
      'BadRequest',
      decodeErrorMessage(entry.kind, entry.version, typeErrors[0].message)
    )
  }
  const causes = findings.unknownFields
  if (causes.length === 0) return []
  if (opts.fieldValidation === 'Strict') {
    throw new ApiError(
      400,
      'BadRequest',
      strictDecodingMessage(entry.kind, entry.version, causes),
      {
        causes
      }
    )
  }
  // Like Go's decoder, anything the kind does not declare is dropped, never stored.
  for (const cause of causes) dropField(obj, cause.field)
  return opts.fieldValidation === 'Ignore' ? [] : causes.map((c) => c.message)
}

/** Removes the field at a cause path such as `spec.containers[0].foo`. */
function dropField(obj: KubeObject, path: string): void {
  const parts = [...path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)].map((m) => m[1] ?? m[2])
  let at: unknown = obj
  for (const part of parts.slice(0, -1)) {
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, part)) return
    at = (at as Record<string, unknown>)[part]
  }
  const last = parts[parts.length - 1]
  if (at && typeof at === 'object' && last !== undefined)
    delete (at as Record<string, unknown>)[last]
}

/** Admission then validation; 422 Invalid with the causes when validation fails. */
export function admitAndValidate(
  entry: RegistryEntry,
  operation: 'CREATE' | 'UPDATE',
  obj: KubeObject,
  old?: KubeObject,
  statusWrite = false,
  admission?: AdmissionOptions
): void {
  admitObject(entry, operation, obj, old, admission)
  const causes = validateObject(entry, operation, obj, old, statusWrite)
  if (causes.length > 0) throw invalid(entry.kind, entry.group, obj.metadata.name ?? '', causes)
}

/** Everything but metadata and status, for "did the spec change" (generation) checks. */
export function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj
  void _m
  void _s
  return JSON.stringify(rest)
}
