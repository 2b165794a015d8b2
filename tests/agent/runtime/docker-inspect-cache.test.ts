/**
 * The docker runtime's inspect cache on a fake engine that counts inspections: one engine call
 * per container and listed state however many listings ask at once, a new one when the state
 * changes, nothing kept for containers that are gone, and sandboxes it started known as such
 * until seen stopped.
 */
import type Dockerode from 'dockerode'
import { describe, expect, it } from 'vitest'
import { DockerInspectCache } from '../../../src/agent/runtime/docker/docker-inspect-cache'

/** A fake engine: containers by id with a State.Status; counts inspect calls. */
function fakeEngine(states: Map<string, string>): { docker: Dockerode; inspects: () => number } {
  let inspects = 0
  const docker = {
    getContainer: (id: string) => ({
      inspect: async () => {
        inspects++
        await new Promise((r) => setImmediate(r))
        const status = states.get(id)
        if (!status) throw Object.assign(new Error('no such container'), { statusCode: 404 })
        return { Id: id, State: { Status: status, Running: status === 'running' } }
      }
    })
  }
  return { docker: docker as unknown as Dockerode, inspects: () => inspects }
}

describe('docker inspect cache', () => {
  it('asks the engine once per container and listed state', async () => {
    const states = new Map([['a', 'created']])
    const { docker, inspects } = fakeEngine(states)
    const cache = new DockerInspectCache(docker)
    const together = await Promise.all([
      cache.inspect('a', 'created', 'container'),
      cache.inspect('a', 'created', 'container')
    ])
    expect(together.map((i) => i?.State.Status)).toEqual(['created', 'created'])
    await cache.inspect('a', 'created', 'container')
    expect(inspects()).toBe(1)
    states.set('a', 'running')
    expect((await cache.inspect('a', 'running', 'container'))?.State.Status).toBe('running')
    expect(inspects()).toBe(2)
  })

  it('inspects afresh after an engine event, though the listing still shows the old state', async () => {
    // Docker lists a container as running for a few ms after its die event.
    const states = new Map([['a', 'running']])
    const { docker, inspects } = fakeEngine(states)
    const cache = new DockerInspectCache(docker)
    await cache.inspect('a', 'running', 'container')
    states.set('a', 'exited')
    cache.changed('a')
    expect((await cache.inspect('a', 'running', 'container'))?.State.Status).toBe('exited')
    expect(inspects()).toBe(2)
    // A listed container stays known as the node's: no inspect needed to trust its id.
    expect(cache.isOwn('a', 'container')).toBe(true)
    expect(cache.isOwn('a', 'sandbox')).toBe(false)
  })

  it('answers undefined for a container that is gone, and asks again next time', async () => {
    const { docker, inspects } = fakeEngine(new Map())
    const cache = new DockerInspectCache(docker)
    expect(await cache.inspect('gone', 'exited', 'container')).toBeUndefined()
    expect(await cache.inspect('gone', 'exited', 'container')).toBeUndefined()
    expect(inspects()).toBe(2)
  })

  it('forgets containers a full listing no longer shows', async () => {
    const { docker, inspects } = fakeEngine(new Map([['a', 'running']]))
    const cache = new DockerInspectCache(docker)
    cache.createdContainer('a')
    await cache.inspect('a', 'running', 'container')
    cache.retain('container', new Set())
    expect(cache.isOwn('a', 'container')).toBe(false)
    await cache.inspect('a', 'running', 'container')
    expect(inspects()).toBe(2)
  })

  it('knows a sandbox it started as running until it is seen or made to stop', () => {
    const cache = new DockerInspectCache(fakeEngine(new Map()).docker)
    const sandbox = {
      id: 's',
      metadata: { name: 'p', namespace: 'default', uid: 'u', attempt: 0 },
      state: 'ready' as const,
      createdAt: new Date(),
      labels: {}
    }
    cache.createdSandbox(sandbox)
    expect(cache.runningSandbox('s')).toEqual(sandbox)
    expect(cache.isOwn('s', 'sandbox')).toBe(true)
    cache.sandboxStopped('s')
    expect(cache.runningSandbox('s')).toBeUndefined()
    expect(cache.isOwn('s', 'sandbox')).toBe(true)
    cache.forget('s')
    expect(cache.isOwn('s', 'sandbox')).toBe(false)
  })
})
