/**
 * The desktop host's node actions on simulated nodes: cordon and uncordon (spec.unschedulable),
 * drain (evicts all but DaemonSet pods), fail (the node goes NotReady once its lease expires;
 * start brings it back), add with a size, and readable refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createActions } from '../../src/main/desktop/host/actions'
import { eventually, startHostCluster, waitForNode, type HostCluster } from './host-fixture'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const NODE = { apiVersion: 'v1', kind: 'Node' }
const POD = { apiVersion: 'v1', kind: 'Pod' }
const WORKER = 'kubedesk-worker'
const WORKER2 = 'kubedesk-worker2'

let cluster: HostCluster
let actions: ReturnType<typeof createActions>

beforeAll(async () => {
  cluster = await startHostCluster({ provider: 'simulated', nodes: 2, quickNodeHealth: true })
  actions = createActions(cluster.ctx)
  for (const name of [WORKER, WORKER2]) {
    await waitForNode(cluster, name, 'Ready')
  }
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 30_000)

async function podsOn(node: string): Promise<Json[]> {
  const pods = await cluster.client.list<Json>(POD, { fieldSelector: `spec.nodeName=${node}` })
  return pods.items.filter((p) => !p.metadata.deletionTimestamp)
}

describe('node actions', () => {
  it('cordon and uncordon set spec.unschedulable', async () => {
    expect((await actions.nodeAction({ action: 'cordon', name: WORKER2 })).message).toBe(
      `node/${WORKER2} cordoned`
    )
    const cordoned = await cluster.client.get<Json>(NODE, undefined, WORKER2)
    expect(cordoned.spec.unschedulable).toBe(true)
    expect((await actions.nodeAction({ action: 'uncordon', name: WORKER2 })).message).toBe(
      `node/${WORKER2} uncordoned`
    )
    const uncordoned = await cluster.client.get<Json>(NODE, undefined, WORKER2)
    expect(uncordoned.spec.unschedulable).toBeUndefined()
  })

  it('drain cordons the node and evicts every pod but DaemonSet ones', async () => {
    await actions.deploy({ name: 'app', image: 'busybox', replicas: 4, env: [], expose: false })
    await cluster.client.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'busybox' }] }
        }
      }
    })
    const before = await eventually('app and agent pods on the worker', async () => {
      const pods = await podsOn(WORKER)
      const apps = pods.filter((p) => p.metadata.labels.app === 'app')
      const agents = pods.filter((p) => p.metadata.labels.app === 'agent')
      return apps.length > 0 && agents.length === 1 ? apps.length : undefined
    })
    const { message } = await actions.nodeAction({ action: 'drain', name: WORKER })
    expect(message).toBe(
      `node/${WORKER} drained: evicted ${before} pod${before === 1 ? '' : 's'}, ` +
        'ignored 1 DaemonSet or mirror pod'
    )
    const node = await cluster.client.get<Json>(NODE, undefined, WORKER)
    expect(node.spec.unschedulable).toBe(true)
    // The Deployment's pods come back on the other node; the DaemonSet pod stays.
    await eventually('4 app pods on the other node', async () => {
      const pods = await podsOn(WORKER2)
      return pods.filter((p) => p.metadata.labels.app === 'app').length === 4 ? true : undefined
    })
    const left = await podsOn(WORKER)
    expect(left.map((p) => p.metadata.labels.app)).toEqual(['agent'])
    await actions.nodeAction({ action: 'uncordon', name: WORKER })
  })

  it('fail makes the node NotReady once its lease expires; start brings it back', async () => {
    const { message } = await actions.nodeAction({ action: 'fail', name: WORKER2 })
    expect(message).toMatch(/failed \(simulated crash\)/)
    await waitForNode(cluster, WORKER2, 'NotReady', 30_000)
    const status = await cluster.controlPlane.status()
    expect(status.nodes?.find((n) => n.name === WORKER2)?.state).toBe('stopped')
    expect((await actions.nodeAction({ action: 'start', name: WORKER2 })).message).toBe(
      `node/${WORKER2} started`
    )
    await waitForNode(cluster, WORKER2, 'Ready')
  }, 60_000)

  it('add makes a node of the size asked for, with the next free name', async () => {
    const { message } = await actions.nodeAction({ action: 'add', cpu: 1, memory: '1536Mi' })
    expect(message).toMatch(/^node\/kubedesk-worker3 added \(1 CPU, 1536Mi memory/)
    const node = await eventually('kubedesk-worker3 registered', () =>
      cluster.client.get<Json>(NODE, undefined, 'kubedesk-worker3')
    )
    expect(node.status.capacity.cpu).toBe('1')
  })

  it('refuses bad input and unknown nodes readably', async () => {
    await expect(actions.nodeAction({ action: 'add', memory: 'lots' })).rejects.toThrow(
      /Memory must be a size/
    )
    await expect(actions.nodeAction({ action: 'add', cpu: 0 })).rejects.toThrow(/CPU must be/)
    await expect(actions.nodeAction({ action: 'stop', name: 'nowhere' })).rejects.toThrow(
      'no node named nowhere in this cluster'
    )
    await expect(actions.nodeAction({ action: 'cordon', name: 'nowhere' })).rejects.toThrow(
      'no node named nowhere in this cluster'
    )
    await expect(actions.nodeAction({ action: 'fail', name: 'nowhere' })).rejects.toThrow(
      'no node named nowhere in this cluster'
    )
  })
})
