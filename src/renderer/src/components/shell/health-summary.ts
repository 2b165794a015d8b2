/** The header's one-line health: how many components and nodes run, and the worst state seen. */
import type { ClusterStatus } from '../../../../shared/status'

/** 'ok' all running, 'busy' something starting or stopped, 'bad' something failed or unreachable. */
export type HealthLevel = 'ok' | 'busy' | 'bad'

export interface HealthSummary {
  level: HealthLevel
  text: string
}

/** Summarises a status (null while none arrived) and the store's error. */
export function summariseHealth(status: ClusterStatus | null, error: string | null): HealthSummary {
  // The host's readable errors while the control plane is not up (host-context.ts' clientOf).
  if (error?.startsWith('The cluster is starting')) return { level: 'busy', text: 'Starting…' }
  if (error?.startsWith('The cluster failed to start')) {
    return { level: 'bad', text: 'Start-up failed' }
  }
  if (error) return { level: 'bad', text: 'API unreachable' }
  if (!status) return { level: 'busy', text: 'Connecting…' }
  const components = status.components
  const running = components.filter((c) => c.state === 'running').length
  const failed = components.some((c) => c.state === 'failed')
  const parts = [`${running}/${components.length} components running`]
  let level: HealthLevel = failed ? 'bad' : running === components.length ? 'ok' : 'busy'
  if (status.nodes && status.nodes.length > 0) {
    const up = status.nodes.filter((n) => n.state === 'running').length
    parts.push(`${up}/${status.nodes.length} nodes up`)
    if (level === 'ok' && up < status.nodes.length) level = 'busy'
  }
  return { level, text: parts.join(' · ') }
}
