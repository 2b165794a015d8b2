/**
 * The control plane's status for the desktop host: `getStatus` (rejecting while the cluster
 * starts), the `status` topic pushed every STATUS_PUSH_INTERVAL_MS, and `listNamespaces`. One
 * poller reads `controlPlane.status()` for every part that needs it (status topic, node provider
 * states, cluster overview) while any of them listens.
 */
import type { ClusterStatus } from '../../../shared/status'
import { STATUS_PUSH_INTERVAL_MS, type Unsubscribe } from '../../../shared/desktop-api'
import { clientOf, type HostContext } from './host-context'
import { NAMESPACE_TYPE } from './resource-types'

/** `getStatus`: the status, or the readable "starting"/"failed" error while there is no API. */
export async function getStatus(ctx: HostContext): Promise<ClusterStatus> {
  clientOf(ctx)
  return ctx.controlPlane.status()
}

/** `listNamespaces`: the names of the namespaces that exist now, sorted. */
export async function listNamespaces(ctx: HostContext): Promise<string[]> {
  const list = await clientOf(ctx).list(NAMESPACE_TYPE)
  return list.items.map((ns) => ns.metadata.name ?? '').sort()
}

/** Polls `controlPlane.status()` while it has listeners. */
export class StatusPoller {
  private readonly listeners = new Set<(status: ClusterStatus) => void>()
  private timer?: NodeJS.Timeout
  private last?: ClusterStatus
  private polling = false

  constructor(
    private readonly ctx: HostContext,
    private readonly intervalMs = STATUS_PUSH_INTERVAL_MS
  ) {}

  /** The last status read (undefined before the first poll). */
  latest(): ClusterStatus | undefined {
    return this.last
  }

  /** Calls `listener` with each status read, the first as soon as it is read. */
  subscribe(listener: (status: ClusterStatus) => void): Unsubscribe {
    this.listeners.add(listener)
    if (this.listeners.size === 1) {
      void this.poll()
      this.timer = setInterval(() => void this.poll(), this.intervalMs)
      this.timer.unref?.()
    } else if (this.last) {
      const last = this.last
      queueMicrotask(() => {
        if (this.listeners.has(listener)) listener(last)
      })
    }
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.stop()
    }
  }

  /** Stops polling (the host is closing, or nobody listens). */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.listeners.clear()
  }

  private async poll(): Promise<void> {
    // A slow status (a busy store) must not pile polls up.
    if (this.polling) return
    this.polling = true
    try {
      const status = await this.ctx.controlPlane.status()
      this.last = status
      for (const l of [...this.listeners]) l(status)
    } catch {
      // The next poll tries again; the status topic keeps its last value meanwhile.
    } finally {
      this.polling = false
    }
  }
}
