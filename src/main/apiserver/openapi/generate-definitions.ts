/**
 * Regenerates `kubernetes-definitions.json`: the schema definitions of the kinds KubeDesk serves,
 * cut from the upstream Kubernetes OpenAPI v2 document (`api/openapi-spec/swagger.json` of a
 * Kubernetes release, Apache-2.0) with descriptions and every `x-kubernetes-*` extension kept.
 *
 * No npm package ships the upstream document, so the cut is kept in the repository; run this
 * after adding a kind to the registry:
 *
 *   npx tsx src/main/apiserver/openapi/generate-definitions.ts <swagger.json> [version]
 *
 * The roots are every registry kind and its List, plus the types the documents' paths refer to
 * (Scale, Eviction, Binding, Status, DeleteOptions, WatchEvent, Patch, discovery and version
 * types); everything they reference comes along.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RESOURCES } from '../registry'
import { refName, type Definitions, type Schema } from './schema-walk'

interface Gvk {
  group: string
  version: string
  kind: string
}

/** Types the generated paths use besides the registry kinds. */
const EXTRA_ROOTS: Gvk[] = [
  { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  { group: 'policy', version: 'v1', kind: 'Eviction' },
  { group: '', version: 'v1', kind: 'Binding' }
]
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.'
const EXTRA_NAMES = [
  `${META}Status`,
  `${META}DeleteOptions`,
  `${META}WatchEvent`,
  `${META}Patch`,
  `${META}APIResourceList`,
  `${META}APIGroupList`,
  `${META}APIGroup`,
  `${META}APIVersions`,
  'io.k8s.apimachinery.pkg.version.Info'
]

function definitionFor(definitions: Definitions, gvk: Gvk): string {
  const matches = Object.keys(definitions).filter((name) => {
    const list = definitions[name]['x-kubernetes-group-version-kind'] as Gvk[] | undefined
    return list?.some(
      (g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind
    )
  })
  // Prefer the API type over apimachinery's shared ones (DeleteOptions lists every group).
  const name = matches.find((n) => n.startsWith('io.k8s.api.')) ?? matches[0]
  if (!name) throw new Error(`no definition for ${gvk.group}/${gvk.version} ${gvk.kind}`)
  return name
}

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into)
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.add(refName(value))
      else collectRefs(value, into)
    }
  }
}

function main(): void {
  const [input, version = 'v1.32.0'] = process.argv.slice(2)
  if (!input) {
    console.error('usage: generate-definitions.ts <swagger.json> [kubernetes version]')
    process.exit(2)
  }
  const swagger = JSON.parse(readFileSync(input, 'utf8')) as { definitions: Definitions }
  const all = swagger.definitions
  const roots = new Set(EXTRA_NAMES)
  for (const r of RESOURCES) {
    roots.add(definitionFor(all, r))
    roots.add(definitionFor(all, { ...r, kind: `${r.kind}List` }))
  }
  for (const gvk of EXTRA_ROOTS) roots.add(definitionFor(all, gvk))

  const kept = new Set<string>()
  const pending = [...roots]
  while (pending.length > 0) {
    const name = pending.pop() as string
    if (kept.has(name)) continue
    if (!all[name]) throw new Error(`missing definition ${name}`)
    kept.add(name)
    const refs = new Set<string>()
    collectRefs(all[name], refs)
    pending.push(...refs)
  }
  const definitions: Record<string, Schema> = {}
  for (const name of [...kept].sort()) definitions[name] = all[name]
  const out = join(__dirname, 'kubernetes-definitions.json')
  const data = { kubernetesVersion: version, source: 'api/openapi-spec/swagger.json', definitions }
  writeFileSync(out, JSON.stringify(data, null, 2) + '\n')
  console.log(`${kept.size} definitions written to ${out}`)
}

main()
