/**
 * What every part of the desktop host (the main-process side of the desktop API) may use: the
 * control plane it shows, start-up progress, and the in-process API client once it exists.
 */
import type { ApiClient } from '../../apiserver/client'
import type { ControlPlane } from '../../control-plane'
import type { StartupState, Unsubscribe } from '../../../shared/desktop-api'

/** Start-up as the host sees it (startup-tracker.ts implements it). */
export interface StartupSource {
  current(): StartupState
  /** Calls `listener` with the state after every change until unsubscribed. */
  subscribe(listener: (state: StartupState) => void): Unsubscribe
}

/** Shared by the host's parts; nothing in it belongs to one transport. */
export interface HostContext {
  controlPlane: ControlPlane
  startup: StartupSource
  /** The data directory (logs, kubeconfig). */
  dataDir: string
}

/**
 * The in-process client, or a readable error while the control plane is still starting (or
 * failed to start).
 */
export function clientOf(ctx: HostContext): ApiClient {
  const client = ctx.controlPlane.apiClient
  if (client) return client
  const state = ctx.startup.current()
  if (state.phase === 'failed') {
    throw new Error(`The cluster failed to start: ${state.error ?? 'see the start-up steps'}`)
  }
  const step = state.steps.find((s) => s.state === 'running')
  throw new Error(`The cluster is starting${step ? ` (${step.title})` : ''}; try again in a moment`)
}
