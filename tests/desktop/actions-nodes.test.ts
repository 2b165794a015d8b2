/**
 * The desktop host's node actions on simulated nodes: cordon and uncordon (spec.unschedulable),
 * drain (kubectl's refusals naming the pods, and its --ignore-daemonsets and --force), fail (the node goes NotReady once its lease expires;
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

  it('drain refuses, naming the pods, what kubectl drain refuses; with the flags it drains', async () => {
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
    // A pod no controller manages: once evicted, nothing brings it back.
    await cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bare', namespace: 'default', labels: { app: 'bare' } },
      spec: { nodeName: WORKER, containers: [{ name: 'bare', image: 'busybox' }] }
    })
    const onWorker = async () => {
      const pods = await podsOn(WORKER)
      const app = (name: string) => pods.filter((p) => p.metadata.labels?.app === name)
      return { apps: app('app').length, agents: app('agent'), bare: app('bare').length }
    }
    const before = await eventually('app, agent and bare pods on the worker', async () => {
      const now = await onWorker()
      return now.apps > 0 && now.agents.length === 1 && now.bare === 1 ? now : undefined
    })
    const agent = `default/${before.agents[0].metadata.name}`

    // kubectl's defaults: DaemonSet pods and the bare pod block; nothing is evicted.
    await expect(actions.nodeAction({ action: 'drain', name: WORKER })).rejects.toThrow(
      `node/${WORKER} cordoned, but not drained: ` +
        `cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${agent}; ` +
        'cannot delete Pods that declare no controller (use --force to override): default/bare'
    )
    expect((await cluster.client.get<Json>(NODE, undefined, WORKER)).spec.unschedulable).toBe(true)
    await expect(
      actions.nodeAction({ action: 'drain', name: WORKER, ignoreDaemonSets: true })
    ).rejects.toThrow(
      `node/${WORKER} cordoned, but not drained: ` +
        'cannot delete Pods that declare no controller (use --force to override): default/bare'
    )
    expect(await onWorker()).toMatchObject({ apps: before.apps, bare: 1 })

    const { message } = await actions.nodeAction({
      action: 'drain',
      name: WORKER,
      ignoreDaemonSets: true,
      force: true
    })
    expect(message).toBe(
      `node/${WORKER} drained: evicted ${before.apps + 1} pods, ` +
        'ignored 1 DaemonSet or mirror pod ' +
        '(deleting Pods that declare no controller: default/bare)'
    )
    // The Deployment's pods come back on the other node; the DaemonSet pod stays; the bare one
    // is gone for good.
    await eventually('4 app pods on the other node', async () => {
      const pods = await podsOn(WORKER2)
      return pods.filter((p) => p.metadata.labels.app === 'app').length === 4 ? true : undefined
    })
    const left = await podsOn(WORKER)
    expect(left.map((p) => p.metadata.labels.app)).toEqual(['agent'])
    await actions.nodeAction({ action: 'uncordon', name: WORKER })
  })

  it('refuses drain options that are not booleans', async () => {
    await expect(
      actions.nodeAction({ action: 'drain', name: WORKER, force: 'yes' as unknown as boolean })
    ).rejects.toThrow('drain option force must be true or false, not "yes"')
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
