import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResourceType } from '../../src/main/apiserver/client'
import type { KubeObject } from '../../src/main/apiserver/types'
import { startGarbageCollector } from '../../src/main/controllers/garbage-collector/garbage-collector'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import { startControllerFixture, until, type ControllerFixture, type Json } from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' }
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' }
const JOB = { apiVersion: 'batch/v1', kind: 'Job' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'
const HOLD = 'kubedesk.test/hold'

let f: ControllerFixture
beforeAll(async () => {
  f = await startControllerFixture()
})
afterAll(async () => {
  await f?.close()
})

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] }
})
const workload = (type: ResourceType, name: string, owner?: KubeObject): Json => ({
  ...type,
  metadata: { name, namespace: NS, ...(owner ? { ownerReferences: [refTo(owner)] } : {}) },
  spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: template(name) }
})
const refTo = (owner: KubeObject, controller = true) => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name!,
  uid: owner.metadata.uid!,
  ...(controller ? { controller: true } : {}),
  blockOwnerDeletion: true
})
// A pod as a controller would create it: owned by `owners` (the first one controls it).
const pod = (name: string, owners: KubeObject[], extra: { finalizers?: string[] } = {}): Json => ({
  ...POD,
  metadata: {
    name,
    namespace: NS,
    labels: { app: name },
    ...(owners.length ? { ownerReferences: owners.map((o, i) => refTo(o, i === 0)) } : {}),
    ...extra
  },
  spec: { containers: [{ name: 'c', image: 'busybox' }] }
})

const find = async (type: ResourceType, name: string, ns = NS): Promise<Json | undefined> =>
  f.client.get(type, ns, name).catch((err: { code?: number }) => {
    if (err.code === 404) return undefined
    throw err
  })
const gone = async (type: ResourceType, ...names: string[]): Promise<boolean> =>
  (await Promise.all(names.map((n) => find(type, n)))).every((o) => o === undefined)
const settle = () => new Promise((r) => setTimeout(r, 300))

describe('garbage collector', () => {
  let gc: RunningController
  beforeAll(async () => {
    gc = startGarbageCollector({ client: f.client, log: f.log, workers: 2 })
    await gc.ready
  })
  afterAll(async () => {
    await gc?.stop()
  })

  it('background: deleting a ReplicaSet deletes its pods, logged', async () => {
    const rs = await f.client.create(workload(RS, 'bg'))
    for (const n of ['bg-1', 'bg-2', 'bg-3']) await f.client.create(pod(n, [rs]))
    await f.client.delete(RS, NS, 'bg', { propagationPolicy: 'Background' })
    await until('pods of bg deleted', () => gone(POD, 'bg-1', 'bg-2', 'bg-3'))
    const deleted = f.log.lines.filter((l) => l.includes('deleting object') && l.includes('bg-'))
    expect(deleted).toHaveLength(3)
    expect(deleted[0]).toContain('"propagationPolicy":"Background"')
  })

  it('foreground: the owner stays, Terminating, until its blocking pods are gone', async () => {
    const rs = await f.client.create(workload(RS, 'fg'))
    await f.client.create(pod('fg-free', [rs]))
    await f.client.create(pod('fg-held', [rs], { finalizers: [HOLD] }))
    await f.client.delete(RS, NS, 'fg', { propagationPolicy: 'Foreground' })

    await until('fg-free deleted', () => gone(POD, 'fg-free'))
    await until(
      'fg-held being deleted',
      async () => (await find(POD, 'fg-held'))?.metadata.deletionTimestamp
    )
    await settle()
    const waiting = await find(RS, 'fg')
    expect(waiting?.metadata.deletionTimestamp).toBeDefined()
    expect(waiting?.metadata.finalizers).toEqual(['foregroundDeletion'])

    await f.client.patch(POD, NS, 'fg-held', 'merge', { metadata: { finalizers: null } })
    await until(
      'fg ReplicaSet and its pods deleted',
      async () => (await gone(RS, 'fg')) && gone(POD, 'fg-held')
    )
  })

  it('orphan: the owner goes, its pods stay without the owner reference', async () => {
    const rs = await f.client.create(workload(RS, 'or'))
    for (const n of ['or-1', 'or-2']) await f.client.create(pod(n, [rs]))
    await f.client.delete(RS, NS, 'or', { propagationPolicy: 'Orphan' })
    await until('or ReplicaSet deleted', () => gone(RS, 'or'))
    await settle()
    for (const n of ['or-1', 'or-2']) {
      const p = await find(POD, n)
      expect(p, n).toBeDefined()
      expect(p.metadata.deletionTimestamp).toBeUndefined()
      expect(p.metadata.ownerReferences).toBeUndefined()
    }
  })

  it('a Deployment deleted in the background takes its ReplicaSet and pods along', async () => {
    const deploy = await f.client.create(workload(DEPLOY, 'chain'))
    const rs = await f.client.create(workload(RS, 'chain-rs', deploy))
    for (const n of ['chain-rs-1', 'chain-rs-2']) await f.client.create(pod(n, [rs]))
    await f.client.delete(DEPLOY, NS, 'chain', { propagationPolicy: 'Background' })
    await until('chain emptied', async () => {
      const all = await Promise.all([gone(RS, 'chain-rs'), gone(POD, 'chain-rs-1', 'chain-rs-2')])
      return all.every(Boolean)
    })
  })

  it('a pod with a second, live owner stays and loses only the dangling reference', async () => {
    const a = await f.client.create(workload(RS, 'two-a'))
    const b = await f.client.create(workload(RS, 'two-b'))
    await f.client.create(pod('two-pod', [a, b]))
    await f.client.delete(RS, NS, 'two-a', { propagationPolicy: 'Background' })
    const kept = await until('dangling reference removed', async () => {
      const p = await find(POD, 'two-pod')
      return p?.metadata.ownerReferences?.length === 1 && p
    })
    expect(kept.metadata.deletionTimestamp).toBeUndefined()
    expect(kept.metadata.ownerReferences[0].uid).toBe(b.metadata.uid)
  })

  it('a Job deleted without a policy orphans its pods (batch/v1 default)', async () => {
    const job = await f.client.create({
      ...JOB,
      metadata: { name: 'oldjob', namespace: NS },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] }
        }
      }
    })
    await f.client.create(pod('oldjob-pod', [job]))
    const deleting: Json = await f.client.delete(JOB, NS, 'oldjob')
    expect(deleting.metadata?.finalizers).toContain('orphan')
    await until('oldjob deleted', () => gone(JOB, 'oldjob'))
    await settle()
    const p = await find(POD, 'oldjob-pod')
    expect(p).toBeDefined()
    expect(p.metadata.deletionTimestamp).toBeUndefined()
    expect(p.metadata.ownerReferences).toBeUndefined()
  })

  it('a reference to an owner in another namespace is reported and treated as absent', async () => {
    await f.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } })
    const rs = await f.client.create(workload(RS, 'xns'))
    await f.client.create({
      ...pod('xns-pod', [rs]),
      metadata: { ...pod('xns-pod', [rs]).metadata, namespace: 'elsewhere' }
    })
    await until('xns-pod deleted', async () => !(await find(POD, 'xns-pod', 'elsewhere')))
    const events = await until('OwnerRefInvalidNamespace event', async () => {
      const list = await f.client.list<Json>(EVENT, { namespace: 'elsewhere' })
      const e = list.items.filter((x) => x.reason === 'OwnerRefInvalidNamespace')
      return e.length > 0 && e
    })
    expect(events[0]).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'Pod', name: 'xns-pod', namespace: 'elsewhere' },
      source: { component: 'garbage-collector-controller' },
      message: `ownerRef [apps/v1/ReplicaSet, namespace: elsewhere, name: xns, uid: ${rs.metadata.uid}] does not exist in namespace "elsewhere"`
    })
    expect(await find(RS, 'xns')).toBeDefined()
  })
})

// ReplicaSets ignored: every ReplicaSet is an owner no informer has seen, so only the live GET
// (uid compared) decides.
describe('garbage collector with owners its informers have not seen', () => {
  let gc: RunningController
  beforeAll(async () => {
    gc = startGarbageCollector({
      client: f.client,
      log: f.log,
      workers: 2,
      ignoredResources: [{ group: 'apps', resource: 'replicasets' }]
    })
    await gc.ready
  })
  afterAll(async () => {
    await gc?.stop()
  })

  it('keeps pods of an existing owner, deletes pods of a missing or replaced one', async () => {
    const live = await f.client.create(workload(RS, 'unseen-live'))
    const replaced = await f.client.create(workload(RS, 'unseen-replaced'))
    await f.client.delete(RS, NS, 'unseen-replaced')
    await f.client.create(workload(RS, 'unseen-replaced'))
    const missing = {
      ...live,
      metadata: { ...live.metadata, name: 'unseen-missing', uid: 'no-such-uid' }
    }
    // `owners` at creation; `adopted` pods get their reference afterwards, as adoption does.
    const cases = [
      { pod: 'unseen-of-live', owners: [live], kept: true },
      { pod: 'unseen-adopted', owners: [], adopted: true, kept: true },
      // Queued itself when the missing owner is found gone: the live owner must be read live.
      { pod: 'unseen-of-missing-and-live', owners: [missing, live], kept: true },
      { pod: 'unseen-of-replaced', owners: [replaced], kept: false },
      { pod: 'unseen-of-missing', owners: [missing], kept: false }
    ]
    for (const c of cases) await f.client.create(pod(c.pod, c.owners))
    const adopted: Json = await find(POD, 'unseen-adopted')
    adopted.metadata.ownerReferences = [refTo(live)]
    await f.client.update(adopted)

    const doomed = cases.filter((c) => !c.kept).map((c) => c.pod)
    await until('pods of missing owners deleted', () => gone(POD, ...doomed))
    await until('the missing owner dropped from the pod that has a live one', async () => {
      const p = await find(POD, 'unseen-of-missing-and-live')
      return p?.metadata.ownerReferences?.length === 1
    })
    await settle()
    for (const c of cases.filter((x) => x.kept)) {
      const p = await find(POD, c.pod)
      expect(p?.metadata.deletionTimestamp, c.pod).toBeUndefined()
      expect(
        p?.metadata.ownerReferences?.map((r: Json) => r.uid),
        c.pod
      ).toEqual([live.metadata.uid])
    }

    // No informer reports this delete: the collector's retry of the owner finds it gone.
    await f.client.delete(RS, NS, 'unseen-live')
    await until('pods of the deleted unseen owner deleted', () =>
      gone(POD, ...cases.filter((c) => c.kept).map((c) => c.pod))
    )
  })
})
