/**
 * Node failure and the node shell on a docker node (skipped without a Docker engine; holds the
 * docker node lock, since node names are global on the engine and tests/cluster uses them): fail kills the node container and its pods' containers at
 * once, the node goes NotReady and comes back Ready after start; the node's terminal is a
 * `docker exec` shell where crictl lists the pods' containers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createActions } from '../../src/main/desktop/host/actions'
import { createTerminals } from '../../src/main/desktop/host/terminals'
import type { TerminalOutput } from '../../src/shared/desktop-api'
import { BUSYBOX_IMAGE, dockerAvailable, localDocker } from '../helpers/docker-images'
import { LOCK_WAIT_MS, lockDockerNodes } from '../helpers/docker-node-lock'
import { eventually, startHostCluster, waitForNode, type HostCluster } from './host-fixture'

const WORKER = 'kubedesk-worker'
const available = await dockerAvailable()

let cluster: HostCluster | undefined
let unlock: (() => void) | undefined

describe.skipIf(!available)('a docker node', () => {
  beforeAll(async () => {
    unlock = await lockDockerNodes(LOCK_WAIT_MS)
    cluster = await startHostCluster({ provider: 'docker', nodes: 1, quickNodeHealth: true })
    await waitForNode(cluster!, WORKER, 'Ready', 120_000)
  }, LOCK_WAIT_MS + 180_000)

  afterAll(async () => {
    try {
      if (!cluster) return
      // Docker nodes outlive the control plane by design: remove this test's.
      await createActions(cluster.ctx)
        .nodeAction({ action: 'rm', name: WORKER })
        .catch(() => undefined)
      await cluster.stop()
    } finally {
      unlock?.()
    }
  }, 120_000)

  it('gives a shell in the node where crictl works', async () => {
    const terminals = createTerminals(cluster!.ctx)
    const { id, title } = await terminals.openTerminal({
      target: { kind: 'node', node: WORKER },
      cols: 120,
      rows: 30
    })
    expect(title).toBe(`node ${WORKER}`)
    const outputs: TerminalOutput[] = []
    terminals.subscribeTerminal(
      { id },
      (o) => outputs.push(o),
      () => undefined
    )
    const text = (): string => outputs.map((o) => o.data ?? '').join('')
    await terminals.writeTerminal({ id, data: 'hostname; crictl pods\r' })
    await eventually('the node hostname and the crictl table', () =>
      text().includes(WORKER) && /POD ID/.test(text()) ? true : undefined
    )
    await terminals.writeTerminal({ id, data: 'exit\r' })
    await eventually('the exit', () => outputs.find((o) => o.exit))
    terminals.close()
  }, 60_000)

  it('fail kills the node and its pod containers; start brings it back Ready', async () => {
    const c = cluster!
    const actions = createActions(c.ctx)
    await c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'sleeper', namespace: 'default' },
      spec: {
        nodeName: WORKER,
        containers: [{ name: 'sleeper', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }]
      }
    })
    const docker = localDocker()
    const podContainers = async () =>
      (
        await docker.listContainers({
          filters: { label: [`io.kubernetes.pod.name=sleeper`] }
        })
      ).map((c) => c.Id)
    const running = await eventually(
      'the sleeper container running',
      async () => {
        const ids = await podContainers()
        return ids.length > 0 ? ids : undefined
      },
      90_000
    )
    const { message } = await actions.nodeAction({ action: 'fail', name: WORKER })
    expect(message).toMatch(/failed \(simulated crash\)/)
    const node = await docker.getContainer(WORKER).inspect()
    expect(node.State.Running).toBe(false)
    expect(node.State.ExitCode).toBe(137)
    for (const id of running) {
      expect((await docker.getContainer(id).inspect()).State.Running).toBe(false)
    }
    await waitForNode(c, WORKER, 'NotReady', 30_000)
    await actions.nodeAction({ action: 'start', name: WORKER })
    await waitForNode(c, WORKER, 'Ready', 90_000)
  }, 240_000)
})
