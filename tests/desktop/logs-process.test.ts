/**
 * The desktop host's logs on a process-provider cluster: the source list (components, kubelets,
 * pod containers), a component's tail and new lines, a pod's log followed through the pods/log
 * path until the pod is deleted; and a process node's failure (its kubelet and pod processes
 * killed, NotReady after the grace period, Ready again after start).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isProcessAlive } from '../../src/main/data-dir'
import { createActions } from '../../src/main/desktop/host/actions'
import { createLogs } from '../../src/main/desktop/host/logs'
import {
  eventually,
  LogRecorder,
  startHostCluster,
  waitForNode,
  type HostCluster
} from './host-fixture'

const WORKER = 'kubedesk-worker'
const POD = { apiVersion: 'v1', kind: 'Pod' }

let cluster: HostCluster
let logs: ReturnType<typeof createLogs>

beforeAll(async () => {
  cluster = await startHostCluster({ provider: 'process', nodes: 1, quickNodeHealth: true })
  logs = createLogs(cluster.ctx)
  await waitForNode(cluster, WORKER, 'Ready', 60_000)
}, 90_000)

afterAll(async () => {
  logs?.close()
  await cluster?.stop()
}, 60_000)

function loopPod(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'talker',
          image: 'busybox',
          command: ['sh', '-c', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.2; done']
        }
      ]
    }
  }
}

async function running(name: string): Promise<true | undefined> {
  const pod = await cluster.client.get(POD, 'default', name)
  return (pod.status as { phase?: string } | undefined)?.phase === 'Running' ? true : undefined
}

describe('logs on process nodes', () => {
  it('lists control-plane components, kubelets and pod containers', async () => {
    await cluster.client.create(loopPod('lister'))
    await eventually('the lister pod running', () => running('lister'))
    const sources = await logs.listLogSources()
    expect(sources).toContainEqual({
      kind: 'component',
      name: 'kube-apiserver',
      title: 'kube-apiserver',
      group: 'control plane'
    })
    expect(sources).toContainEqual({
      kind: 'component',
      name: `kubelet-${WORKER}`,
      title: `kubelet-${WORKER}`,
      group: 'nodes'
    })
    expect(sources).toContainEqual(
      expect.objectContaining({
        kind: 'pod',
        namespace: 'default',
        name: 'lister',
        container: 'talker',
        group: 'pods'
      })
    )
    await cluster.client.delete(POD, 'default', 'lister', { gracePeriodSeconds: 0 })
  })

  it('a component source starts with its last lines, parsed, then streams new ones', async () => {
    const sub = new LogRecorder()
    const stop = logs.subscribeLogs(
      { source: { kind: 'component', name: 'kubedesk' }, tail: 20 },
      sub.emit,
      sub.fail
    )
    try {
      await sub.until('the tail', () => sub.lines().length > 0)
      const first = sub.lines()
      expect(first.length).toBeLessThanOrEqual(20)
      expect(first.some((l) => l.text.includes('control plane started'))).toBe(true)
      expect(first[0]).toMatchObject({ level: 'info' })
      expect(Date.parse(first[0].time!)).not.toBeNaN()
      cluster.controlPlane.setUiUrl('http://127.0.0.1:9/?token=x')
      await sub.until('the new line', () =>
        sub.lines().some((l) => l.text.includes('browser UI serving'))
      )
      expect(sub.errors).toEqual([])
    } finally {
      stop()
    }
  })

  it('an unknown component fails the subscription readably', async () => {
    const sub = new LogRecorder()
    logs.subscribeLogs({ source: { kind: 'component', name: 'no-such' } }, sub.emit, sub.fail)
    await sub.until('the failure', () => sub.errors.length > 0)
    expect(sub.errors[0]).toBe('no log named "no-such" in this cluster')
  })

  it("follows a pod's log until the pod is deleted", async () => {
    await cluster.client.create(loopPod('talker'))
    await eventually('the talker pod running', () => running('talker'), 30_000)
    const sub = new LogRecorder()
    const stop = logs.subscribeLogs(
      { source: { kind: 'pod', namespace: 'default', name: 'talker', container: 'talker' } },
      sub.emit,
      sub.fail
    )
    try {
      await sub.until(
        'a few lines',
        () => sub.lines().filter((l) => /^line \d+$/.test(l.text)).length >= 5
      )
      const seen = sub.lines().length
      await sub.until('more lines as they are written', () => sub.lines().length > seen)
      await cluster.client.delete(POD, 'default', 'talker', { gracePeriodSeconds: 0 })
      await sub.until('the end of the subscription', () => sub.errors.length > 0)
      expect(sub.errors[0]).toMatch(/pod default\/talker is gone/)
    } finally {
      stop()
    }
  }, 60_000)
})

/** The process groups the process runtime recorded as running on `node`. */
function podPids(node: string): number[] {
  const dir = join(cluster.dataDir, 'nodes', node, 'containers')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid?: number }).pid)
    .filter((pid): pid is number => typeof pid === 'number')
}

describe('fail on a process node', () => {
  it("kills the kubelet and its pods' processes; NotReady, then Ready after start", async () => {
    const actions = createActions(cluster.ctx)
    await cluster.client.create(loopPod('victim'))
    await eventually('the victim pod running', () => running('victim'), 30_000)
    const pids = await eventually('its process', () => {
      const found = podPids(WORKER).filter(isProcessAlive)
      return found.length > 0 ? found : undefined
    })
    const { message } = await actions.nodeAction({ action: 'fail', name: WORKER })
    expect(message).toMatch(/failed \(simulated crash\)/)
    await eventually('the pod processes killed', () =>
      pids.every((pid) => !isProcessAlive(pid)) ? true : undefined
    )
    await waitForNode(cluster, WORKER, 'NotReady', 30_000)
    await actions.nodeAction({ action: 'start', name: WORKER })
    await waitForNode(cluster, WORKER, 'Ready', 60_000)
  }, 120_000)
})
