/**
 * Simulated nodes, end to end: `kubedesk up --nodes 50 --provider simulated` runs 50 in-process
 * kubelets with the fake runtime; the real kubectl sees them Ready, a pod told by its env to exit
 * 1 crash-loops, and `kubedesk node rm` removes a node with its Node object.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_ENV } from '../../src/agent/runtime/fake/fake-runtime'
import { startCluster, type Cluster } from '../helpers/cluster'
import {
  applyAll,
  eventsFor,
  kubedesk,
  nodesByName,
  podManifest,
  QUICK_FLAGS,
  readyStatus,
  waitNodesReady,
  waitUntil,
  watchRestarts,
  type RestartWatch
} from './fixtures'

const COUNT = 50
const WORKERS = Array.from({ length: COUNT }, (_, i) =>
  i === 0 ? 'kubedesk-worker' : `kubedesk-worker${i + 1}`
)
let cluster: Cluster | undefined
let restarts: RestartWatch | undefined

function live(): Cluster {
  if (!cluster) throw new Error('no cluster (beforeAll failed)')
  return cluster
}

describe('simulated worker nodes', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: COUNT, provider: 'simulated', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, [...WORKERS, 'kubedesk-control-plane'])
  }, 120_000)

  afterAll(async () => {
    restarts?.stop()
    await cluster?.stop()
  }, 60_000)

  it(`runs ${COUNT} Ready workers`, async () => {
    const nodes = await nodesByName(live())
    const workers = [...nodes.keys()].filter((n) => n.startsWith('kubedesk-worker'))
    expect(workers.sort()).toEqual([...WORKERS].sort())
    const notReady = WORKERS.filter((n) => readyStatus(nodes.get(n)) !== 'True')
    expect(notReady).toEqual([])
  })

  it('crash-loops a pod whose fake container exits 1', async () => {
    const c = live()
    await applyAll(c, [
      podManifest({
        name: 'crash',
        node: WORKERS[7],
        script: 'exit 1',
        env: [{ name: FAKE_ENV.exitCode, value: '1' }]
      })
    ])
    restarts = watchRestarts(c, 'crash')
    await restarts.until(3, 30_000)
    expect([...restarts.record.waitingReasons]).toContain('CrashLoopBackOff')
    expect((await eventsFor(c, 'crash')).map((e) => e.reason)).toContain('BackOff')
  }, 60_000)

  it('removes a node and its Node object with node rm', async () => {
    const c = live()
    const gone = WORKERS[COUNT - 1]
    const rm = await kubedesk(c, ['node', 'rm', gone, '--data-dir', c.dataDir])
    expect(rm.code, rm.stderr).toBe(0)
    await waitUntil(
      `Node ${gone} deleted`,
      async () => ((await nodesByName(c)).has(gone) ? undefined : true),
      15_000
    )
    // Its kubelet is gone too: a few heartbeats later the Node has not come back.
    await new Promise((r) => setTimeout(r, 2500))
    const get = await c.kubectl(['get', 'node', gone])
    expect(get.code).not.toBe(0)
    expect(get.stderr).toContain('NotFound')
    // The others are untouched and still Ready.
    const nodes = await nodesByName(c)
    expect(WORKERS.slice(0, -1).filter((n) => readyStatus(nodes.get(n)) !== 'True')).toEqual([])
  }, 60_000)
})
