/**
 * The client half of the desktop API's wire (desktop-wire.ts): turns a minimal message transport
 * into a full DesktopApi. The preload builds one over IPC, the browser over a WebSocket; the
 * renderer cannot tell them apart.
 *
 * Calls get an id and wait for their `result`; a call made while disconnected, or in flight when
 * the connection drops, rejects with a readable message (calls made before the first connection
 * is up wait for it). Subscriptions survive a reconnect: they
 * are sent again and the host answers each with a fresh reset.
 */
import {
  DESKTOP_CALLS,
  type CallName,
  type DesktopApi,
  type DesktopCalls,
  type TopicName,
  type TopicParams,
  type TopicUpdate,
  type Unsubscribe
} from './desktop-api'
import type { ClientMessage, HostMessage, WireId } from './desktop-wire'

/** What a transport must offer; connection state is optional (IPC is always connected). */
export interface WireTransport {
  /** Sends one message to the host; may throw when the connection just went away. */
  send(message: ClientMessage): void
  /** Registers the handler of every message from the host (called once). */
  onMessage(handler: (message: HostMessage) => void): void
  /**
   * Whether a message sent now reaches the host; absent: always 'open'. During 'connecting'
   * (the first connection attempt) calls wait for it instead of failing.
   */
  state?(): 'connecting' | 'open' | 'closed'
  /**
   * Registers the handler of connection changes (called once): `true` after every (re)connect,
   * `false` with a readable reason when the connection is lost.
   */
  onConnectionChange?(handler: (connected: boolean, reason?: string) => void): void
}

interface PendingCall {
  resolve(value: unknown): void
  reject(err: Error): void
  method: string
  /** Set while the call waits for the first connection. */
  message?: ClientMessage
}

interface LiveSubscription {
  topic: TopicName
  params: unknown
  listener(update: unknown): void
  onError?(message: string): void
}

/** A DesktopApi over `transport`. The result is a plain object (contextBridge copies it). */
export function createWireClient(transport: WireTransport): DesktopApi {
  let nextId = 1
  let disconnectReason = 'not connected to KubeDesk'
  const pending = new Map<WireId, PendingCall>()
  const subscriptions = new Map<WireId, LiveSubscription>()
  const state = (): 'connecting' | 'open' | 'closed' => transport.state?.() ?? 'open'

  /** Sends `message`; answers why it could not be sent, or undefined when it was. */
  const send = (message: ClientMessage): string | undefined => {
    if (state() !== 'open') return disconnectReason
    try {
      transport.send(message)
      return undefined
    } catch (err) {
      // IPC refuses what it cannot clone (a function, a class instance) here.
      return err instanceof Error ? err.message : String(err)
    }
  }
  const trySend = (message: ClientMessage): boolean => send(message) === undefined

  transport.onMessage((message) => {
    switch (message.type) {
      case 'result': {
        const call = pending.get(message.id)
        if (!call) return
        pending.delete(message.id)
        if (message.ok) call.resolve(message.value)
        else call.reject(new Error(message.error))
        return
      }
      case 'update': {
        const sub = subscriptions.get(message.id)
        if (sub) guard(() => sub.listener(message.update))
        return
      }
      case 'ended': {
        const sub = subscriptions.get(message.id)
        if (!sub) return
        subscriptions.delete(message.id)
        if (message.error !== undefined && sub.onError) {
          const error = message.error
          guard(() => sub.onError!(error))
        }
        return
      }
    }
  })

  transport.onConnectionChange?.((isUp, reason) => {
    if (isUp) {
      // The host forgot this connection's subscriptions; ask again (each answers with a reset).
      for (const [id, sub] of subscriptions) {
        trySend({ type: 'subscribe', id, topic: sub.topic, params: sub.params })
      }
      for (const call of pending.values()) {
        if (call.message && trySend(call.message)) call.message = undefined
      }
      return
    }
    disconnectReason = reason ?? 'the connection to KubeDesk was lost'
    const lost = [...pending.values()]
    pending.clear()
    for (const call of lost) {
      const what = call.message ? `Cannot ${call.method}` : `${call.method} did not finish`
      call.reject(new Error(`${what}: ${disconnectReason}`))
    }
  })

  const call = (method: CallName, input: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++
      const message: ClientMessage = { type: 'call', id, method, input }
      if (state() === 'connecting') {
        pending.set(id, { resolve, reject, method, message })
        return
      }
      pending.set(id, { resolve, reject, method })
      const failed = send(message)
      if (failed !== undefined) {
        pending.delete(id)
        reject(new Error(`Cannot ${method}: ${failed}`))
      }
    })

  const calls = Object.fromEntries(
    DESKTOP_CALLS.map((method) => [method, (input?: unknown) => call(method, input)])
  ) as unknown as DesktopCalls

  function subscribe<T extends TopicName>(
    topic: T,
    params: TopicParams<T>,
    listener: (update: TopicUpdate<T>) => void,
    onError?: (message: string) => void
  ): Unsubscribe {
    const id = nextId++
    subscriptions.set(id, {
      topic,
      params,
      listener: listener as (update: unknown) => void,
      onError
    })
    // While disconnected it waits: the reconnect sends it.
    trySend({ type: 'subscribe', id, topic, params })
    return () => {
      if (!subscriptions.delete(id)) return
      trySend({ type: 'unsubscribe', id })
    }
  }

  return { ...calls, subscribe }
}

/** A listener's exception must not stop the messages after it. */
function guard(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    console.error('desktop API listener failed:', err)
  }
}
