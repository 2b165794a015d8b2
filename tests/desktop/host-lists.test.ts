/**
 * The desktop host's list topics against a real control plane (two simulated nodes): the nodes
 * topic starts with a reset of Ready nodes and their capacity, a pod created through the client
 * arrives as an upsert with kubectl's STATUS, a burst of 300 pods arrives in a few batches, an
 * unsubscribed list hears nothing more and its watch stops, and a watch resumed below the
 * compaction point (410 Expired) re-lists and pushes a reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { subscribeList } from '../../src/main/desktop/host/list-subscription'
import { ListWatches } from '../../src/main/desktop/host/list-watch'
import { createReadTopics, type ReadTopics } from '../../src/main/desktop/host/read-topics'
import type { KubeObject } from '../../src/main/apiserver/types'
import { FAKE_ENV } from '../../src/agent/runtime/fake/fake-runtime'
import type { ListUpdate, NodeSummary, PodSummary } from '../../src/shared/desktop-api'
import {
  applyUpdates,
  eventually,
  listItems,
  podManifest,
  Recorder,
  startHostCluster,
  type HostCluster
} from './host-fixture'

let cluster: HostCluster
let topics: ReadTopics

const client = () => cluster.client

/** Subscribes a recorder to the ConfigMaps of `lists`, each as its uid and name. */
function recordConfigMaps(lists: ListWatches, batchMs?: number) {
  const rec = new Recorder<ListUpdate<{ key: string; name: string }>>()
  const map = (o: KubeObject) => ({ key: o.metadata.uid!, name: o.metadata.name! })
  const sub = subscribeList(
    lists.of({ apiVersion: 'v1', kind: 'ConfigMap' }),
    { map },
    rec.emit,
    rec.fail,
    batchMs
  )
  return { rec, sub }
}

describe('desktop host lists', () => {
  beforeAll(async () => {
    cluster = await startHostCluster({ nodes: 2 })
    topics = createReadTopics(cluster.ctx)
  }, 60_000)

  afterAll(async () => {
    topics?.close()
    await cluster?.stop()
  }, 60_000)

  it('nodes: the first update is a reset listing the Ready nodes with their capacity', async () => {
    const rec = new Recorder<ListUpdate<NodeSummary>>()
    const stop = topics.nodes(rec.emit, rec.fail)
    try {
      await rec.until('nodes Ready', () => {
        const nodes = listItems(rec.updates)
        return (
          nodes.filter((n) => n.name.startsWith('kubedesk-worker') && n.status === 'Ready')
            .length === 2
        )
      })
      const first = rec.updates[0]
      expect(first.reset).toBe(true)
      const workers = listItems(rec.updates).filter((n) => n.name.startsWith('kubedesk-worker'))
      for (const node of workers) {
        expect(node.ready).toBe('True')
        expect(node.capacity.cpuMillis).toBeGreaterThan(0)
        expect(node.capacity.memoryBytes).toBeGreaterThan(0)
        expect(node.capacity.pods).toBeGreaterThan(0)
        expect(node.allocatable.cpuMillis).toBeGreaterThan(0)
        expect(node.conditions.some((c) => c.type === 'Ready')).toBe(true)
      }
      const controlPlaneNode = applyUpdates(rec.updates).get('kubedesk-control-plane')
      if (controlPlaneNode) expect(controlPlaneNode.roles).toContain('control-plane')
      // The provider state arrives with the first status poll.
      await rec.until('provider state', () =>
        listItems(rec.updates).some((n) => n.provider?.state === 'running')
      )
      expect(rec.errors).toEqual([])
    } finally {
      stop()
    }
  })

  it('pods: a pod created through the client arrives as an upsert with its STATUS', async () => {
    const rec = new Recorder<ListUpdate<PodSummary>>()
    const stop = topics.pods({ namespace: 'default' }, rec.emit, rec.fail)
    try {
      await rec.until('the first reset', () => rec.updates.length > 0)
      expect(rec.updates[0].reset).toBe(true)
      await client().create(podManifest('single', { app: 'single' }))
      await rec.until('the pod Running', () =>
        listItems(rec.updates).some((p) => p.name === 'single' && p.status === 'Running')
      )
      // It came as an upsert (not a reset), summarised as kubectl and the scheduler see it.
      const upserts = rec.updates.flatMap((u) => (u.reset ? [] : u.upserts))
      const running = upserts.filter((p) => p.name === 'single').at(-1)!
      expect(running).toMatchObject({
        namespace: 'default',
        phase: 'Running',
        status: 'Running',
        ready: '1/1',
        restarts: 0,
        containers: ['app'],
        requests: { cpuMillis: 100, memoryBytes: 64 * 1024 * 1024 },
        labels: { app: 'single' }
      })
      expect(running.nodeName).toMatch(/^kubedesk-worker/)
    } finally {
      stop()
    }
  })

  it('pods: STATUS reads as kubectl prints it for a failed and an unschedulable pod', async () => {
    const rec = new Recorder<ListUpdate<PodSummary>>()
    const stop = topics.pods({ namespace: 'default' }, rec.emit, rec.fail)
    try {
      await client().create(
        podManifest('fails', { app: 'fails' }, 'default', {
          spec: { restartPolicy: 'Never' },
          env: [{ name: FAKE_ENV.exitCode, value: '1' }]
        })
      )
      await client().create(
        podManifest('stuck', {}, 'default', { spec: { nodeSelector: { disk: 'none-has-it' } } })
      )
      const byName = () => new Map(listItems(rec.updates).map((p) => [p.name, p] as const))
      await rec.until('the failed pod', () => byName().get('fails')?.status === 'Error')
      expect(byName().get('fails')?.phase).toBe('Failed')
      await rec.until('the pending pod', () => byName().has('stuck'))
      expect(byName().get('stuck')).toMatchObject({ phase: 'Pending', status: 'Pending' })
      expect(byName().get('stuck')?.nodeName).toBeUndefined()
    } finally {
      stop()
    }
  })

  it('pods: 300 pods created quickly arrive in a few batches, not 300 messages', async () => {
    const rec = new Recorder<ListUpdate<PodSummary>>()
    const stop = topics.pods({ namespace: 'burst' }, rec.emit, rec.fail)
    try {
      await client().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'burst' } })
      await rec.until('the first reset', () => rec.updates.length > 0)
      const before = rec.updates.length
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          client().create(podManifest(`p-${i}`, { app: 'burst' }, 'burst'))
        )
      )
      await rec.until('300 pods listed', () => applyUpdates(rec.updates).size === 300)
      const batches = rec.updates.length - before
      // Each batch holds up to 250 ms of changes: 300 creations are a handful of messages.
      expect(batches).toBeLessThan(30)
      expect(rec.errors).toEqual([])
    } finally {
      stop()
    }
  })

  it('an added-then-deleted object inside one batch is never pushed', async () => {
    const lists = new ListWatches(cluster.ctx)
    // A long batch, so the create and the delete surely fall into it.
    const { rec, sub } = recordConfigMaps(lists, 2000)
    try {
      await rec.until('the first reset', () => rec.updates.length > 0)
      const cm = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'blink', namespace: 'default' }
      }
      await client().create(cm)
      await client().delete({ apiVersion: 'v1', kind: 'ConfigMap' }, 'default', 'blink')
      await client().create({ ...cm, metadata: { ...cm.metadata, name: 'stays' } })
      await rec.until('the batch', () => rec.updates.length > 1)
      const batch = rec.updates[1]
      expect(batch.reset).toBe(false)
      if (batch.reset) return
      expect(batch.upserts.map((i) => i.name)).toEqual(['stays'])
      expect(batch.deletes).toEqual([])
    } finally {
      sub.unsubscribe()
      lists.close()
    }
  })

  it('unsubscribing stops the updates and the watch', async () => {
    const lists = new ListWatches(cluster.ctx)
    const lw = lists.of({ apiVersion: 'v1', kind: 'Pod' })
    const rec = new Recorder<ListUpdate<PodSummary>>()
    const sub = subscribeList(
      lw,
      { map: (o: KubeObject) => ({ key: o.metadata.uid! }) as PodSummary },
      rec.emit,
      rec.fail
    )
    await rec.until('the first reset', () => rec.updates.length > 0)
    expect(lw.synced()).toBe(true)
    sub.unsubscribe()
    // The last subscriber gone: the watch stopped and the cache is dropped.
    expect(lw.synced()).toBe(false)
    expect(lw.size).toBe(0)
    const count = rec.updates.length
    await client().create(podManifest('after-unsubscribe'))
    // A second, live subscription sees the pod: by then the first would have seen it too.
    const other = new Recorder<ListUpdate<PodSummary>>()
    const live = topics.pods({ namespace: 'default' }, other.emit, other.fail)
    await other.until('the pod', () =>
      listItems(other.updates).some((p) => p.name === 'after-unsubscribe')
    )
    live()
    expect(rec.updates.length).toBe(count)
    lists.close()
  })

  it('a watch resumed below the compaction point (410 Expired) re-lists and pushes a reset', async () => {
    // Watches that end every second, so one resumes soon after the compaction.
    const lists = new ListWatches(cluster.ctx, { watchTimeoutSeconds: 1 })
    const { rec, sub } = recordConfigMaps(lists)
    try {
      await rec.until('the first reset', () => rec.updates.length > 0)
      // Writes of another kind move the revision on while no ConfigMap event moves the watch's.
      for (let i = 0; i < 3; i++) {
        await client().create({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `move-${i}`, namespace: 'default' }
        })
      }
      const store = cluster.store()
      await store.compact(await store.revision())
      await rec.until('a second reset', () => rec.updates.filter((u) => u.reset).length >= 2)
      const resets = rec.updates.filter((u) => u.reset)
      const names = (u: (typeof resets)[number]) => (u.reset ? u.items.map((i) => i.name) : [])
      expect(names(resets[1]).sort()).toEqual(names(resets[0]).sort())
      // And the re-listed cache is live again: a new ConfigMap arrives as an upsert.
      await client().create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'after-relist', namespace: 'default' }
      })
      await eventually('the new ConfigMap', () =>
        listItems(rec.updates).some((c) => c.name === 'after-relist') ? true : undefined
      )
    } finally {
      sub.unsubscribe()
      lists.close()
    }
  })
})
