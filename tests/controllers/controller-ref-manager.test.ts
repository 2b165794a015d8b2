import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiClient } from '../../src/main/apiserver/client'
import { ControllerRefManager } from '../../src/main/controllers/shared/controller-ref-manager'
import { startControllerFixture, type ControllerFixture, type Json } from './fixture'

// The manager is generic over the owner's kind: a ConfigMap owns pods here, no controller runs.
const OWNER = { apiVersion: 'v1', kind: 'ConfigMap' }
const POD = { apiVersion: 'v1', kind: 'Pod' }
const NS = 'default'
const HOLD = 'example.com/hold'
const OTHER = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'other', controller: true }

let f: ControllerFixture
beforeAll(async () => {
  f = await startControllerFixture()
})
afterAll(async () => {
  await f?.close()
})

interface Case {
  name: string
  /** app label of the pod; the owner selects `app=yes`. */
  app: 'yes' | 'no'
  ownedBy: 'owner' | 'other' | 'none'
  /** The owner as the live read finds it; the cached copy claims with what it was at first. */
  owner?: 'live' | 'deleted' | 'terminating' | 'terminating in the cache'
  /** The pod changes on the server after the cache saw it. */
  stale?: boolean
  claimed: boolean
  /** Who controls the pod on the server afterwards. */
  after: 'owner' | 'other' | 'none'
}

const cases: Case[] = [
  { name: 'owned and matching: kept', app: 'yes', ownedBy: 'owner', claimed: true, after: 'owner' },
  {
    name: 'owned, not matching: released',
    app: 'no',
    ownedBy: 'owner',
    claimed: false,
    after: 'none'
  },
  { name: 'orphan, matching: adopted', app: 'yes', ownedBy: 'none', claimed: true, after: 'owner' },
  { name: 'orphan, not matching: left', app: 'no', ownedBy: 'none', claimed: false, after: 'none' },
  {
    name: 'orphan of an owner deleted since the cache saw it: not adopted',
    app: 'yes',
    ownedBy: 'none',
    owner: 'deleted',
    claimed: false,
    after: 'none'
  },
  {
    name: 'orphan of an owner terminating on the server: not adopted',
    app: 'yes',
    ownedBy: 'none',
    owner: 'terminating',
    claimed: false,
    after: 'none'
  },
  {
    name: 'orphan of an owner terminating in the cache: not adopted',
    app: 'yes',
    ownedBy: 'none',
    owner: 'terminating in the cache',
    claimed: false,
    after: 'none'
  },
  {
    name: 'owned, not matching, owner terminating: neither kept nor released',
    app: 'no',
    ownedBy: 'owner',
    owner: 'terminating in the cache',
    claimed: false,
    after: 'owner'
  },
  {
    name: 'owned and matching, owner terminating: kept',
    app: 'yes',
    ownedBy: 'owner',
    owner: 'terminating in the cache',
    claimed: true,
    after: 'owner'
  },
  {
    name: 'controlled by another: left alone',
    app: 'yes',
    ownedBy: 'other',
    claimed: false,
    after: 'other'
  },
  {
    name: 'orphan changed since the cache saw it: not adopted (409)',
    app: 'yes',
    ownedBy: 'none',
    stale: true,
    claimed: false,
    after: 'none'
  }
]

const refTo = (owner: Json): Json => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: owner.metadata.name,
  uid: owner.metadata.uid,
  controller: true,
  blockOwnerDeletion: true
})

async function createOwner(name: string, state: Case['owner']): Promise<Json> {
  const owner: Json = await f.client.create({
    ...OWNER,
    metadata: { name, namespace: NS, finalizers: [HOLD] }
  })
  if (state === 'deleted' || state === 'terminating') {
    await f.client.delete(OWNER, NS, name)
    if (state === 'deleted')
      await f.client.patch(OWNER, NS, name, 'merge', { metadata: { finalizers: null } })
  }
  if (state === 'terminating in the cache') {
    await f.client.delete(OWNER, NS, name)
    return f.client.get(OWNER, NS, name)
  }
  return owner
}

const controllerOf = (pod: Json, owner: Json): Case['after'] => {
  const ref = (pod.metadata.ownerReferences ?? []).find((r: Json) => r.controller)
  if (!ref) return 'none'
  return ref.uid === owner.metadata.uid ? 'owner' : 'other'
}

/** The client, counting the live reads of owners. */
function countingReads(client: ApiClient): { client: ApiClient; reads: () => number } {
  let reads = 0
  const counted: ApiClient = Object.create(client)
  counted.get = ((type: Json, ...rest: Json[]) => {
    if (type.kind === OWNER.kind) reads++
    return (client.get as Json)(type, ...rest)
  }) as ApiClient['get']
  return { client: counted, reads: () => reads }
}

describe('ControllerRefManager.claim', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const owner = await createOwner(`owner-${i}`, c.owner)
    const ownerReferences =
      c.ownedBy === 'owner' ? [refTo(owner)] : c.ownedBy === 'other' ? [OTHER] : undefined
    const cached: Json = await f.client.create({
      ...POD,
      metadata: {
        name: `pod-${i}`,
        namespace: NS,
        labels: { app: c.app },
        ...(ownerReferences ? { ownerReferences } : {})
      },
      spec: { containers: [{ name: 'c', image: 'busybox' }] }
    })
    if (c.stale) {
      await f.client.patch(POD, NS, cached.metadata.name, 'merge', {
        metadata: { annotations: { touched: 'yes' } }
      })
    }
    const manager = new ControllerRefManager<Json>({
      client: f.client,
      log: f.log,
      owner,
      ownerType: OWNER,
      objectType: POD
    })
    const claimed = await manager.claim([cached], (p) => p.metadata.labels?.app === 'yes')

    expect(claimed.map((p) => p.metadata.name)).toEqual(c.claimed ? [cached.metadata.name] : [])
    const live: Json = await f.client.get(POD, NS, cached.metadata.name)
    expect(controllerOf(live, owner)).toBe(c.after)
    if (c.after === 'owner') expect(live.metadata.ownerReferences).toEqual([refTo(owner)])
    if (c.stale)
      expect(
        f.log.lines.some(
          (l) => l.includes('could not adopt Pod') && l.includes('the object has been modified')
        )
      ).toBe(true)
  })

  it('reads the owner live once for all its orphans, and adds the extra change on adoption', async () => {
    const owner = await createOwner('owner-many', 'live')
    const orphans: Json[] = []
    for (const name of ['many-a', 'many-b', 'many-c']) {
      orphans.push(
        await f.client.create({
          ...POD,
          metadata: {
            name,
            namespace: NS,
            labels: { app: 'many' },
            finalizers: ['keep.example.com']
          },
          spec: { containers: [{ name: 'c', image: 'busybox' }] }
        })
      )
    }
    const counting = countingReads(f.client)
    const manager = new ControllerRefManager<Json>({
      client: counting.client,
      log: f.log,
      owner,
      ownerType: OWNER,
      objectType: POD,
      adoptMetadata: (p) => ({ finalizers: [...p.metadata.finalizers, HOLD] })
    })
    const claimed = await manager.claim(orphans, () => true)

    expect(claimed.map((p) => p.metadata.name)).toEqual(['many-a', 'many-b', 'many-c'])
    expect(counting.reads()).toBe(1)
    for (const p of claimed) {
      expect(p.metadata.finalizers).toEqual(['keep.example.com', HOLD])
      expect(p.metadata.ownerReferences).toEqual([refTo(owner)])
    }
  })
})
