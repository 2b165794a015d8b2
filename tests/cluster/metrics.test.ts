/**
 * metrics.k8s.io end to end with the real kubectl: the metrics scenarios on process nodes (the
 * process runtime reads a container's CPU and memory from /proc), and `kubectl top` on
 * simulated nodes, whose in-process kubelets serve no HTTPS (the scraper reads them in process;
 * a fake container reports 1m and 4Mi).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { applyAll, QUICK_FLAGS, waitNodesReady, waitRunning, waitUntil } from './fixtures'
import { registerMetricsScenarios } from './metrics-scenarios'

const WORKERS = ['kubedesk-worker', 'kubedesk-worker2']

describe('metrics on process nodes', () => {
  let cluster: Cluster | undefined
  const live = (): Cluster => {
    if (!cluster) throw new Error('no cluster (beforeAll failed)')
    return cluster
  }
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1, provider: 'process', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, [WORKERS[0], 'kubedesk-control-plane'])
  }, 120_000)
  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  registerMetricsScenarios({ cluster: live, burnerNode: WORKERS[0] })
})

describe('metrics on simulated nodes', () => {
  let cluster: Cluster | undefined
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2, provider: 'simulated', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, [...WORKERS, 'kubedesk-control-plane'])
  }, 120_000)
  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  it('shows the simulated nodes and their fake pods in kubectl top', async () => {
    const c = cluster!
    await applyAll(c, [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'fake', namespace: 'default' },
        spec: { nodeName: WORKERS[1], containers: [{ name: 'app', image: 'busybox' }] }
      }
    ])
    await waitRunning(c, 'fake')
    const rows = await waitUntil(
      'kubectl top pods -A listing default/fake',
      async () => {
        const res = await c.kubectl(['top', 'pods', '-A'])
        const table = res.stdout
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
        return res.code === 0 && table.some((r) => r[1] === 'fake') ? table : undefined
      },
      90_000,
      2000
    )
    expect(rows.find((r) => r[1] === 'fake')).toEqual(['default', 'fake', '1m', '4Mi'])
    const nodes = await c.kubectl(['top', 'nodes'])
    expect(nodes.code, nodes.stderr).toBe(0)
    const names = nodes.stdout
      .trim()
      .split('\n')
      .slice(1)
      .filter((l) => !l.includes('<unknown>'))
      .map((l) => l.split(/\s+/)[0])
    expect(names.sort()).toEqual(['kubedesk-control-plane', ...WORKERS])
  }, 150_000)
})
