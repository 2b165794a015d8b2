/** The header's one-line health: how many components and nodes run, and the worst state seen. */
import type { ClusterStatus } from '../../../../shared/status'

/** 'ok' all running, 'busy' something starting or stopped, 'bad' something failed or unreachable. */
export type HealthLevel = 'ok' | 'busy' | 'bad'

export interface HealthSummary {
  level: HealthLevel
  text: string
}

/**
 * Whether `error` is the host's answer while the control plane is not up (host-context.ts'
 * clientOf): the host answers, the cluster is starting or failed to start.
 */
export function startupPhaseOf(error: string | null): 'starting' | 'failed' | undefined {
  if (error?.startsWith('The cluster is starting')) return 'starting'
  if (error?.startsWith('The cluster failed to start')) return 'failed'
  return undefined
}

/** Summarises a status (null while none arrived) and the store's error. */
export function summariseHealth(status: ClusterStatus | null, error: string | null): HealthSummary {
  const startup = startupPhaseOf(error)
  if (startup === 'starting') return { level: 'busy', text: 'Starting…' }
  if (startup === 'failed') return { level: 'bad', text: 'Start-up failed' }
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
