/**
 * The events scenarios (tests/cluster/events-scenarios.ts) on a process-provider cluster with
 * a short `--event-ttl`, so the expiry can be watched too. The process runtime runs each
 * container's `sh -c` script on the host.
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { QUICK_FLAGS, waitNodesReady } from './fixtures'
import { registerEventsScenarios } from './events-scenarios'

const WORKER = 'kubedesk-worker'
const EVENT_TTL_SECONDS = 15
let cluster: Cluster | undefined

describe('events on process nodes', () => {
  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 1,
      provider: 'process',
      extraArgs: [...QUICK_FLAGS, '--event-ttl', `${EVENT_TTL_SECONDS}s`]
    })
    await waitNodesReady(cluster, [WORKER, 'kubedesk-control-plane'])
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  registerEventsScenarios({
    cluster: () => {
      if (!cluster) throw new Error('no cluster (beforeAll failed)')
      return cluster
    },
    node: WORKER,
    eventTtlSeconds: EVENT_TTL_SECONDS
  })
})
