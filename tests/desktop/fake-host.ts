/**
 * A DesktopHostApi for transport tests: calls answer from `handlers` (or reject saying none was
 * given); each subscription is recorded with its `emit` and `fail`, and leaves the live list
 * when the transport unsubscribes it.
 */
import {
  DESKTOP_CALLS,
  type DesktopCalls,
  type DesktopHostApi,
  type TopicName
} from '../../src/shared/desktop-api'
import { waitUntil } from '../helpers/wait-until'

export interface FakeHostSubscription {
  topic: TopicName
  params: unknown
  emit(update: unknown): void
  fail(message: string): void
}

export interface FakeHost {
  host: DesktopHostApi
  /** Live subscriptions, oldest first. */
  live: FakeHostSubscription[]
  /** How many subscriptions the transport ended with unsubscribe. */
  unsubscribed: number
  calls: { name: string; input: unknown }[]
}

export function createFakeHost(handlers: Partial<DesktopCalls> = {}): FakeHost {
  const fake: FakeHost = { host: {} as DesktopHostApi, live: [], unsubscribed: 0, calls: [] }
  const host = fake.host as unknown as Record<string, unknown>
  for (const name of DESKTOP_CALLS) {
    host[name] = async (input?: unknown) => {
      fake.calls.push({ name, input })
      const handler = handlers[name] as ((input?: unknown) => Promise<unknown>) | undefined
      if (!handler) throw new Error(`fake host: no handler for ${name}`)
      return handler(input)
    }
  }
  host.subscribe = (
    topic: TopicName,
    params: unknown,
    emit: (update: unknown) => void,
    fail: (message: string) => void
  ) => {
    const sub: FakeHostSubscription = { topic, params, emit, fail }
    fake.live.push(sub)
    let done = false
    return () => {
      if (done) return
      done = true
      fake.unsubscribed++
      const at = fake.live.indexOf(sub)
      if (at !== -1) fake.live.splice(at, 1)
    }
  }
  return fake
}

/** Resolves once `check` answers true (polling every 5 ms), or rejects after `ms`. */
export async function eventually(what: string, check: () => boolean, ms = 5000): Promise<void> {
  await waitUntil(what, () => (check() ? true : undefined), ms, 5)
}
