/**
 * The desktop API: the one typed contract between the renderer and the process that hosts the
 * control plane. Two transports carry it — Electron IPC through the preload (`window.kubedesk`)
 * and HTTP for browser mode (`kubedesk up --ui`) — so the same renderer runs in both.
 */
import type { ClusterStatus } from './status'

/** What the renderer may ask of the host. Subscriptions return an unsubscribe function. */
export interface DesktopApi {
  /** The current status of the running instance; rejects with a readable error. */
  getStatus(): Promise<ClusterStatus>
  /** Calls `listener` with every status the host pushes (about every 2 s) until unsubscribed. */
  onStatus(listener: (status: ClusterStatus) => void): () => void
}

/** IPC channel names; main and preload both use these, never string literals. */
export const IpcChannel = {
  /** invoke → IpcResult<ClusterStatus> */
  getStatus: 'kubedesk:getStatus',
  /** main → renderer event carrying a ClusterStatus */
  status: 'kubedesk:status'
} as const

/**
 * How an IPC call answers. Errors travel as data (a thrown error in an `ipcMain.handle` handler
 * reaches the renderer wrapped in "Error invoking remote method …"); the preload rethrows them as
 * real errors with the original message.
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: string }

/** HTTP paths of browser mode's transport, relative to the UI server's origin. */
export const HttpApiPath = {
  status: '/api/status'
} as const

/** The body of every non-2xx answer from the UI server's /api routes. */
export interface HttpApiError {
  error: string
  status: number
}

/** How often the host pushes (IPC) or the browser polls (HTTP) the status, in milliseconds. */
export const STATUS_PUSH_INTERVAL_MS = 2000
