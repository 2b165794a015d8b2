/**
 * The services scenarios (tests/cluster/services-scenarios.ts) on a process-provider cluster:
 * the process runtime runs httpd on the host itself (pod IP 127.0.0.1), so one replica, on a
 * port found free first.
 */
import { createServer, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { QUICK_FLAGS, killProcessesMentioning, waitNodesReady } from './fixtures'
import { registerServicesScenarios } from './services-scenarios'

let cluster: Cluster | undefined

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const containerPort = await freePort()

describe('services on process nodes', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1, provider: 'process', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, ['kubedesk-worker', 'kubedesk-control-plane'])
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
    const leftovers = killProcessesMentioning(`httpd -f -p ${containerPort}`)
    if (leftovers.length) console.warn(`httpd processes left after stop:\n${leftovers.join('\n')}`)
  }, 60_000)

  registerServicesScenarios({
    cluster: () => {
      if (!cluster) throw new Error('no cluster (beforeAll failed)')
      return cluster
    },
    replicas: 1,
    containerPort
  })
})
