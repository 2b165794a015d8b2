import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WatchHandle } from '../../src/main/apiserver/client'
import {
  startControllerManager,
  type ControllerManager
} from '../../src/main/controllers/controller-manager'
import {
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'

const deployment = (name: string, replicas: number, strategy: Json) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS },
  spec: {
    replicas,
    strategy,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }] }
    }
  }
})

let f: ControllerFixture
let manager: ControllerManager
let kubelet: NodeJS.Timeout | undefined
let kubeletBusy = false

beforeAll(async () => {
  f = await startControllerFixture()
  manager = startControllerManager({ client: f.client, log: f.log })
  await manager.ready
  // A stand-in kubelet: marks one new pod Running and Ready every 50 ms.
  kubelet = setInterval(() => {
    if (kubeletBusy) return
    kubeletBusy = true
    void (async () => {
      const pods = (await f.client.list<Json>(POD, { namespace: NS })).items
      // Pods of an image named `never…` never get ready (a rollout that cannot progress).
      const next = pods.find(
        (p) =>
          !p.metadata.deletionTimestamp &&
          p.status?.phase !== 'Running' &&
          !p.spec.containers[0].image.startsWith('never')
      )
      if (next) await markReady(f.client, NS, next.metadata.name).catch(() => undefined)
    })().finally(() => (kubeletBusy = false))
  }, 50)
})
afterAll(async () => {
  clearInterval(kubelet)
  await manager?.stop()
  await f?.close()
})

const setsOf = async (app: string): Promise<Json[]> =>
  (await f.client.list<Json>(RS, { namespace: NS, labelSelector: `app=${app}` })).items
const podsOf = async (app: string): Promise<Json[]> =>
  (await f.client.list<Json>(POD, { namespace: NS, labelSelector: `app=${app}` })).items
const getDeploy = (name: string): Promise<Json> => f.client.get(DEPLOY, NS, name)
const complete = async (name: string, replicas: number): Promise<Json> => {
  const d = await getDeploy(name)
  const s = d.status ?? {}
  const ok =
    s.observedGeneration === d.metadata.generation &&
    s.replicas === replicas &&
    s.updatedReplicas === replicas &&
    s.availableReplicas === replicas
  return ok && d
}

describe('deployment controller', () => {
  it('creates a ReplicaSet <name>-<pod-template-hash> with 3 pods and reports it complete', async () => {
    await f.client.create(
      deployment('web', 3, {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 1 }
      })
    )
    const d = await until('the deployment complete', () => complete('web', 3))
    const [rs] = await setsOf('web')
    const hash = rs.metadata.labels['pod-template-hash']
    expect(rs.metadata.name).toBe(`web-${hash}`)
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/)
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash })
    expect(rs.metadata.ownerReferences[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      controller: true
    })
    expect(rs.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1')
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1')
    const pods = await podsOf('web')
    expect(pods).toHaveLength(3)
    for (const p of pods) expect(p.metadata.labels['pod-template-hash']).toBe(hash)
    const cond = (t: string) => d.status.conditions.find((c: Json) => c.type === t)
    expect(cond('Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' })
    expect(cond('Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "web-${hash}" has successfully progressed.`
    })
    const events = (await f.client.list<Json>(EVENT, { namespace: NS })).items
    expect(
      events.some(
        (e) =>
          e.reason === 'ScalingReplicaSet' &&
          e.message === `Scaled up replica set web-${hash} from 0 to 3`
      )
    ).toBe(true)
  })

  it('rolls out a new image never dropping below replicas - maxUnavailable ready pods', async () => {
    // Ready, undeleted pods of the deployment, as seen from a watch.
    const ready = new Map<string, boolean>()
    let minReady = Infinity
    let maxPods = 0
    const list = await f.client.list<Json>(POD, { namespace: NS, labelSelector: 'app=web' })
    for (const p of list.items) ready.set(p.metadata.name, isReady(p))
    const count = () => [...ready.values()].filter(Boolean).length
    expect(count()).toBe(3)
    const watch: WatchHandle = await f.client.watch(
      POD,
      { namespace: NS, labelSelector: 'app=web', resourceVersion: list.metadata.resourceVersion },
      (e) => {
        const p = e.object as Json
        if (e.type === 'DELETED' || p.metadata.deletionTimestamp) ready.delete(p.metadata.name)
        else ready.set(p.metadata.name, isReady(p))
        minReady = Math.min(minReady, count())
        maxPods = Math.max(maxPods, ready.size)
      }
    )
    try {
      await f.client.patch(DEPLOY, NS, 'web', 'merge', {
        spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } }
      })
      await until(
        'the new revision complete',
        async () => {
          const d = await complete('web', 3)
          return d && d.metadata.annotations['deployment.kubernetes.io/revision'] === '2' && d
        },
        20_000
      )
      await until('the old pods gone', async () => (await podsOf('web')).length === 3)
    } finally {
      watch.stop()
    }
    expect(minReady, 'ready pods during the rollout').toBeGreaterThanOrEqual(2)
    expect(maxPods, 'pods during the rollout (replicas + maxSurge)').toBeLessThanOrEqual(4)
    const sets = await setsOf('web')
    expect(sets).toHaveLength(2)
    const byRevision = Object.fromEntries(
      sets.map((s) => [s.metadata.annotations['deployment.kubernetes.io/revision'], s])
    )
    expect(byRevision['1'].spec.replicas).toBe(0)
    expect(byRevision['2'].spec.replicas).toBe(3)
    expect(byRevision['2'].spec.template.spec.containers[0].image).toBe('busybox:2')
    for (const p of await podsOf('web')) {
      expect(p.spec.containers[0].image).toBe('busybox:2')
    }
    const events = (await f.client.list<Json>(EVENT, { namespace: NS })).items
    const newName = byRevision['2'].metadata.name
    expect(events.some((e) => e.message === `Scaled up replica set ${newName} from 0 to 1`)).toBe(
      true
    )
  })

  it('scales the deployment through its ReplicaSet', async () => {
    await f.client.patch(DEPLOY, NS, 'web', 'merge', { spec: { replicas: 1 } })
    await until('1 replica', () => complete('web', 1))
    await until('1 pod', async () => (await podsOf('web')).length === 1)
  })

  it('Recreate scales the old ReplicaSet to zero before the new one comes up', async () => {
    await f.client.create(deployment('rec', 2, { type: 'Recreate' }))
    await until('rec complete', () => complete('rec', 2))
    // Old and new pods must never exist side by side (seen from a watch).
    const images = new Map<string, string>()
    let overlap = false
    const list = await f.client.list<Json>(POD, { namespace: NS, labelSelector: 'app=rec' })
    for (const p of list.items) images.set(p.metadata.name, p.spec.containers[0].image)
    const watch = await f.client.watch(
      POD,
      { namespace: NS, labelSelector: 'app=rec', resourceVersion: list.metadata.resourceVersion },
      (e) => {
        const p = e.object as Json
        if (e.type === 'DELETED') images.delete(p.metadata.name)
        else images.set(p.metadata.name, p.spec.containers[0].image)
        if (new Set(images.values()).size > 1) overlap = true
      }
    )
    try {
      await f.client.patch(DEPLOY, NS, 'rec', 'merge', {
        spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } }
      })
      await until(
        'rec revision 2 complete',
        async () => {
          const d = await complete('rec', 2)
          return d && d.metadata.annotations['deployment.kubernetes.io/revision'] === '2'
        },
        20_000
      )
    } finally {
      watch.stop()
    }
    expect(overlap, 'old and new pods existed at the same time').toBe(false)
    const pods = await podsOf('rec')
    expect(pods.map((p) => p.spec.containers[0].image)).toEqual(['busybox:2', 'busybox:2'])
    const sets = await setsOf('rec')
    const old = sets.find(
      (s) => s.metadata.annotations['deployment.kubernetes.io/revision'] === '1'
    )
    expect(old.spec.replicas).toBe(0)
  })
})

describe('deployment controller: scaling during a rollout and the progress deadline', () => {
  const sizes = async (app: string): Promise<Record<string, number>> => {
    const out: Record<string, number> = {}
    for (const rs of await setsOf(app)) {
      out[rs.spec.template.spec.containers[0].image] = rs.spec.replicas
    }
    return out
  }

  it('spreads a scale over the old and new ReplicaSets by their sizes', async () => {
    await f.client.create(
      deployment('prop', 10, {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 3, maxUnavailable: 2 }
      })
    )
    await until('prop complete', () => complete('prop', 10), 20_000)
    await f.client.patch(DEPLOY, NS, 'prop', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'never:1' }] } } }
    })
    // The new pods never get ready: the rollout stops at replicas + maxSurge, with
    // replicas - maxUnavailable old ones left.
    await until('the rollout stuck at 8 old + 5 new', async () => {
      const s = await sizes('prop')
      return s['busybox:1'] === 8 && s['never:1'] === 5
    })
    await f.client.patch(DEPLOY, NS, 'prop', 'merge', { spec: { replicas: 15 } })
    // 15 + 3 allowed: 5 more, shared 8:5 → 3 to the old, 2 to the new (Kubernetes' docs example).
    await until('old 11, new 7', async () => {
      const s = await sizes('prop')
      return s['busybox:1'] === 11 && s['never:1'] === 7
    })
    for (const rs of await setsOf('prop')) {
      expect(rs.metadata.annotations['deployment.kubernetes.io/desired-replicas']).toBe('15')
      expect(rs.metadata.annotations['deployment.kubernetes.io/max-replicas']).toBe('18')
    }
  })

  it('a paused deployment still scales proportionally, and never rolls out', async () => {
    await f.client.patch(DEPLOY, NS, 'prop', 'merge', {
      spec: {
        paused: true,
        replicas: 10,
        template: { spec: { containers: [{ name: 'c', image: 'never:2' }] } }
      }
    })
    await until('old 8, new 5 again', async () => {
      const s = await sizes('prop')
      return s['busybox:1'] === 8 && s['never:1'] === 5
    })
    const d = await getDeploy('prop')
    expect(d.status.conditions.find((c: Json) => c.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused'
    })
    expect(Object.keys(await sizes('prop')).sort()).toEqual(['busybox:1', 'never:1'])
  })

  it('times out progressing after progressDeadlineSeconds without progress', async () => {
    await f.client.patch(DEPLOY, NS, 'prop', 'merge', {
      spec: { paused: false, progressDeadlineSeconds: 1 }
    })
    const d: Json = await until(
      'ProgressDeadlineExceeded',
      async () => {
        const x = await getDeploy('prop')
        const c = x.status.conditions.find((c: Json) => c.type === 'Progressing')
        return c?.reason === 'ProgressDeadlineExceeded' && x
      },
      8_000
    )
    const newRS = (await setsOf('prop')).find(
      (rs) => rs.spec.template.spec.containers[0].image === 'never:2'
    )
    expect(d.status.conditions.find((c: Json) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      message: `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`
    })
  })
})

function isReady(p: Json): boolean {
  return (p.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True')
}
