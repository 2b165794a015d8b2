import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Etcd3 } from 'etcd3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompactedError } from '../../src/main/store/errors'
import { openEtcdStore } from '../../src/main/store/etcd-store'
import type { Store } from '../../src/main/store/types'
import { startEtcd, type EtcdServer } from '../helpers/etcd-server'

// What the shared contract cannot see: how the etcd backend lays keys out in etcd, how it shares
// leases, and what it learns about compactions made by other etcd clients.
describe('etcd store', () => {
  let server: EtcdServer
  let raw: Etcd3

  beforeAll(async () => {
    server = await startEtcd()
    raw = new Etcd3({ hosts: server.endpoints })
  })

  afterAll(async () => {
    raw?.close()
    await server?.stop()
  })

  async function open(prefix = `/t-${randomBytes(4).toString('hex')}`): Promise<Store> {
    return openEtcdStore({ backend: 'etcd', etcdEndpoints: server.endpoints, etcdPrefix: prefix })
  }

  it('refuses to open without endpoints or when etcd does not answer', async () => {
    await expect(openEtcdStore({ backend: 'etcd' })).rejects.toThrow(/endpoint/)
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address()
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1))
      })
    })
    const url = `http://127.0.0.1:${closedPort}`
    await expect(openEtcdStore({ backend: 'etcd', etcdEndpoints: [url] })).rejects.toThrow(
      `cannot reach etcd at ${url}`
    )
  })

  it('keeps keys under etcdPrefix and hands them back without it', async () => {
    const a = await open('/tenant-a')
    const b = await open('/tenant-b')
    try {
      const events: string[] = []
      const watcher = a.watch('/registry/', await a.revision(), {
        onEvents: (batch) => events.push(...batch.map((e) => e.kv.key))
      })
      await a.create('/registry/pods/default/p', '{"kind":"Pod"}')
      await b.create('/registry/pods/default/p', '{"kind":"Other"}')

      expect(await raw.get('/tenant-a/registry/pods/default/p').string()).toBe('{"kind":"Pod"}')
      expect((await a.range({ prefix: '/registry/' })).kvs.map((kv) => [kv.key, kv.value])).toEqual(
        [['/registry/pods/default/p', '{"kind":"Pod"}']]
      )
      await expect.poll(() => events).toEqual(['/registry/pods/default/p'])
      watcher.cancel()
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('shares a lease between writes with one long TTL; a write without TTL drops it', async () => {
    const prefix = `/lease-${randomBytes(4).toString('hex')}`
    const store = await open(prefix)
    try {
      await store.create('/events/e1', 'one', { ttlSeconds: 3600 })
      await store.create('/events/e2', 'two', { ttlSeconds: 3600 })
      const leaseOf = async (key: string) => (await raw.get(prefix + key).exec()).kvs[0].lease
      const first = await leaseOf('/events/e1')
      expect(first).not.toBe('0')
      expect(await leaseOf('/events/e2')).toBe(first)

      await store.update('/events/e1', 'kept')
      expect(await leaseOf('/events/e1')).toBe('0')
    } finally {
      await store.close()
    }
  })

  it('learns a compaction made by another etcd client when a read runs into it', async () => {
    const store = await open()
    try {
      const old = await store.create('/cp/a', '1')
      await store.update('/cp/a', '2')
      const point = await store.revision()
      await raw.kv.compact({ revision: point, physical: true })

      const err = await store.get('/cp/a', old.modRevision).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CompactedError)
      expect((err as CompactedError).compactRevision).toBe(point)
      expect(await store.compactRevision()).toBe(point)
    } finally {
      await store.close()
    }
  })
})
