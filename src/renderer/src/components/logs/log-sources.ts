/**
 * Log sources as the Logs view handles them: a stable key per source, the source a route query
 * names (`component=kube-scheduler`, `pod=default/web-1&container=web`), and the picker's groups.
 */
import type { LogSource, LogSourceRef } from '../../../../shared/desktop-api'

/** How many lines a pane's subscription asks for before following. */
export const LOG_TAIL = 500

/** The picker's groups, in order. */
export const LOG_SOURCE_GROUPS: LogSource['group'][] = ['control plane', 'nodes', 'pods']

/** A string that identifies a source ("component:etcd", "pod:default/web-1/web"). */
export function sourceKey(ref: LogSourceRef): string {
  return ref.kind === 'component'
    ? `component:${ref.name}`
    : `pod:${ref.namespace}/${ref.name}/${ref.container}`
}

/** Only the reference of a source (what `logs` subscriptions take). */
export function sourceRef(source: LogSourceRef): LogSourceRef {
  return source.kind === 'component'
    ? { kind: 'component', name: source.name }
    : { kind: 'pod', namespace: source.namespace, name: source.name, container: source.container }
}

/**
 * The source a route query names, looked up in `sources` for its title; one not (yet) listed
 * gets a title of its own. A pod without `container` means its first listed container.
 */
export function sourceFromQuery(
  query: Record<string, string>,
  sources: readonly LogSource[]
): LogSource | null {
  if (query.component) {
    const ref: LogSourceRef = { kind: 'component', name: query.component }
    return find(sources, ref) ?? { ...ref, title: query.component, group: 'control plane' }
  }
  if (query.pod) {
    const slash = query.pod.indexOf('/')
    const namespace = slash === -1 ? 'default' : query.pod.slice(0, slash)
    const name = slash === -1 ? query.pod : query.pod.slice(slash + 1)
    if (!name) return null
    const listed = sources.find(
      (s): s is Extract<LogSource, { kind: 'pod' }> =>
        s.kind === 'pod' && s.namespace === namespace && s.name === name
    )
    const container = query.container ?? listed?.container
    if (!container) return null
    const ref: LogSourceRef = { kind: 'pod', namespace, name, container }
    return (
      find(sources, ref) ?? { ...ref, title: `${namespace}/${name} (${container})`, group: 'pods' }
    )
  }
  return null
}

function find(sources: readonly LogSource[], ref: LogSourceRef): LogSource | undefined {
  const key = sourceKey(ref)
  return sources.find((s) => sourceKey(s) === key)
}

/** The sources whose title contains `filter` (case-insensitive), by group, empty groups left out. */
export function groupSources(
  sources: readonly LogSource[],
  filter: string
): { group: LogSource['group']; sources: LogSource[] }[] {
  const needle = filter.trim().toLowerCase()
  const shown = needle ? sources.filter((s) => s.title.toLowerCase().includes(needle)) : sources
  return LOG_SOURCE_GROUPS.map((group) => ({
    group,
    sources: shown.filter((s) => s.group === group)
  })).filter((g) => g.sources.length > 0)
}

/** A file name for a source's download: "kube-scheduler.log". */
export function logFileName(source: LogSource): string {
  return `${source.title.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'log'}.log`
}
