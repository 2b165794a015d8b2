/**
 * The component log scenarios (tests/cluster/logs-scenarios.ts) on a process-provider cluster:
 * the kubelet runs as a child process writing its own log file; no Docker engine events.
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { QUICK_FLAGS, waitNodesReady } from './fixtures'
import { registerLogsScenarios } from './logs-scenarios'

const WORKER = 'kubedesk-worker'
let cluster: Cluster | undefined

describe('component logs on process nodes', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1, provider: 'process', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, [WORKER, 'kubedesk-control-plane'])
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  registerLogsScenarios({
    cluster: () => {
      if (!cluster) throw new Error('no cluster (beforeAll failed)')
      return cluster
    },
    node: WORKER,
    dockerEvents: false
  })
})
