/**
 * Server-side transformations of get, list and watch answers: `as=Table` (what `kubectl get`
 * prints) and `as=PartialObjectMetadata[List]` (metadata-only clients such as garbage collectors).
 */
import type { RegistryEntry } from '../registry'
import { tableOf } from '../rest/collaborators'
import type { KubeList, KubeObject } from '../types'
import type { Rendering } from './respond'

/** includeObject of a Table request. */
export type IncludeObject = 'None' | 'Metadata' | 'Object'

function partial(obj: KubeObject, version: string): Record<string, unknown> {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: obj.metadata
  }
}

/** One object as the rendering asks. */
export function transformObject(
  entry: RegistryEntry,
  obj: KubeObject,
  r: Rendering,
  includeObject: IncludeObject
): unknown {
  if (r.as === 'Table')
    return { ...tableOf(entry, [obj], { includeObject }), apiVersion: `meta.k8s.io/${r.version}` }
  if (r.as === 'PartialObjectMetadata' || r.as === 'PartialObjectMetadataList')
    return partial(obj, r.version ?? 'v1')
  return obj
}

/** A list as the rendering asks (Tables carry the list's resourceVersion and continue token). */
export function transformList(
  entry: RegistryEntry,
  list: KubeList,
  r: Rendering,
  includeObject: IncludeObject
): unknown {
  if (r.as === 'Table') {
    const table = tableOf(entry, list.items, { includeObject })
    return { ...table, apiVersion: `meta.k8s.io/${r.version}`, metadata: list.metadata }
  }
  if (r.as === 'PartialObjectMetadata' || r.as === 'PartialObjectMetadataList') {
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${r.version}`,
      metadata: list.metadata,
      items: list.items.map((o) => partial(o, r.version ?? 'v1'))
    }
  }
  return list
}

/** Parses `includeObject` (default Metadata, as kube-apiserver). */
export function includeObjectParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject')
  return v === 'None' || v === 'Object' ? v : 'Metadata'
}
