/**
 * The pure modules the handlers call — selectors, tables, patching, admission, OpenAPI — behind
 * one door, so handlers name what they need, not where it lives.
 */
import { invalid } from '../api-errors'
import { admit, validate, validateStatusUpdate, type AdmissionOptions } from '../admission'
import {
  patchSchemaFor,
  decodeFindings,
  decodeErrorMessage,
  strictDecodingMessage,
  type DecodeFindings
} from '../openapi'
import { applyPatch } from '../patch'
import type { PatchSchema } from '../patch/patch-schema'
import { recordUpdate } from '../patch/managed-fields'
import { serverSideApply, validateFieldManager } from '../patch/server-side-apply'
import { parseFieldSelector } from '../selectors/field-selector'
import { parseLabelSelector } from '../selectors/label-selector'
import { toTable } from '../tables'
import type { FieldCause, KubeObject, ResourceInfo } from '../types'

export { decodeErrorMessage, strictDecodingMessage, validateFieldManager }

/** A parsed label or field selector. */
export interface ObjectMatcher {
  matches(obj: KubeObject): boolean
}

/** `labelSelector` → a matcher over `metadata.labels` (400 on bad syntax). */
export function labelMatcher(text: string): ObjectMatcher {
  const selector = parseLabelSelector(text)
  return { matches: (obj) => selector.matches(obj.metadata.labels) }
}

/** `fieldSelector` → a matcher over the selectable fields of `resource` (400 on unknown fields). */
export function fieldMatcher(text: string, resource: ResourceInfo): ObjectMatcher {
  return parseFieldSelector(text, resource)
}

/** A meta.k8s.io/v1 Table of `objects` (without list metadata). */
export function tableOf(
  resource: ResourceInfo,
  objects: KubeObject[],
  opts: { includeObject?: 'None' | 'Metadata' | 'Object' }
): Record<string, unknown> {
  return toTable(resource, objects, opts) as unknown as Record<string, unknown>
}

/** Applies a JSON, merge or strategic merge patch. */
export function patchObject(
  type: 'json' | 'merge' | 'strategic',
  original: KubeObject,
  patch: unknown,
  schema?: PatchSchema
): KubeObject {
  return applyPatch(type, original, patch, schema)
}

/** Server-side apply of `applied` over `live` (409 on conflicts unless forced). */
export function applyConfiguration(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: { manager: string; force: boolean; schema?: PatchSchema; now: string; subresource?: string }
): KubeObject {
  return serverSideApply(live, applied, opts)
}

/** Maintains managedFields for a non-apply write. */
export function recordWrite(
  old: KubeObject | undefined,
  updated: KubeObject,
  opts: {
    manager: string
    operation: 'Update'
    subresource?: string
    schema?: PatchSchema
    now: string
  }
): KubeObject {
  return recordUpdate(old, updated, opts)
}

/** Applies Kubernetes defaults in place (may throw ApiError, e.g. 403 for a missing PriorityClass). */
export function admitObject(
  resource: ResourceInfo,
  operation: 'CREATE' | 'UPDATE',
  obj: KubeObject,
  old?: KubeObject,
  opts?: AdmissionOptions
): void {
  admit(resource, operation, obj, old, opts)
}

/** Validation causes of a write (empty when valid); status writes get the status checks. */
export function validateObject(
  resource: ResourceInfo,
  operation: 'CREATE' | 'UPDATE',
  obj: KubeObject,
  old?: KubeObject,
  statusWrite = false
): FieldCause[] {
  if (statusWrite && old) return validateStatusUpdate(resource, obj, old)
  return validate(resource, operation, obj, old)
}

/** The patch schema of a kind. */
export function patchSchemaOf(
  group: string,
  version: string,
  kind: string
): PatchSchema | undefined {
  return patchSchemaFor(group, version, kind)
}

/**
 * Values that cannot decode into the kind's types (a string where an integer belongs) and fields
 * the kind's schema does not declare, in one walk (the latter complete only without the former).
 */
export function decodeFindingsOf(
  group: string,
  version: string,
  kind: string,
  obj: KubeObject
): DecodeFindings {
  return decodeFindings(group, version, kind, obj)
}

/** 422 helper re-exported for handlers that build causes themselves. */
export { invalid }
