import { describe, expect, it } from 'vitest'
import { serveHost } from '../../src/main/desktop/serve-host'
import type { HostMessage } from '../../src/shared/desktop-wire'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeHost, eventually } from './fake-host'

const STATUS = { version: '0.1.0', pid: 7, components: [] } as unknown as ClusterStatus

function connect(handlers: Parameters<typeof createFakeHost>[0] = {}) {
  const fake = createFakeHost(handlers)
  const sent: HostMessage[] = []
  const bad: string[] = []
  const connection = serveHost(fake.host, (m) => sent.push(m), {
    onBadMessage: (e) => bad.push(e)
  })
  return { fake, sent, bad, connection }
}

describe('serveHost: one connection of the desktop API', () => {
  it('answers a call with its value', async () => {
    const { sent, connection } = connect({ getStatus: async () => STATUS })
    connection.receive({ type: 'call', id: 1, method: 'getStatus' })
    await eventually('the result', () => sent.length === 1)
    expect(sent[0]).toEqual({ type: 'result', id: 1, ok: true, value: STATUS })
  })

  it("answers a rejected call with the host's message", async () => {
    const { sent, connection, fake } = connect({
      nodeAction: async () => {
        throw new Error('node kubedesk-worker9 not found')
      }
    })
    connection.receive({
      type: 'call',
      id: 'n',
      method: 'nodeAction',
      input: { action: 'stop', name: 'kubedesk-worker9' }
    })
    await eventually('the result', () => sent.length === 1)
    expect(sent[0]).toEqual({
      type: 'result',
      id: 'n',
      ok: false,
      error: 'node kubedesk-worker9 not found'
    })
    expect(fake.calls).toEqual([
      { name: 'nodeAction', input: { action: 'stop', name: 'kubedesk-worker9' } }
    ])
  })

  it('answers an unknown method with an error and never calls the host', async () => {
    const { sent, connection, fake } = connect()
    connection.receive({ type: 'call', id: 2, method: 'subscribe' })
    connection.receive({ type: 'call', id: 3, method: '__proto__' })
    expect(sent).toEqual([
      { type: 'result', id: 2, ok: false, error: 'unknown desktop API call: "subscribe"' },
      { type: 'result', id: 3, ok: false, error: 'unknown desktop API call: "__proto__"' }
    ])
    expect(fake.calls).toEqual([])
  })

  it('reports messages without an id instead of throwing', () => {
    const { sent, bad, connection } = connect()
    expect(() => connection.receive('garbage')).not.toThrow()
    expect(() => connection.receive({ type: 'call' })).not.toThrow()
    expect(sent).toEqual([])
    expect(bad).toHaveLength(2)
    expect(bad[1]).toMatch(/needs an id/)
  })

  it('streams updates until unsubscribe, which stops the host', () => {
    const { sent, connection, fake } = connect()
    connection.receive({ type: 'subscribe', id: 7, topic: 'pods', params: { namespace: 'web' } })
    expect(fake.live).toHaveLength(1)
    expect(fake.live[0].params).toEqual({ namespace: 'web' })
    const sub = fake.live[0]
    sub.emit({ reset: true, items: [] })
    sub.emit({ reset: false, upserts: [], deletes: ['a'] })
    connection.receive({ type: 'unsubscribe', id: 7 })
    expect(fake.live).toHaveLength(0)
    expect(fake.unsubscribed).toBe(1)
    sub.emit({ reset: true, items: [] }) // a late emit from the host goes nowhere
    expect(sent).toEqual([
      { type: 'update', id: 7, update: { reset: true, items: [] } },
      { type: 'update', id: 7, update: { reset: false, upserts: [], deletes: ['a'] } },
      { type: 'ended', id: 7 }
    ])
  })

  it('passes {} when a subscription has no params', () => {
    const { connection, fake } = connect()
    connection.receive({ type: 'subscribe', id: 1, topic: 'status' })
    expect(fake.live[0].params).toEqual({})
  })

  it("ends a subscription the host fails, with the host's message", () => {
    const { sent, connection, fake } = connect()
    connection.receive({ type: 'subscribe', id: 1, topic: 'logs', params: {} })
    fake.live[0].fail('pod web-1 is gone')
    fake.live[0]?.emit(['late'])
    expect(sent).toEqual([{ type: 'ended', id: 1, error: 'pod web-1 is gone' }])
    expect(connection.subscriptionCount).toBe(0)
  })

  it('ends a subscription whose host subscribe throws', () => {
    const { sent, connection, fake } = connect()
    fake.host.subscribe = () => {
      throw new Error('unknown kind Gadget')
    }
    connection.receive({ type: 'subscribe', id: 1, topic: 'resources', params: {} })
    expect(sent).toEqual([{ type: 'ended', id: 1, error: 'unknown kind Gadget' }])
  })

  it('refuses a second subscription with an id in use', () => {
    const { sent, connection, fake } = connect()
    connection.receive({ type: 'subscribe', id: 1, topic: 'nodes' })
    connection.receive({ type: 'subscribe', id: 1, topic: 'pods' })
    expect(fake.live.map((s) => s.topic)).toEqual(['nodes'])
    expect(sent).toEqual([{ type: 'ended', id: 1, error: 'subscription id 1 is already in use' }])
  })

  it('answers an unknown topic with an ended error', () => {
    const { sent, connection, fake } = connect()
    connection.receive({ type: 'subscribe', id: 9, topic: 'passwords' })
    expect(sent).toEqual([
      { type: 'ended', id: 9, error: 'unknown desktop API topic: "passwords"' }
    ])
    expect(fake.live).toEqual([])
  })

  it('unsubscribes everything on close and then ignores the connection', async () => {
    let resolveSlow: (s: ClusterStatus) => void = () => undefined
    const { sent, connection, fake } = connect({
      getStatus: () => new Promise((resolve) => (resolveSlow = resolve))
    })
    connection.receive({ type: 'subscribe', id: 1, topic: 'nodes' })
    connection.receive({ type: 'subscribe', id: 2, topic: 'events', params: {} })
    connection.receive({ type: 'call', id: 3, method: 'getStatus' })
    const subs = [...fake.live]
    connection.close()
    expect(fake.live).toEqual([])
    expect(fake.unsubscribed).toBe(2)
    subs[0].emit({ reset: true, items: [] })
    resolveSlow(STATUS)
    await eventually('the call to settle', () => fake.calls.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 0))
    connection.receive({ type: 'subscribe', id: 4, topic: 'nodes' })
    expect(fake.live).toEqual([])
    expect(sent).toEqual([])
  })

  it('survives a send that throws (the window went away)', async () => {
    const fake = createFakeHost({ getStatus: async () => STATUS })
    const connection = serveHost(fake.host, () => {
      throw new Error('Object has been destroyed')
    })
    connection.receive({ type: 'subscribe', id: 1, topic: 'status' })
    expect(() => fake.live[0].emit(STATUS)).not.toThrow()
    connection.receive({ type: 'call', id: 2, method: 'getStatus' })
    await new Promise((resolve) => setTimeout(resolve, 0))
  })
})
