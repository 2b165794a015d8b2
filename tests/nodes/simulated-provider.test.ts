/**
 * The simulated node provider with a stub startKubelet: what it starts, stops and reports.
 */
import { describe, expect, it } from 'vitest'
import type { KubeletConfig } from '../../src/agent/config'
import type { ApiClient } from '../../src/main/apiserver/client'
import { createSimulatedProvider } from '../../src/main/nodes/simulated/simulated-provider'
import { NodeProviderError } from '../../src/main/nodes/types'
import { fakeLaunch, memoryLog } from './fixtures'

const size = { cpu: 2, memoryBytes: 2 * 1024 ** 3, pods: 110 }

function setup(fail = false) {
  const running = new Set<string>()
  const started: { config: KubeletConfig; client: ApiClient }[] = []
  const provider = createSimulatedProvider({
    dataDir: '/data',
    log: memoryLog(),
    startKubelet: async (config, client) => {
      if (fail) throw new Error('registration refused')
      started.push({ config, client })
      running.add(config.nodeName)
      return { stop: async () => void running.delete(config.nodeName) }
    }
  })
  return { provider, running, started }
}

describe('simulated node provider', () => {
  it('starts an in-process kubelet per node with the fake runtime and its node client', async () => {
    const { provider, running, started } = setup()
    expect(await provider.prepare()).toEqual({ apiServerHost: '127.0.0.1' })
    const launch = fakeLaunch()
    const client = {} as ApiClient
    launch.clientFor = (name) => (name === 'sim-1' ? client : ({} as ApiClient))
    await provider.create('sim-1', size, launch)
    await provider.create('sim-2', { ...size, cpu: 4 }, launch)
    expect([...running]).toEqual(['sim-1', 'sim-2'])
    expect(started[0].config).toMatchObject({
      nodeName: 'sim-1',
      runtime: 'fake',
      rootDir: '/data/nodes/sim-1'
    })
    expect(started[0].client).toBe(client)
    expect(await provider.list()).toEqual([
      { name: 'sim-1', state: 'running', size, address: '127.0.0.1' },
      { name: 'sim-2', state: 'running', size: { ...size, cpu: 4 }, address: '127.0.0.1' }
    ])

    // Adopted: no second kubelet.
    await provider.create('sim-1', size, launch)
    expect(started).toHaveLength(2)
  })

  it('stops, starts, removes and detaches', async () => {
    const { provider, running, started } = setup()
    const launch = fakeLaunch()
    await Promise.all(['a', 'b', 'c'].map((n) => provider.create(n, size, launch)))
    await provider.stop('a')
    expect(running.has('a')).toBe(false)
    expect((await provider.list()).find((n) => n.name === 'a')?.state).toBe('stopped')
    await provider.start('a', launch)
    expect(running.has('a')).toBe(true)
    expect(started).toHaveLength(4)
    await provider.remove('b')
    expect((await provider.list()).map((n) => n.name)).toEqual(['a', 'c'])
    await provider.detach()
    expect(running.size).toBe(0)
    expect((await provider.list()).every((n) => n.state === 'stopped')).toBe(true)
  })

  it('reports failures as NodeProviderError', async () => {
    const { provider } = setup(true)
    await expect(provider.create('a', size, fakeLaunch())).rejects.toThrow(
      new NodeProviderError('cannot start the simulated kubelet of a: registration refused')
    )
    await expect(provider.start('zzz', fakeLaunch())).rejects.toThrow('no node zzz')
    expect((await provider.list())[0].state).toBe('stopped')
  })
})
