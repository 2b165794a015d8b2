/**
 * The kubelet's stats collector as the metrics scraper relies on it: the node's cumulative CPU
 * never goes down when a container exits (it keeps the exited container's time, as the root
 * cgroup does), a collector without `self` counts only the pods (simulated nodes), and the
 * containers are sampled together, so an engine slow to answer each stats call (docker takes
 * about a second) does not add up to more than the scraper's timeout.
 */
import { describe, expect, it } from 'vitest'
import { createStatsCollector } from '../../../src/agent/server/stats-summary'
import { createTestRuntime } from './test-runtime'

function runtimeWithTwoContainers() {
  const rt = createTestRuntime()
  rt.addPod({ name: 'web', namespace: 'default', uid: 'uid-web', id: 's1' })
  rt.addContainer({ id: 'c1', sandboxId: 's1', name: 'app' })
  rt.addContainer({ id: 'c2', sandboxId: 's1', name: 'side' })
  const at = new Date()
  rt.stats.set('c1', { cpuUsageNanoSeconds: 4e9, memoryWorkingSetBytes: 1000, timestamp: at })
  rt.stats.set('c2', { cpuUsageNanoSeconds: 6e9, memoryWorkingSetBytes: 500, timestamp: at })
  return rt
}

describe('createStatsCollector', () => {
  it('keeps the CPU of exited containers in the node total', async () => {
    const rt = runtimeWithTwoContainers()
    const stats = createStatsCollector('node-1', rt, { self: null })
    const before = await stats.summary()
    expect(before.node.cpu.usageCoreNanoSeconds).toBe(10e9)
    rt.exit('c2')
    const after = await stats.summary()
    expect(after.pods[0].containers.map((c) => c.name)).toEqual(['app'])
    expect(after.node.cpu.usageCoreNanoSeconds).toBe(10e9)
    expect(after.node.memory.workingSetBytes).toBe(1000)
  })

  it('counts its own process only when asked to (the default)', async () => {
    const rt = runtimeWithTwoContainers()
    const own = await createStatsCollector('node-1', rt).summary()
    const podsOnly = await createStatsCollector('node-1', rt, { self: null }).summary()
    expect(podsOnly.node.memory.workingSetBytes).toBe(1500)
    expect(own.node.memory.workingSetBytes).toBeGreaterThan(1500)
    expect(own.node.cpu.usageCoreNanoSeconds).toBeGreaterThan(10e9)
  })

  it('asks for the stats of every container before any answers', async () => {
    const rt = runtimeWithTwoContainers()
    // Stats answer only once both were asked for: one at a time would never finish.
    const asked: (() => void)[] = []
    const sample = rt.containerStats.bind(rt)
    rt.containerStats = (id) =>
      new Promise((resolve, reject) => {
        asked.push(() => sample(id).then(resolve, reject))
        if (asked.length === 2) for (const answer of asked) answer()
      })
    const summary = await createStatsCollector('node-1', rt, { self: null }).summary()
    expect(summary.pods[0].containers.map((c) => c.name).sort()).toEqual(['app', 'side'])
    expect(summary.node.cpu.usageCoreNanoSeconds).toBe(10e9)
  })
})
