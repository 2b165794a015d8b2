/**
 * Discovery documents, as kube-apiserver serves them without aggregation: `/version`, `/api`,
 * `/api/v1`, `/apis`, `/apis/<group>` and `/apis/<group>/<version>`. Clients asking for
 * aggregated discovery (apidiscovery.k8s.io/v2) get these plain JSON documents and fall back to
 * reading them one by one, as client-go does with older servers.
 */
import { KUBEDESK_VERSION } from '../version'
import { apiGroups, hasSubresource, resourcesOf, type RegistryEntry } from './registry'

/** The Kubernetes version KubeDesk presents: kubectl v1.32 sees no version skew. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', patch: '0' }

/** `/version`. The `+kubedesk` build suffix keeps semver comparison equal to v1.32.0. */
export function versionInfo(): Record<string, string> {
  const { major, minor, patch } = KUBERNETES_VERSION
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.${patch}+kubedesk`,
    gitCommit: `kubedesk-${KUBEDESK_VERSION}`,
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'gc',
    platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`
  }
}

/** `/api`: the core group's versions. */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }]
  }
}

function groupDocument(name: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }))
  return { name, versions: list, preferredVersion: list[0] }
}

/** `/apis`: every named group. */
export function groupList(): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: apiGroups().map((g) => groupDocument(g.name, g.versions))
  }
}

/** `/apis/<group>`; undefined for a group not served. */
export function groupInfo(group: string): Record<string, unknown> | undefined {
  const found = apiGroups().find((g) => g.name === group)
  return (
    found && { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(found.name, found.versions) }
  )
}

interface SubresourceDoc {
  name: string
  kind: string
  verbs: string[]
  group?: string
  version?: string
}

function subresourceDocs(r: RegistryEntry): SubresourceDoc[] {
  const docs: SubresourceDoc[] = []
  const writeVerbs = ['get', 'patch', 'update']
  if (r.kind === 'Namespace' && !r.group)
    docs.push({ name: 'finalize', kind: r.kind, verbs: ['update'] })
  if (hasSubresource(r, 'status')) docs.push({ name: 'status', kind: r.kind, verbs: writeVerbs })
  if (hasSubresource(r, 'scale')) {
    docs.push({
      name: 'scale',
      kind: 'Scale',
      group: 'autoscaling',
      version: 'v1',
      verbs: writeVerbs
    })
  }
  if (hasSubresource(r, 'binding'))
    docs.push({ name: 'binding', kind: 'Binding', verbs: ['create'] })
  if (hasSubresource(r, 'eviction')) {
    docs.push({
      name: 'eviction',
      kind: 'Eviction',
      group: 'policy',
      version: 'v1',
      verbs: ['create']
    })
  }
  if (hasSubresource(r, 'log')) docs.push({ name: 'log', kind: 'Pod', verbs: ['get'] })
  if (hasSubresource(r, 'exec')) {
    docs.push({ name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] })
  }
  return docs
}

/** `/api/v1` or `/apis/<group>/<version>`: an APIResourceList; undefined when not served. */
export function resourceList(group: string, version: string): Record<string, unknown> | undefined {
  const resources = resourcesOf(group, version)
  if (resources.length === 0) return undefined
  const entries: Record<string, unknown>[] = []
  for (const r of resources) {
    entries.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {})
    })
    for (const s of subresourceDocs(r)) {
      entries.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs
      })
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: entries
  }
}
