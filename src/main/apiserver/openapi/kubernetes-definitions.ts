/**
 * The upstream Kubernetes schema definitions of the kinds KubeDesk serves (see
 * generate-definitions.ts for where they come from), indexed by group, version and kind.
 * The JSON is parsed once at import by the bundler or Node; the indexes are built on first use.
 */
import data from './kubernetes-definitions.json'
import type { Definitions, Schema } from './schema-walk'

interface Gvk {
  group: string
  version: string
  kind: string
}

/** The Kubernetes release the definitions were cut from (`v1.32.0`). */
export const KUBERNETES_SCHEMA_VERSION: string = data.kubernetesVersion

let byGvk: Map<string, string> | undefined

/** Every definition, by name. */
export function kubernetesDefinitions(): Definitions {
  return data.definitions as unknown as Definitions
}

/** The definition name of a kind (`apps`, `v1`, `Deployment` → `io.k8s.api.apps.v1.Deployment`). */
export function definitionNameFor(
  group: string,
  version: string,
  kind: string
): string | undefined {
  if (!byGvk) {
    byGvk = new Map()
    for (const [name, schema] of Object.entries(kubernetesDefinitions())) {
      const gvks = (schema['x-kubernetes-group-version-kind'] ?? []) as Gvk[]
      for (const g of gvks) {
        const key = `${g.group}/${g.version}/${g.kind}`
        // API types win over apimachinery's shared ones (DeleteOptions names every group).
        if (!byGvk.has(key) || name.startsWith('io.k8s.api.')) byGvk.set(key, name)
      }
    }
  }
  return byGvk.get(`${group}/${version}/${kind}`)
}

/** The schema of a kind, undefined when KubeDesk has none for it. */
export function definitionFor(group: string, version: string, kind: string): Schema | undefined {
  const name = definitionNameFor(group, version, kind)
  return name ? kubernetesDefinitions()[name] : undefined
}
