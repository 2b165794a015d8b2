/**
 * DaemonSet revisions as ControllerRevisions, against a real API server (memory store) with two
 * worker nodes: the revision of each template, its hash on the pods, rollback renumbering, and
 * pruning to revisionHistoryLimit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDaemonSetController } from '../../src/main/controllers/daemonset/daemonset-controller'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import {
  activePods,
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const DS = { apiVersion: 'apps/v1', kind: 'DaemonSet' }
const CR = { apiVersion: 'apps/v1', kind: 'ControllerRevision' }
const NS = 'default'
const WORKERS = ['worker-a', 'worker-b']

const node = (name: string): Json => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: {
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }]
  }
})

const daemonSet = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: NS, annotations: { 'kubernetes.io/change-cause': 'first' } },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }] }
    },
    ...spec
  }
})

let f: ControllerFixture
let controller: RunningController

beforeAll(async () => {
  f = await startControllerFixture()
  for (const name of WORKERS) await f.client.create(node(name))
  controller = startDaemonSetController({ client: f.client, log: f.log })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const podsOf = (app: string): Promise<Json[]> => activePods(f.client, NS, app)
/** The DaemonSet's revisions, oldest first. */
const revisionsOf = async (app: string): Promise<Json[]> =>
  (await f.client.list(CR, { namespace: NS, labelSelector: `app=${app}` })).items.sort(
    (a: Json, b: Json) => a.revision - b.revision
  )
const imageOf = (rev: Json): string => rev.data.spec.template.spec.containers[0].image
const setImage = (name: string, image: string) =>
  f.client.patch(DS, NS, name, 'strategic', {
    spec: { template: { spec: { containers: [{ name: 'c', image }] } } }
  })
/** Waits until every worker runs a Ready pod of `image`; marks new pods Ready on the way. */
const rolledTo = (app: string, image: string): Promise<Json[]> =>
  until(`${app} rolled to ${image}`, async () => {
    const pods = await podsOf(app)
    for (const p of pods) {
      if (!p.status?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True')) {
        await markReady(f.client, NS, p.metadata.name)
      }
    }
    const done =
      pods.length === WORKERS.length && pods.every((p) => p.spec.containers[0].image === image)
    return done && pods
  })
/** Waits until the newest revision holds `image`. */
const newestIs = (app: string, image: string): Promise<Json[]> =>
  until(`${app} newest revision ${image}`, async () => {
    const revs = await revisionsOf(app)
    return revs.length > 0 && imageOf(revs[revs.length - 1]) === image && revs
  })

describe('daemonset revisions', () => {
  it('stores the template as a ControllerRevision whose hash the pods carry', async () => {
    const ds = await f.client.create(daemonSet('agent'))
    const pods = await rolledTo('agent', 'busybox:1')
    const [rev] = await newestIs('agent', 'busybox:1')
    const hash = rev.metadata.labels['controller-revision-hash']
    expect(rev.metadata.name).toBe(`agent-${hash}`)
    expect(pods.map((p) => p.metadata.labels['controller-revision-hash'])).toEqual([hash, hash])
    expect(rev.revision).toBe(1)
    expect(rev.metadata.labels.app).toBe('agent')
    expect(rev.metadata.annotations).toEqual({ 'kubernetes.io/change-cause': 'first' })
    expect(rev.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'DaemonSet', uid: ds.metadata.uid, controller: true })
    ])
    expect(Object.keys(rev.data)).toEqual(['spec'])
    expect(rev.data.spec.template).toMatchObject({
      $patch: 'replace',
      metadata: { labels: { app: 'agent' } },
      spec: { containers: [expect.objectContaining({ image: 'busybox:1' })] }
    })
  })

  it('adds a revision per template and renumbers an older one the DaemonSet goes back to', async () => {
    await setImage('agent', 'busybox:2')
    await rolledTo('agent', 'busybox:2')
    const two = await newestIs('agent', 'busybox:2')
    expect(two.map((r) => [imageOf(r), r.revision])).toEqual([
      ['busybox:1', 1],
      ['busybox:2', 2]
    ])
    // As `kubectl rollout undo` does: the old revision's data patched onto the DaemonSet.
    await f.client.patch(DS, NS, 'agent', 'strategic', two[0].data)
    const pods = await rolledTo('agent', 'busybox:1')
    const back = await newestIs('agent', 'busybox:1')
    expect(back.map((r) => [imageOf(r), r.revision])).toEqual([
      ['busybox:2', 2],
      ['busybox:1', 3]
    ])
    expect(back[1].metadata.name).toBe(two[0].metadata.name)
    const hash = back[1].metadata.labels['controller-revision-hash']
    expect(pods.map((p) => p.metadata.labels['controller-revision-hash'])).toEqual([hash, hash])
  })

  it('keeps at most revisionHistoryLimit old revisions, oldest going first', async () => {
    await f.client.create(daemonSet('prune', { revisionHistoryLimit: 1 }))
    await rolledTo('prune', 'busybox:1')
    for (const image of ['busybox:2', 'busybox:3', 'busybox:4']) {
      await setImage('prune', image)
      await rolledTo('prune', image)
      await newestIs('prune', image)
    }
    const revs = await until('pruned to 1 old + current', async () => {
      const rs = await revisionsOf('prune')
      return rs.length === 2 && rs
    })
    expect(revs.map(imageOf)).toEqual(['busybox:3', 'busybox:4'])
  })
})
