/**
 * Lookups over the resource registry: by group/version/plural (routing), by apiVersion/kind
 * (the in-process client), and the group versions discovery lists.
 */
import { apiVersionOf } from '../types'
import { RESOURCES, type RegistryEntry } from './resource-list'

export { RESOURCES, type RegistryEntry } from './resource-list'

const byPath = new Map<string, RegistryEntry>()
const byKind = new Map<string, RegistryEntry>()
for (const r of RESOURCES) {
  byPath.set(`${r.group}/${r.version}/${r.plural}`, r)
  byKind.set(`${apiVersionOf(r)}/${r.kind}`, r)
}

/** The entry serving `/<prefix>/<group>/<version>/<plural>`; undefined when none. */
export function findResource(
  group: string,
  version: string,
  plural: string
): RegistryEntry | undefined {
  return byPath.get(`${group}/${version}/${plural}`)
}

/** The entry for an object's `apiVersion` and `kind` (`apps/v1`, `Deployment`). */
export function findResourceByKind(apiVersion: string, kind: string): RegistryEntry | undefined {
  return byKind.get(`${apiVersion}/${kind}`)
}

/** The named groups (not core), each with its versions, in registry order. */
export function apiGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, Set<string>>()
  for (const r of RESOURCES) {
    if (!r.group) continue
    if (!groups.has(r.group)) groups.set(r.group, new Set())
    groups.get(r.group)?.add(r.version)
  }
  return [...groups].map(([name, versions]) => ({ name, versions: [...versions] }))
}

/** The resources of one group version. */
export function resourcesOf(group: string, version: string): RegistryEntry[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version)
}

/** True when the entry serves `subresource`. */
export function hasSubresource(entry: RegistryEntry, subresource: string): boolean {
  return (entry.subresources as string[]).includes(subresource)
}
