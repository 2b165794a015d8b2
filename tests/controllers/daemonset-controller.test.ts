/**
 * The DaemonSet controller against a real API server (memory store) with Nodes the test creates:
 * a tainted control-plane node and three workers, one labelled. The test plays the kubelets
 * (marking pods Ready or Failed); one test runs the real scheduler to bind the daemon pods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startDaemonSetController,
  type DaemonSetControllerOptions
} from '../../src/main/controllers/daemonset/daemonset-controller'
import { DAEMON_POD_TOLERATIONS } from '../../src/main/controllers/daemonset/node-should-run'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startScheduler } from '../../src/main/scheduler/scheduler'
import {
  activePods,
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const NODE = { apiVersion: 'v1', kind: 'Node' }
const DS = { apiVersion: 'apps/v1', kind: 'DaemonSet' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'
const CONTROL_PLANE = 'kubedesk-control-plane'
const WORKERS = ['kubedesk-worker', 'kubedesk-worker2', 'kubedesk-worker3']
/** The worker carrying `disk=ssd`. */
const SSD = WORKERS[1]

const node = (name: string, labels: Record<string, string> = {}, taints?: Json[]): Json => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: taints ? { taints } : {},
  status: {
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }]
  }
})

const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }

async function createNodes(f: ControllerFixture): Promise<void> {
  await f.client.create(
    node(CONTROL_PLANE, { 'node-role.kubernetes.io/control-plane': '' }, [CONTROL_PLANE_TAINT])
  )
  for (const name of WORKERS) {
    await f.client.create(node(name, name === SSD ? { disk: 'ssd' } : {}))
  }
}

const daemonSet = (name: string, podSpec: Json = {}, spec: Json = {}): Json => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: NS },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...podSpec }
    },
    ...spec
  }
})

/** The node a daemon pod is for: its nodeName, or the node its affinity pins it to. */
const targetOf = (pod: Json): string =>
  pod.spec.nodeName ??
  pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
    .matchFields[0].values[0]

let f: ControllerFixture
let controller: RunningController

async function startFixture(opts: Partial<DaemonSetControllerOptions> = {}): Promise<void> {
  f = await startControllerFixture()
  await createNodes(f)
  controller = startDaemonSetController({ client: f.client, log: f.log, ...opts })
  await controller.ready
}
async function stopFixture(): Promise<void> {
  await controller?.stop()
  await f?.close()
}

const podsOf = (app: string): Promise<Json[]> => activePods(f.client, NS, app)
const nodesOf = async (app: string): Promise<string[]> => (await podsOf(app)).map(targetOf).sort()
const getDs = (name: string): Promise<Json> => f.client.get(DS, NS, name)
const eventsOf = async (name: string, reason: string): Promise<Json[]> =>
  (await f.client.list(EVENT, { namespace: NS })).items.filter(
    (e: Json) => e.involvedObject.name === name && e.reason === reason
  )
/** Waits until the set's pods are on exactly `nodes`. */
const podsOn = (app: string, nodes: string[]): Promise<Json[]> =>
  until(`${app} pods on ${nodes.join(', ')}`, async () => {
    const pods = await podsOf(app)
    const on = pods.map(targetOf).sort()
    return JSON.stringify(on) === JSON.stringify([...nodes].sort()) && pods
  })
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300))

describe('daemonset controller', () => {
  beforeAll(() => startFixture({ failedPodBackoffMs: 600 }))
  afterAll(stopFixture)

  it.each([
    { name: 'agent', podSpec: {}, nodes: WORKERS },
    {
      name: 'everywhere',
      podSpec: {
        tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }]
      },
      nodes: [CONTROL_PLANE, ...WORKERS]
    },
    { name: 'ssd-only', podSpec: { nodeSelector: { disk: 'ssd' } }, nodes: [SSD] },
    {
      name: 'not-ssd',
      podSpec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }]
            }
          }
        }
      },
      nodes: WORKERS.filter((w) => w !== SSD)
    }
  ])('$name: one unbound pod pinned to each eligible node', async ({ name, podSpec, nodes }) => {
    const ds: Json = await f.client.create(daemonSet(name, podSpec))
    const pods = await podsOn(name, nodes)
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(new RegExp(`^${name}-[a-z0-9]{5}$`))
      expect(pod.spec.nodeName).toBeUndefined()
      expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual(
        {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetOf(pod)] }] }
          ]
        }
      )
      expect(pod.spec.tolerations).toEqual(expect.arrayContaining([...DAEMON_POD_TOLERATIONS]))
      expect(pod.metadata.labels['pod-template-generation']).toBe('1')
      expect(pod.metadata.labels['controller-revision-hash']).toMatch(/^[a-z0-9]+$/)
      expect(pod.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'DaemonSet', uid: ds.metadata.uid, controller: true })
      ])
    }
    const created = await until('a SuccessfulCreate per pod', async () => {
      const e = await eventsOf(name, 'SuccessfulCreate')
      return e.length === nodes.length && e
    })
    expect(created.map((e: Json) => e.message).sort()).toEqual(
      pods.map((p: Json) => `Created pod: ${p.metadata.name}`).sort()
    )
    expect(created[0].source.component).toBe('daemonset-controller')
    // Expectations hold: nothing more appears once the controller settles.
    await settle()
    expect(await nodesOf(name)).toEqual([...nodes].sort())
  })

  it('reports status counts as pods turn ready', async () => {
    await f.client.create(daemonSet('counted'))
    const pods = await podsOn('counted', WORKERS)
    const want = (ready: number): Json => ({
      desiredNumberScheduled: WORKERS.length,
      currentNumberScheduled: WORKERS.length,
      numberMisscheduled: 0,
      numberReady: ready,
      updatedNumberScheduled: WORKERS.length,
      observedGeneration: 1,
      ...(ready > 0 ? { numberAvailable: ready } : {}),
      ...(ready < WORKERS.length ? { numberUnavailable: WORKERS.length - ready } : {})
    })
    const sorted = (s: Json): Json => Object.fromEntries(Object.entries(s ?? {}).sort())
    await until('status of 3 scheduled pods', async () => {
      const s = (await getDs('counted')).status
      return s?.observedGeneration === 1 && s.currentNumberScheduled === WORKERS.length
    })
    expect(sorted((await getDs('counted')).status)).toEqual(sorted(want(0)))
    for (let i = 0; i < pods.length; i++) {
      await markReady(f.client, NS, pods[i].metadata.name)
      await until(
        `numberReady ${i + 1}`,
        async () => (await getDs('counted')).status.numberReady === i + 1
      )
      expect(sorted((await getDs('counted')).status)).toEqual(sorted(want(i + 1)))
    }
  })

  it('follows nodes: added, relabelled, removed', async () => {
    await f.client.create(daemonSet('follow'))
    await f.client.create(daemonSet('follow-ssd', { nodeSelector: { disk: 'ssd' } }))
    await podsOn('follow', WORKERS)
    await podsOn('follow-ssd', [SSD])

    await f.client.create(node('kubedesk-worker4', { disk: 'ssd' }))
    await podsOn('follow', [...WORKERS, 'kubedesk-worker4'])
    await podsOn('follow-ssd', [SSD, 'kubedesk-worker4'])

    // The label goes: the node no longer matches the selector, so its pod goes.
    await f.client.patch(NODE, undefined, 'kubedesk-worker4', 'merge', {
      metadata: { labels: { disk: null } }
    })
    await podsOn('follow-ssd', [SSD])
    const deleted = await until('a SuccessfulDelete', async () => {
      const e = await eventsOf('follow-ssd', 'SuccessfulDelete')
      return e.length === 1 && e
    })
    expect(deleted[0].message).toMatch(/^Deleted pod: follow-ssd-[a-z0-9]{5}$/)

    await f.client.delete(NODE, undefined, 'kubedesk-worker4')
    await podsOn('follow', WORKERS)
    expect((await getDs('follow')).status.desiredNumberScheduled).toBe(WORKERS.length)
  })

  it('deletes a failed pod and recreates it, backing off when it keeps failing', async () => {
    await f.client.create(daemonSet('flaky', { nodeSelector: { disk: 'ssd' } }))
    const fail = (name: string): Promise<unknown> =>
      f.client.patch(
        POD,
        NS,
        name,
        'merge',
        { status: { phase: 'Failed' } },
        { subresource: 'status' }
      )
    const replaced = async (old: string): Promise<{ pod: Json; at: number }> => {
      const [pod] = await until(`a pod replacing ${old}`, async () => {
        const p = await podsOf('flaky')
        return p.length === 1 && p[0].metadata.name !== old && p
      })
      return { pod, at: Date.now() }
    }
    const [first] = await podsOn('flaky', [SSD])
    await fail(first.metadata.name)
    const second = await replaced(first.metadata.name)
    expect(targetOf(second.pod)).toBe(SSD)
    const events = await until('a FailedDaemonPod event', async () => {
      const e = await eventsOf('flaky', 'FailedDaemonPod')
      return e.length === 1 && e
    })
    expect(events[0].type).toBe('Warning')
    expect(events[0].message).toBe(
      `Found failed daemon pod ${NS}/${first.metadata.name} on node ${SSD}, will try to kill it`
    )
    // Failing again at once: the controller waits out its back-off (600 ms) before deleting.
    await fail(second.pod.metadata.name)
    const third = await replaced(second.pod.metadata.name)
    expect(third.at - second.at).toBeGreaterThanOrEqual(450)
    await until(
      'two FailedDaemonPod events',
      async () => (await eventsOf('flaky', 'FailedDaemonPod')).length === 2
    )
  })

  it('OnDelete: a template change waits for pods to be deleted', async () => {
    await f.client.create(daemonSet('manual', {}, { updateStrategy: { type: 'OnDelete' } }))
    const before = await podsOn('manual', WORKERS)
    await f.client.patch(DS, NS, 'manual', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } }
    })
    await until(
      'observedGeneration 2',
      async () => (await getDs('manual')).status.observedGeneration === 2
    )
    await settle()
    expect((await podsOf('manual')).map((p) => p.metadata.name).sort()).toEqual(
      before.map((p) => p.metadata.name).sort()
    )
    expect((await getDs('manual')).status.updatedNumberScheduled).toBeUndefined()

    await f.client.delete(POD, NS, before[0].metadata.name)
    const fresh = await until('a new-revision pod', async () => {
      const p = (await podsOf('manual')).find(
        (x) => x.metadata.labels['pod-template-generation'] === '2'
      )
      return p
    })
    expect(targetOf(fresh)).toBe(targetOf(before[0]))
    expect(fresh.spec.containers[0].image).toBe('busybox:2')
    await until(
      'updatedNumberScheduled 1',
      async () => (await getDs('manual')).status.updatedNumberScheduled === 1
    )
  })

  it.each([
    { budget: 'maxUnavailable 1', maxUnavailable: 1, maxSurge: 0 },
    { budget: 'maxUnavailable 2', maxUnavailable: 2, maxSurge: 0 },
    { budget: 'maxSurge 1, maxUnavailable 0', maxUnavailable: 0, maxSurge: 1 }
  ])(
    'RollingUpdate with $budget replaces every pod within that budget',
    async ({ maxUnavailable, maxSurge }) => {
      const name = `roll-${maxUnavailable}-${maxSurge}`
      const strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } }
      await f.client.create(daemonSet(name, {}, { updateStrategy: strategy }))
      for (const pod of await podsOn(name, WORKERS))
        await markReady(f.client, NS, pod.metadata.name)
      await until('all available', async () => (await getDs(name)).status.numberAvailable === 3)
      const oldHash = (await podsOf(name))[0].metadata.labels['controller-revision-hash']

      // Watch every change: the test is the kubelet (new pods turn Ready after 150 ms) and checks
      // unavailability (workers without a ready pod that is not being deleted) at each one.
      const list = await f.client.list(POD, { namespace: NS, labelSelector: `app=${name}` })
      const pods = new Map<string, Json>(list.items.map((p: Json) => [p.metadata.name, p]))
      let worst = 0
      let mostPods = 0
      const check = (): void => {
        const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp)
        mostPods = Math.max(mostPods, live.length)
        const up = new Set(
          live
            .filter((p) =>
              p.status?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True')
            )
            .map(targetOf)
        )
        worst = Math.max(worst, WORKERS.filter((w) => !up.has(w)).length)
      }
      const watch = await f.client.watch(
        POD,
        {
          namespace: NS,
          labelSelector: `app=${name}`,
          resourceVersion: list.metadata.resourceVersion
        },
        (e) => {
          const pod = e.object as Json
          if (e.type === 'DELETED') pods.delete(pod.metadata.name)
          else if (e.type === 'ADDED' || e.type === 'MODIFIED') pods.set(pod.metadata.name, pod)
          check()
          if (e.type === 'ADDED') {
            setTimeout(
              () => void markReady(f.client, NS, pod.metadata.name).catch(() => undefined),
              150
            )
          }
        }
      )
      try {
        await f.client.patch(DS, NS, name, 'merge', {
          spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } }
        })
        await until(
          'the rollout done',
          async () => {
            const s = (await getDs(name)).status
            return (
              s.observedGeneration === 2 &&
              s.updatedNumberScheduled === 3 &&
              s.numberAvailable === 3
            )
          },
          15_000
        )
      } finally {
        watch.stop()
      }
      const now = await podsOf(name)
      expect(now.map(targetOf).sort()).toEqual([...WORKERS].sort())
      for (const pod of now) {
        expect(pod.metadata.labels['controller-revision-hash']).not.toBe(oldHash)
        expect(pod.spec.containers[0].image).toBe('busybox:2')
      }
      expect(worst).toBeLessThanOrEqual(maxUnavailable)
      expect(mostPods).toBeLessThanOrEqual(WORKERS.length + maxSurge)
      // The budget was used: a node went without a ready pod, or ran two.
      if (maxSurge === 0) expect(worst).toBeGreaterThan(0)
      else expect(mostPods).toBeGreaterThan(WORKERS.length)
      await until(
        'a SuccessfulDelete per old pod',
        async () => (await eventsOf(name, 'SuccessfulDelete')).length === 3
      )
    },
    20_000
  )
})

describe('daemonset controller with the scheduler', () => {
  let stopScheduler: (() => void) | undefined
  beforeAll(async () => {
    await startFixture()
    const s = startScheduler({ client: f.server.client, log: f.log })
    stopScheduler = () => s.stop()
    await s.ready
  })
  afterAll(async () => {
    stopScheduler?.()
    await stopFixture()
  })

  it('binds each daemon pod to the node it is pinned to', async () => {
    await f.client.create(daemonSet('bound'))
    const pods = await until('3 bound pods', async () => {
      const p = await podsOf('bound')
      return p.length === WORKERS.length && p.every((x) => x.spec.nodeName) && p
    })
    for (const pod of pods) {
      const pinned =
        pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
          .nodeSelectorTerms[0].matchFields[0].values[0]
      expect(pod.spec.nodeName).toBe(pinned)
    }
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual([...WORKERS].sort())
  })
})
