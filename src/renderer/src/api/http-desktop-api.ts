/**
 * The desktop API over HTTP, for browser mode: `GET /api/status`, and status subscriptions by
 * polling. The session cookie set by the server's token link authenticates the browser; scripts
 * and tests may pass the token as a Bearer header instead.
 */
import {
  HttpApiPath,
  STATUS_PUSH_INTERVAL_MS,
  type DesktopApi,
  type HttpApiError
} from '../../../shared/desktop-api'
import type { ClusterStatus } from '../../../shared/status'

/** Where and how to reach the UI server. */
export interface HttpDesktopApiOptions {
  /** Origin of the UI server; '' (the default) means the page's own origin. */
  baseUrl?: string
  /** Sent as `Authorization: Bearer`; browsers rely on the cookie instead. */
  token?: string
  pollIntervalMs?: number
}

/** A DesktopApi that talks to browser mode's UI server. */
export function createHttpDesktopApi(opts: HttpDesktopApiOptions = {}): DesktopApi {
  const baseUrl = opts.baseUrl ?? ''
  const intervalMs = opts.pollIntervalMs ?? STATUS_PUSH_INTERVAL_MS
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`

  async function getStatus(): Promise<ClusterStatus> {
    let response: Response
    try {
      response = await fetch(baseUrl + HttpApiPath.status, {
        headers,
        credentials: 'same-origin',
        cache: 'no-store'
      })
    } catch {
      throw new Error(
        'Cannot reach the KubeDesk API — is `kubedesk up --ui` still running? Retrying…'
      )
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as HttpApiError | undefined
      throw new Error(body?.error ?? `The KubeDesk API answered ${response.status}`)
    }
    return (await response.json()) as ClusterStatus
  }

  function onStatus(listener: (status: ClusterStatus) => void): () => void {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async (): Promise<void> => {
      try {
        const status = await getStatus()
        if (!stopped) listener(status)
      } catch {
        // Subscribers only hear statuses; getStatus() is where errors are reported.
      }
      if (!stopped) timer = setTimeout(() => void poll(), intervalMs)
    }
    timer = setTimeout(() => void poll(), intervalMs)
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }

  return { getStatus, onStatus }
}
