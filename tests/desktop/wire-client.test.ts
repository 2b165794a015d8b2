import { describe, expect, it } from 'vitest'
import { serveHost, type HostConnection } from '../../src/main/desktop/serve-host'
import type { ClientMessage, HostMessage } from '../../src/shared/desktop-wire'
import { createWireClient, type WireTransport } from '../../src/shared/wire-client'
import { DESKTOP_CALLS, type NodeSummary, type ListUpdate } from '../../src/shared/desktop-api'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeHost, type FakeHost } from './fake-host'

const STATUS = { version: '0.1.0', pid: 7, components: [] } as unknown as ClusterStatus

/**
 * A client wired to serveHost through an in-memory "socket" that can drop and come back; each
 * connection is a fresh serveHost, as a new WebSocket would be.
 */
function link(fake: FakeHost, initial: 'connecting' | 'open' = 'open') {
  let state: 'connecting' | 'open' | 'closed' = initial
  let toClient: (m: HostMessage) => void = () => undefined
  let onChange: (up: boolean, reason?: string) => void = () => undefined
  let connection: HostConnection | undefined
  const sent: ClientMessage[] = []
  const open = (): void => {
    connection = serveHost(fake.host, (m) => queueMicrotask(() => toClient(m)))
    state = 'open'
    onChange(true)
  }
  const transport: WireTransport = {
    send: (m) => {
      sent.push(m)
      // Structured-clone-like copy: nothing is shared between the two sides.
      const copy = JSON.parse(JSON.stringify(m)) as unknown
      queueMicrotask(() => connection?.receive(copy))
    },
    onMessage: (h) => (toClient = h),
    state: () => state,
    onConnectionChange: (h) => (onChange = h)
  }
  if (initial === 'open')
    connection = serveHost(fake.host, (m) => queueMicrotask(() => toClient(m)))
  const api = createWireClient(transport)
  return {
    api,
    sent,
    open,
    drop(reason: string) {
      connection?.close()
      connection = undefined
      state = 'closed'
      onChange(false, reason)
    }
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('createWireClient', () => {
  it('offers every call of the contract plus subscribe', () => {
    const { api } = link(createFakeHost())
    for (const name of DESKTOP_CALLS) expect(typeof api[name]).toBe('function')
    expect(typeof api.subscribe).toBe('function')
  })

  it('resolves a call with what the host answered', async () => {
    const { api } = link(createFakeHost({ getStatus: async () => STATUS }))
    await expect(api.getStatus()).resolves.toEqual(STATUS)
  })

  it("rejects a call with the host's readable message", async () => {
    const { api } = link(
      createFakeHost({
        applyYaml: async () => {
          throw new Error('The cluster is starting (API server); try again in a moment')
        }
      })
    )
    await expect(api.applyYaml({ yaml: 'x: 1' })).rejects.toThrow(
      'The cluster is starting (API server); try again in a moment'
    )
  })

  it('delivers updates to the listener until unsubscribed; unsubscribe is idempotent', async () => {
    const fake = createFakeHost()
    const { api, sent } = link(fake)
    const updates: ListUpdate<NodeSummary>[] = []
    const stop = api.subscribe('nodes', {}, (u) => updates.push(u))
    await tick()
    fake.live[0].emit({ reset: true, items: [] })
    await tick()
    expect(updates).toEqual([{ reset: true, items: [] }])
    stop()
    stop()
    await tick()
    expect(fake.live).toEqual([])
    expect(sent.filter((m) => m.type === 'unsubscribe')).toHaveLength(1)
  })

  it('hands a failed subscription to onError, once', async () => {
    const fake = createFakeHost()
    const { api } = link(fake)
    const errors: string[] = []
    api.subscribe(
      'logs',
      { source: { kind: 'component', name: 'x' } },
      () => undefined,
      (e) => errors.push(e)
    )
    await tick()
    fake.live[0].fail('no log named x')
    await tick()
    expect(errors).toEqual(['no log named x'])
  })

  it('keeps delivering when a listener throws', async () => {
    const fake = createFakeHost()
    const { api } = link(fake)
    const seen: unknown[] = []
    const original = console.error
    console.error = () => undefined
    try {
      api.subscribe('status', {}, () => {
        throw new Error('listener bug')
      })
      api.subscribe('status', {}, (s) => seen.push(s))
      await tick()
      for (const sub of fake.live) sub.emit(STATUS)
      await tick()
    } finally {
      console.error = original
    }
    expect(seen).toEqual([STATUS])
  })

  it('rejects a call whose input the transport cannot carry, saying why', async () => {
    const api = createWireClient({
      send: () => {
        throw new Error('An object could not be cloned.')
      },
      onMessage: () => undefined
    })
    await expect(api.getResource({ ref: { kind: 'Pod', name: 'x' } })).rejects.toThrow(
      'Cannot getResource: An object could not be cloned.'
    )
  })

  it('rejects calls while disconnected with the reason', async () => {
    const { api, drop } = link(createFakeHost({ getStatus: async () => STATUS }))
    drop('the connection to KubeDesk was lost; reconnecting…')
    await expect(api.getStatus()).rejects.toThrow(
      'Cannot getStatus: the connection to KubeDesk was lost; reconnecting…'
    )
  })

  it('rejects a call in flight when the connection drops', async () => {
    const { api, drop } = link(createFakeHost({ getStatus: () => new Promise(() => undefined) }))
    const pending = api.getStatus()
    await tick()
    drop('socket closed')
    await expect(pending).rejects.toThrow('getStatus did not finish: socket closed')
  })

  it('holds calls made before the first connection until it is up', async () => {
    const { api, open } = link(createFakeHost({ getStatus: async () => STATUS }), 'connecting')
    const pending = api.getStatus()
    await tick()
    open()
    await expect(pending).resolves.toEqual(STATUS)
  })

  it('subscribes again after a reconnect; the host then sends a fresh reset', async () => {
    const fake = createFakeHost()
    const { api, drop, open } = link(fake)
    const updates: unknown[] = []
    api.subscribe('pods', { namespace: 'web' }, (u) => updates.push(u))
    const stopped = api.subscribe('nodes', {}, () => undefined)
    await tick()
    stopped()
    await tick()
    drop('gone')
    expect(fake.live).toEqual([])
    open()
    await tick()
    expect(fake.live.map((s) => [s.topic, s.params])).toEqual([['pods', { namespace: 'web' }]])
    fake.live[0].emit({ reset: true, items: [] })
    await tick()
    expect(updates).toEqual([{ reset: true, items: [] }])
  })
})
