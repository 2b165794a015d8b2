/**
 * What the OpenAPI documents share: the resource set's cache key, the closure of definitions
 * a document refers to, and the hash kube-apiserver puts in `serverRelativeURL` and `ETag`.
 */
import { createHash } from 'node:crypto'
import type { ResourceInfo } from '../types'
import { refName, type Definitions } from './schema-walk'

/** A document with the exact bytes served and their hash. */
export interface SerializedDocument {
  document: object
  /** The JSON body to serve, byte for byte what the hash covers. */
  json: string
  /** Upper-case hex SHA-512 of `json`, as kube-openapi computes its ETag. */
  hash: string
}

/** Serializes a document once and hashes it. */
export function serialize(document: object): SerializedDocument {
  const json = JSON.stringify(document)
  const hash = createHash('sha512').update(json).digest('hex').toUpperCase()
  return { document, json, hash }
}

/** A key that changes whenever the resource set would change a document. */
export function resourcesKey(resources: readonly ResourceInfo[]): string {
  return resources
    .map(
      (r) =>
        `${r.group}/${r.version}/${r.plural}/${r.kind}/${r.namespaced}/${r.verbs.join(',')}/${r.subresources.join(',')}`
    )
    .join(';')
}

/** Memoizes per resource set; a handful of sets at most exist (the registry, tests). */
export function memoByResources<T>(): (resources: readonly ResourceInfo[], make: () => T) => T {
  const cache = new Map<string, T>()
  return (resources, make) => {
    const key = resourcesKey(resources)
    let value = cache.get(key)
    if (value === undefined) {
      if (cache.size > 8) cache.clear()
      value = make()
      cache.set(key, value)
    }
    return value
  }
}

/** The definitions `roots` refer to, directly or through other definitions, in name order. */
export function definitionClosure(roots: Iterable<string>, definitions: Definitions): string[] {
  const kept = new Set<string>()
  const pending = [...roots]
  while (pending.length > 0) {
    const name = pending.pop() as string
    if (kept.has(name) || !definitions[name]) continue
    kept.add(name)
    collect(definitions[name], pending)
  }
  return [...kept].sort()
}

function collect(node: unknown, into: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, into)
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.push(refName(value))
      else collect(value, into)
    }
  }
}
