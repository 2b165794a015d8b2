/**
 * Shared vocabulary of the API server: objects, resource descriptions, request context.
 * Pure modules (selectors, tables, patch, admission, openapi) and the HTTP layer all speak it.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1'

/** Any Kubernetes object as stored and served: apiVersion, kind, metadata, and the rest. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [field: string]: unknown
}

/** A list as served by `list`: `<Kind>List` with the list's resourceVersion and continue token. */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string
  kind: string
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number }
  items: T[]
}

/** Subresources a resource can serve. */
export type Subresource = 'status' | 'scale' | 'binding' | 'eviction' | 'log' | 'exec'

/** Verbs as discovery lists them. */
export type Verb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection'

/** One entry of the resource registry: everything generic handlers need to serve a kind. */
export interface ResourceInfo {
  /** '' for the core group. */
  group: string
  version: string
  kind: string
  /** Plural, lower-case: the URL segment (`pods`). */
  plural: string
  /** Singular, lower-case (`pod`). */
  singular: string
  namespaced: boolean
  shortNames?: string[]
  categories?: string[]
  subresources: Subresource[]
  verbs: Verb[]
}

/** `apiVersion` of a resource: `v1` for core, else `group/version`. */
export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version
}

/** Who is making a request, as authentication established it. */
export interface UserInfo {
  /** e.g. `kubernetes-admin`, `system:node:kubedesk-worker`, `system:kube-scheduler`. */
  username: string
  groups: string[]
}

/** One reason a field is invalid, as in a Status's `details.causes`. */
export interface FieldCause {
  /** Kubernetes cause type: FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueForbidden, FieldValueDuplicate, FieldValueTooLong … */
  reason: string
  /** The human message, e.g. `Required value`. */
  message: string
  /** The JSON path, e.g. `spec.containers[0].image`. */
  field: string
}
