/**
 * StatefulSet revisions as ControllerRevisions, against a real API server (memory store): one
 * revision per template, the shape `kubectl rollout history | undo` read, rollback renumbering,
 * pruning to revisionHistoryLimit, and the old template read back after a controller restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startStatefulSetController } from '../../src/main/controllers/statefulset/statefulset-controller'
import {
  markReady,
  startControllerFixture,
  until,
  type ControllerFixture,
  type Json
} from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet' }
const CR = { apiVersion: 'apps/v1', kind: 'ControllerRevision' }
const NS = 'default'

const statefulSet = (name: string, replicas: number, spec: Json = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: NS, annotations: { 'kubernetes.io/change-cause': 'first' } },
  spec: {
    replicas,
    serviceName: name,
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
  controller = startStatefulSetController({ client: f.client, log: f.log })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await f?.close()
})

const getPod = (name: string): Promise<Json | undefined> =>
  f.client.get(POD, NS, name).catch(() => undefined)
const getSts = (name: string): Promise<Json> => f.client.get(STS, NS, name)
/** The set's revisions, oldest first. */
const revisionsOf = async (app: string): Promise<Json[]> =>
  (await f.client.list(CR, { namespace: NS, labelSelector: `app=${app}` })).items.sort(
    (a: Json, b: Json) => a.revision - b.revision
  )
const setImage = (name: string, image: string) =>
  f.client.patch(STS, NS, name, 'strategic', {
    spec: { template: { spec: { containers: [{ name: 'c', image }] } } }
  })
const imageOf = (rev: Json): string => rev.data.spec.template.spec.containers[0].image
/** Waits until the set's update revision holds `image`, and answers the revisions. */
const untilUpdateRevision = (app: string, image: string): Promise<Json[]> =>
  until(`${app} update revision at ${image}`, async () => {
    const revs = await revisionsOf(app)
    const name = (await getSts(app)).status?.updateRevision
    const update = revs.find((r) => r.metadata.name === name)
    return update && imageOf(update) === image && revs
  })

describe('statefulset revisions', () => {
  it('stores the template as a ControllerRevision named as the pods are labelled', async () => {
    const sts: Json = await f.client.create(statefulSet('hist', 1))
    const pod = await until('hist-0', () => getPod('hist-0'))
    const [rev] = await until('a revision', async () => {
      const revs = await revisionsOf('hist')
      return revs.length === 1 && revs
    })
    const hash = rev.metadata.labels['controller.kubernetes.io/hash']
    expect(rev.metadata.name).toBe(`hist-${hash}`)
    expect(pod.metadata.labels['controller-revision-hash']).toBe(rev.metadata.name)
    expect(rev.revision).toBe(1)
    expect(rev.metadata.labels.app).toBe('hist')
    expect(rev.metadata.annotations).toEqual({ 'kubernetes.io/change-cause': 'first' })
    expect(rev.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'StatefulSet', uid: sts.metadata.uid, controller: true })
    ])
    // The strategic-merge patch kubectl applies for `rollout undo`.
    expect(Object.keys(rev.data)).toEqual(['spec'])
    expect(Object.keys(rev.data.spec)).toEqual(['template'])
    expect(rev.data.spec.template).toMatchObject({
      $patch: 'replace',
      metadata: { labels: { app: 'hist' } },
      spec: { containers: [expect.objectContaining({ name: 'c', image: 'busybox:1' })] }
    })
    await until('status names the revision', async () => {
      const s = (await getSts('hist')).status
      return s?.currentRevision === rev.metadata.name && s.updateRevision === rev.metadata.name
    })
  })

  it('adds a revision per template and renumbers an older one the set goes back to', async () => {
    await markReady(f.client, NS, 'hist-0')
    await setImage('hist', 'busybox:2')
    const two = await untilUpdateRevision('hist', 'busybox:2')
    expect(two.map((r) => [imageOf(r), r.revision])).toEqual([
      ['busybox:1', 1],
      ['busybox:2', 2]
    ])
    const first = two[0].metadata.name
    // As `kubectl rollout undo` does: the old revision's data patched onto the set.
    await f.client.patch(STS, NS, 'hist', 'strategic', two[0].data)
    const back = await untilUpdateRevision('hist', 'busybox:1')
    expect(back.map((r) => [imageOf(r), r.revision])).toEqual([
      ['busybox:2', 2],
      ['busybox:1', 3]
    ])
    expect(back[1].metadata.name).toBe(first)
    expect((await getSts('hist')).status.updateRevision).toBe(first)
  })

  it('keeps at most revisionHistoryLimit revisions besides the live ones, oldest going first', async () => {
    await f.client.create(statefulSet('prune', 1, { revisionHistoryLimit: 1 }))
    for (const image of ['busybox:1', 'busybox:2', 'busybox:3', 'busybox:4']) {
      if (image !== 'busybox:1') await setImage('prune', image)
      const revs = await untilUpdateRevision('prune', image)
      const update = revs[revs.length - 1].metadata.name
      // Rolled: the pod runs at the update revision and is Ready, so it becomes current.
      await until(`prune-0 at ${image}`, async () => {
        const pod = await getPod('prune-0')
        return pod?.metadata.labels['controller-revision-hash'] === update
      })
      await markReady(f.client, NS, 'prune-0')
      await until('current = update', async () => {
        const s = (await getSts('prune')).status
        return s?.currentRevision === update
      })
    }
    const revs = await until('pruned to 1 old + live', async () => {
      const rs = await revisionsOf('prune')
      return rs.length === 2 && rs
    })
    expect(revs.map(imageOf)).toEqual(['busybox:3', 'busybox:4'])
  })

  it('adopts an orphan revision of its selector and reuses it when the template is equal', async () => {
    // No pods (replicas 0): only the revisions are at stake.
    await f.client.create(statefulSet('adopt', 0))
    const [first] = await until('adopt revision', async () => {
      const revs = await revisionsOf('adopt')
      return revs.length === 1 && revs
    })
    // As `kubectl delete --cascade=orphan` leaves it: the revision without its owner.
    await f.client.patch(CR, NS, first.metadata.name, 'merge', {
      metadata: { ownerReferences: null }
    })
    await f.client.delete(STS, NS, 'adopt')
    const again: Json = await f.client.create(statefulSet('adopt', 0))
    const revs = await until('adopted', async () => {
      const rs = await revisionsOf('adopt')
      return rs[0]?.metadata.ownerReferences?.[0]?.uid === again.metadata.uid && rs
    })
    const sts = await until('adopt status', async () => {
      const s = await getSts('adopt')
      return s.status?.updateRevision && s
    })
    expect(revs.map((r) => [r.metadata.name, r.revision])).toEqual([[first.metadata.name, 1]])
    expect(sts.status.updateRevision).toBe(first.metadata.name)
    expect(revs[0].metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'StatefulSet', uid: again.metadata.uid, controller: true })
    ])
  })

  it('recreates a pod below the partition from its revision after a controller restart', async () => {
    await f.client.create(
      statefulSet('part', 2, {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }
      })
    )
    for (const pod of ['part-0', 'part-1']) {
      await until(pod, () => getPod(pod))
      await markReady(f.client, NS, pod)
    }
    await setImage('part', 'busybox:2')
    await untilUpdateRevision('part', 'busybox:2')
    // A new controller knows no template but what the revisions hold.
    await controller.stop()
    controller = startStatefulSetController({ client: f.client, log: f.log })
    await controller.ready
    const old = (await getPod('part-0'))!.metadata.uid
    await f.client.delete(POD, NS, 'part-0', { gracePeriodSeconds: 0 })
    const again = await until('part-0 recreated', async () => {
      const p = await getPod('part-0')
      return p && p.metadata.uid !== old && p
    })
    expect(again.spec.containers[0].image).toBe('busybox:1')
    expect(again.metadata.labels['controller-revision-hash']).toBe(
      (await getSts('part')).status.currentRevision
    )
  })
})
