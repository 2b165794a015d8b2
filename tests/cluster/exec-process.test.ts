/**
 * `kubectl exec` on the process provider, end to end: `kubedesk up --nodes 1 --provider process`
 * from source, the real kubectl, the scenarios of exec-scenarios.ts (the process runtime runs the
 * pod's commands on this host; a terminal comes from util-linux `script`).
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { registerExecScenarios } from './exec-scenarios'
import { QUICK_FLAGS, waitNodesReady } from './fixtures'

const NODE = 'kubedesk-worker'
let cluster: Cluster | undefined

function live(): Cluster {
  if (!cluster) throw new Error('no cluster (beforeAll failed)')
  return cluster
}

describe('kubectl exec on the process provider', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1, provider: 'process', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, [NODE, 'kubedesk-control-plane'])
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  registerExecScenarios({ cluster: live, node: NODE })
})
