/**
 * The host half of the desktop API's wire, shared by both transports: one `serveHost` per
 * connection (a webContents over IPC, a WebSocket in browser mode). It checks every message
 * (desktop-wire.ts), runs calls on the DesktopHostApi, keeps the connection's subscriptions and
 * ends them all when the connection closes. Bad messages are answered with readable errors;
 * nothing a client sends can make it throw.
 */
import type { DesktopHostApi, Unsubscribe } from '../../shared/desktop-api'
import {
  errorMessage,
  parseClientMessage,
  type CallMessage,
  type HostMessage,
  type SubscribeMessage,
  type WireId
} from '../../shared/desktop-wire'

/** One connection's dispatcher. */
export interface HostConnection {
  /** Handles one message as the transport received it (parsed JSON, or what IPC delivered). */
  receive(raw: unknown): void
  /** Ends every subscription of the connection; later messages and results are dropped. */
  close(): void
  /** Live subscriptions (for tests and diagnostics). */
  readonly subscriptionCount: number
}

/** Optional hooks of a connection. */
export interface ServeHostOptions {
  /** A message that could not be answered (no usable id); the transport may log or close. */
  onBadMessage?: (error: string) => void
}

/** Serves `host` to one connection; `send` delivers a message to that connection. */
export function serveHost(
  host: DesktopHostApi,
  send: (message: HostMessage) => void,
  opts: ServeHostOptions = {}
): HostConnection {
  let closed = false
  const subscriptions = new Map<WireId, { unsubscribe?: Unsubscribe; ended: boolean }>()

  const deliver = (message: HostMessage): void => {
    if (closed) return
    try {
      send(message)
    } catch {
      // The connection went away under us; its close() follows.
    }
  }

  const runCall = (message: CallMessage): void => {
    const { id, method, input } = message
    const fn = (host as unknown as Record<string, unknown>)[method]
    if (typeof fn !== 'function') {
      deliver({ type: 'result', id, ok: false, error: `${method} is not available` })
      return
    }
    // A synchronous throw becomes a rejection like any other.
    Promise.resolve()
      .then(() => (fn as (input: unknown) => unknown).call(host, input))
      .then(
        (value) => deliver({ type: 'result', id, ok: true, value }),
        (err: unknown) => deliver({ type: 'result', id, ok: false, error: errorMessage(err) })
      )
  }

  const endSubscription = (id: WireId, error?: string): void => {
    const entry = subscriptions.get(id)
    if (!entry || entry.ended) return
    entry.ended = true
    subscriptions.delete(id)
    stop(entry.unsubscribe)
    deliver(error === undefined ? { type: 'ended', id } : { type: 'ended', id, error })
  }

  const runSubscribe = (message: SubscribeMessage): void => {
    const { id, topic } = message
    if (subscriptions.has(id)) {
      deliver({ type: 'ended', id, error: `subscription id ${id} is already in use` })
      return
    }
    const entry: { unsubscribe?: Unsubscribe; ended: boolean } = { ended: false }
    subscriptions.set(id, entry)
    try {
      const unsubscribe = host.subscribe(
        topic,
        (message.params ?? {}) as never,
        (update: unknown) => {
          if (!entry.ended) deliver({ type: 'update', id, update })
        },
        (error: string) => endSubscription(id, error)
      )
      // `fail` may have run before subscribe returned.
      if (entry.ended) stop(unsubscribe)
      else entry.unsubscribe = unsubscribe
    } catch (err) {
      endSubscription(id, errorMessage(err))
    }
  }

  return {
    receive(raw) {
      if (closed) return
      const parsed = parseClientMessage(raw)
      if (!parsed.ok) {
        if (parsed.id === undefined) opts.onBadMessage?.(parsed.error)
        else if (parsed.type === 'subscribe') {
          deliver({ type: 'ended', id: parsed.id, error: parsed.error })
        } else deliver({ type: 'result', id: parsed.id, ok: false, error: parsed.error })
        return
      }
      const message = parsed.message
      if (message.type === 'call') runCall(message)
      else if (message.type === 'subscribe') runSubscribe(message)
      else endSubscription(message.id)
    },
    close() {
      if (closed) return
      closed = true
      const live = [...subscriptions.values()]
      subscriptions.clear()
      for (const entry of live) {
        entry.ended = true
        stop(entry.unsubscribe)
      }
    },
    get subscriptionCount() {
      return subscriptions.size
    }
  }
}

/** The host's unsubscribe must not break the connection that calls it. */
function stop(unsubscribe: Unsubscribe | undefined): void {
  try {
    unsubscribe?.()
  } catch {
    // Nothing the client could do about it.
  }
}
