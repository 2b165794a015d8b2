/**
 * The scheduler and controller manager on simulated nodes: `kubedesk up --nodes 3 --provider
 * simulated` from source, driven with the real kubectl through the workload scenarios (a
 * Deployment spread, scaled, rolled out and back, a node lost, a Job, a namespace deleted). The
 * fake runtime starts containers at once, so this checks the control plane's own behaviour
 * quickly; tests/cluster/docker-nodes.test.ts runs the same scenarios on real containers.
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { QUICK_FLAGS, waitNodesReady } from './fixtures'
import { registerWorkloadScenarios } from './workload-scenarios'

const WORKERS = ['kubedesk-worker', 'kubedesk-worker2', 'kubedesk-worker3']
const TOLERATION_SECONDS = 5
let cluster: Cluster | undefined

describe('workloads on simulated nodes', () => {
  beforeAll(async () => {
    cluster = await startCluster({
      nodes: WORKERS.length,
      provider: 'simulated',
      extraArgs: [
        ...QUICK_FLAGS,
        '--default-unreachable-toleration-seconds',
        String(TOLERATION_SECONDS)
      ]
    })
    await waitNodesReady(cluster, [...WORKERS, 'kubedesk-control-plane'])
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  registerWorkloadScenarios({
    cluster: () => {
      if (!cluster) throw new Error('no cluster (beforeAll failed)')
      return cluster
    },
    image2: 'busybox:v2',
    graceSeconds: Number(
      QUICK_FLAGS[QUICK_FLAGS.indexOf('--node-monitor-grace-period') + 1].replace('s', '')
    ),
    tolerationSeconds: TOLERATION_SECONDS
  })
})
