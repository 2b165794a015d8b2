/**
 * A DesktopApi for component tests: calls answer from `handlers` (or reject saying none was
 * given) and are recorded; `emit(topic, update)` pushes an update to every live subscriber of
 * that topic, as the host would.
 */
import {
  DESKTOP_CALLS,
  type CallName,
  type DesktopApi,
  type DesktopCalls,
  type TopicName,
  type TopicParams,
  type TopicUpdate
} from '../../src/shared/desktop-api'

interface FakeSubscription {
  topic: TopicName
  params: unknown
  listener: (update: never) => void
  onError?: (message: string) => void
}

export interface FakeDesktopApi {
  api: DesktopApi
  /** Every call made, in order: `{ name: 'deploy', input: {...} }`. */
  calls: { name: CallName; input: unknown }[]
  /** Live subscriptions (unsubscribed ones are removed). */
  subscriptions: FakeSubscription[]
  emit<T extends TopicName>(
    topic: T,
    update: TopicUpdate<T>,
    params?: Partial<TopicParams<T>>
  ): void
  fail(topic: TopicName, message: string): void
}

export function createFakeDesktopApi(handlers: Partial<DesktopCalls> = {}): FakeDesktopApi {
  const calls: FakeDesktopApi['calls'] = []
  const subscriptions: FakeSubscription[] = []
  const api = {} as Record<string, unknown>
  for (const name of DESKTOP_CALLS) {
    api[name] = async (input?: unknown) => {
      calls.push({ name, input })
      const handler = handlers[name] as ((input?: unknown) => Promise<unknown>) | undefined
      if (!handler) throw new Error(`fake desktop API: no handler for ${name}`)
      return handler(input)
    }
  }
  api.subscribe = (
    topic: TopicName,
    params: unknown,
    listener: (update: never) => void,
    onError?: (message: string) => void
  ) => {
    const sub: FakeSubscription = { topic, params, listener, onError }
    subscriptions.push(sub)
    return () => {
      const at = subscriptions.indexOf(sub)
      if (at !== -1) subscriptions.splice(at, 1)
    }
  }
  const matches = (sub: FakeSubscription, params: object | undefined): boolean =>
    !params ||
    Object.entries(params).every(
      ([k, v]) => JSON.stringify((sub.params as Record<string, unknown>)[k]) === JSON.stringify(v)
    )
  return {
    api: api as unknown as DesktopApi,
    calls,
    subscriptions,
    emit(topic, update, params) {
      for (const sub of [...subscriptions]) {
        if (sub.topic === topic && matches(sub, params))
          (sub.listener as (u: unknown) => void)(update)
      }
    },
    fail(topic, message) {
      for (const sub of [...subscriptions]) if (sub.topic === topic) sub.onError?.(message)
    }
  }
}
