import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError
} from '../../src/main/store/errors'
import type { KeyValue, Store, WatchEvent, Watcher } from '../../src/main/store/types'

/**
 * The shared store contract: one suite every backend (memory, sqlite, etcd) must pass, so the
 * API server can rely on etcd v3 semantics whichever backend the user picked.
 */

/** A store opened for one test case, and how to tear it down. */
export interface StoreFixture {
  store: Store
  /** Closes the store (it may already be closed) and removes whatever the fixture created. */
  cleanup(): Promise<void>
}

/** What the suite must know about how a backend's fixtures relate to each other. */
export interface ContractOptions {
  /**
   * Fixtures share one server's revision counter (etcd: one server, a fresh key prefix per case),
   * so a new fixture does not start at revision 0.
   */
  sharedRevisions?: boolean
}

/** A watch that records everything it receives, for assertions. */
export interface EventLog {
  events: WatchEvent[]
  errors: Error[]
  watcher: Watcher
}

/** Starts a watch that appends every delivered event and error to an EventLog. */
export function collect(store: Store, prefix: string, fromRevision: number | undefined): EventLog {
  const events: WatchEvent[] = []
  const errors: Error[] = []
  const watcher = store.watch(prefix, fromRevision, {
    onEvents: (batch) => events.push(...batch),
    onError: (err) => errors.push(err)
  })
  return { events, errors, watcher }
}

/**
 * Polls `condition` until it holds; fails with `what` after `timeoutMs`. Generous deadlines and
 * polling keep the suite stable on a loaded two-core machine without fixed sleeps.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** How a promise ended, or 'hung' when it did not end within `ms`. */
async function settle(p: Promise<unknown>, ms: number): Promise<'fulfilled' | 'rejected' | 'hung'> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)))
  const outcome = p.then(
    () => 'fulfilled' as const,
    () => 'rejected' as const
  )
  try {
    return await Promise.race([outcome, hung])
  } finally {
    clearTimeout(timer)
  }
}

/** The fields a user compares; strips anything a backend may add. */
function kv(k: KeyValue | undefined): KeyValue | undefined {
  if (!k) return undefined
  const { key, value, createRevision, modRevision, version } = k
  return { key, value, createRevision, modRevision, version }
}

function keys(kvs: KeyValue[]): string[] {
  return kvs.map((k) => k.key)
}

function byteOrder(list: string[]): string[] {
  return [...list].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/** Defines the contract suite for one backend; `open` gives each case a store of its own. */
export function describeStoreContract(
  name: string,
  open: () => Promise<StoreFixture>,
  options: ContractOptions = {}
): void {
  describe(`store contract: ${name}`, () => {
    let fixture: StoreFixture
    let store: Store
    let r0: number

    beforeEach(async () => {
      fixture = await open()
      store = fixture.store
      r0 = await store.revision()
    })

    afterEach(async () => {
      await fixture.cleanup()
    })

    it('gives every write the next global revision and answers createRevision/modRevision/version', async () => {
      if (!options.sharedRevisions) {
        expect(r0).toBe(0)
        expect(await store.compactRevision()).toBe(0)
      }
      const a1 = await store.create('/rev/a', 'a1')
      expect(kv(a1)).toEqual({
        key: '/rev/a',
        value: 'a1',
        createRevision: r0 + 1,
        modRevision: r0 + 1,
        version: 1
      })
      expect(await store.revision()).toBe(r0 + 1)
      const b1 = await store.create('/rev/b', 'b1')
      expect([b1.createRevision, b1.modRevision, b1.version]).toEqual([r0 + 2, r0 + 2, 1])
      const a2 = await store.update('/rev/a', 'a2')
      expect(kv(a2)).toEqual({
        ...kv(a1),
        value: 'a2',
        modRevision: r0 + 3,
        version: 2
      })
      const a3 = await store.update('/rev/a', 'a3')
      expect([a3.createRevision, a3.modRevision, a3.version]).toEqual([r0 + 1, r0 + 4, 3])
      expect(await store.revision()).toBe(r0 + 4)

      const deleted = await store.delete('/rev/a')
      expect(deleted.deleteRevision).toBe(r0 + 5)
      expect(kv(deleted.prevKv)).toEqual(kv(a3))
      expect(await store.revision()).toBe(r0 + 5)
      expect(await store.get('/rev/a')).toBeUndefined()

      // Recreating after a delete starts a new life: createRevision and version restart.
      const again = await store.create('/rev/a', 'again')
      expect(kv(again)).toEqual({
        key: '/rev/a',
        value: 'again',
        createRevision: r0 + 6,
        modRevision: r0 + 6,
        version: 1
      })
      expect(kv(await store.get('/rev/a'))).toEqual(kv(again))
      expect(kv(await store.get('/rev/b'))).toEqual(kv(b1))
      expect(await store.revision()).toBe(r0 + 6)
    })

    it('rejects create of an existing key and update/delete of a missing key, changing nothing', async () => {
      const k = await store.create('/err/k', 'v1')
      const rev = await store.revision()
      await expect(store.create('/err/k', 'other')).rejects.toBeInstanceOf(KeyExistsError)
      await expect(store.create('/err/k', 'other')).rejects.toMatchObject({
        key: '/err/k'
      })
      await expect(store.update('/err/missing', 'x')).rejects.toBeInstanceOf(KeyNotFoundError)
      await expect(
        store.update('/err/missing', 'x', {
          expectedModRevision: k.modRevision
        })
      ).rejects.toBeInstanceOf(KeyNotFoundError)
      await expect(store.delete('/err/missing')).rejects.toBeInstanceOf(KeyNotFoundError)
      await expect(store.delete('/err/missing')).rejects.toMatchObject({
        key: '/err/missing'
      })

      // As in etcd, a failed transaction does not consume a revision.
      expect(await store.revision()).toBe(rev)
      expect(kv(await store.get('/err/k'))).toEqual(kv(k))
      expect(await store.get('/err/missing')).toBeUndefined()
      const next = await store.update('/err/k', 'v2')
      expect([next.modRevision, next.version]).toEqual([rev + 1, 2])
    })

    it('compare-and-swap: a stale expectedModRevision fails with ConflictError and leaves the value', async () => {
      const created = await store.create('/cas/k', 'v1')
      const current = await store.update('/cas/k', 'v2')
      const rev = await store.revision()

      const stale = { expectedModRevision: created.modRevision }
      const conflict = {
        key: '/cas/k',
        expectedModRevision: created.modRevision,
        actualModRevision: current.modRevision
      }
      await expect(store.update('/cas/k', 'v3', stale)).rejects.toBeInstanceOf(ConflictError)
      await expect(store.update('/cas/k', 'v3', stale)).rejects.toMatchObject(conflict)
      await expect(store.delete('/cas/k', stale)).rejects.toBeInstanceOf(ConflictError)
      await expect(store.delete('/cas/k', stale)).rejects.toMatchObject(conflict)
      expect(kv(await store.get('/cas/k'))).toEqual(kv(current))
      expect(await store.revision()).toBe(rev)

      const swapped = await store.update('/cas/k', 'v3', {
        expectedModRevision: current.modRevision
      })
      expect([swapped.value, swapped.modRevision, swapped.version]).toEqual(['v3', rev + 1, 3])
      const deleted = await store.delete('/cas/k', {
        expectedModRevision: swapped.modRevision
      })
      expect(deleted.deleteRevision).toBe(rev + 2)
      expect(deleted.prevKv.value).toBe('v3')
      expect(await store.get('/cas/k')).toBeUndefined()
    })

    it('range reads an exact key or a prefix, in ascending byte order, excluding near misses', async () => {
      const all = [
        '/reg/pods/b',
        '/reg/pods/a',
        '/reg/pods/C',
        '/reg/pods/a/sub',
        '/reg/pods/a0',
        '/reg/podsx/a',
        '/reg/pods',
        '/reg/pod'
      ]
      for (const key of all) await store.create(key, `value of ${key}`)
      const rev = await store.revision()

      const pods = await store.range({ prefix: '/reg/pods/' })
      const expected = byteOrder(all.filter((k) => k.startsWith('/reg/pods/')))
      expect(keys(pods.kvs)).toEqual(expected)
      expect(pods.kvs.map((k) => k.value)).toEqual(expected.map((k) => `value of ${k}`))
      expect(pods.revision).toBe(rev)
      expect(pods.continue).toBeUndefined()

      expect(keys((await store.range({ prefix: '/reg/pods/a/' })).kvs)).toEqual(['/reg/pods/a/sub'])
      const one = await store.range({ key: '/reg/pods/a' })
      expect(one.kvs.map(kv)).toEqual([kv(await store.get('/reg/pods/a'))])
      expect(one.kvs[0].value).toBe('value of /reg/pods/a')
      expect((await store.range({ key: '/reg/pods/zzz' })).kvs).toEqual([])
      expect((await store.range({ prefix: '/reg/none/' })).kvs).toEqual([])
    })

    it('limit and continue: pages cover every key once, all read at the first page’s revision', async () => {
      const names = ['/page/k0', '/page/k1', '/page/k2', '/page/k3', '/page/k4']
      for (const key of names) await store.create(key, `${key}@1`)

      const first = await store.range({ prefix: '/page/', limit: 2 })
      expect(keys(first.kvs)).toEqual(['/page/k0', '/page/k1'])
      expect(first.continue).toBeTruthy()
      // Writes between pages must not show up in later pages of the same listing.
      await store.create('/page/k1a', 'new')
      await store.update('/page/k3', 'changed')
      await store.delete('/page/k4')

      const seen = [...first.kvs]
      let token = first.continue
      for (let pages = 0; token && pages < 10; pages++) {
        const page = await store.range({
          prefix: '/page/',
          limit: 2,
          continue: token
        })
        expect(page.revision).toBe(first.revision)
        expect(page.kvs.length).toBeLessThanOrEqual(2)
        seen.push(...page.kvs)
        token = page.continue
      }
      expect(token).toBeUndefined()
      expect(keys(seen)).toEqual(names)
      expect(seen.map((k) => k.value)).toEqual(names.map((k) => `${k}@1`))

      const latest = await store.range({ prefix: '/page/', limit: 0 })
      expect(keys(latest.kvs)).toEqual([
        '/page/k0',
        '/page/k1',
        '/page/k1a',
        '/page/k2',
        '/page/k3'
      ])
    })

    it('a bad continue token fails with a readable error', async () => {
      await store.create('/bad/a', '1')
      await expect(
        store.range({ prefix: '/bad/', limit: 1, continue: 'not a token' })
      ).rejects.toThrow(/continue/i)
    })

    it('reads at an older revision show that revision’s keys and values', async () => {
      await store.create('/old/a', 'a1')
      await store.create('/old/b', 'b1')
      const before = await store.revision()
      await store.update('/old/a', 'a2')
      await store.delete('/old/b')
      await store.create('/old/c', 'c1')

      const then = await store.range({ prefix: '/old/', revision: before })
      expect(then.revision).toBe(before)
      expect(then.kvs.map((k) => [k.key, k.value])).toEqual([
        ['/old/a', 'a1'],
        ['/old/b', 'b1']
      ])
      expect((await store.get('/old/a', before))?.value).toBe('a1')
      expect((await store.get('/old/b', before))?.value).toBe('b1')
      expect(await store.get('/old/c', before)).toBeUndefined()

      expect((await store.get('/old/a'))?.value).toBe('a2')
      expect(await store.get('/old/b')).toBeUndefined()
      expect((await store.get('/old/c'))?.value).toBe('c1')
      const now = await store.range({ prefix: '/old/' })
      expect(now.kvs.map((k) => [k.key, k.value])).toEqual([
        ['/old/a', 'a2'],
        ['/old/c', 'c1']
      ])
    })

    it('reads above the current revision fail with FutureRevisionError', async () => {
      await store.create('/future/a', '1')
      const rev = await store.revision()
      await expect(store.range({ prefix: '/future/', revision: rev + 1 })).rejects.toBeInstanceOf(
        FutureRevisionError
      )
      await expect(store.get('/future/a', rev + 5)).rejects.toBeInstanceOf(FutureRevisionError)
    })

    it('watch replays history after fromRevision, then streams live changes with prevKv', async () => {
      await store.create('/w/a', 'a1')
      await store.update('/w/a', 'a2')
      await store.create('/w/b', 'b1')
      const del = await store.delete('/w/a')
      await store.create('/wx/outside', 'x')
      await store.create('/other/outside', 'x')

      const log = collect(store, '/w/', r0)
      const late = collect(store, '/w/', r0 + 2)
      await waitUntil(() => log.events.length >= 4, 'the replay of 4 events')
      await store.create('/w/c', 'c1')
      await waitUntil(() => log.events.length >= 5, 'the live event')
      await waitUntil(() => late.events.length >= 3, 'the replay from r0+2')
      log.watcher.cancel()
      late.watcher.cancel()

      expect(log.errors).toEqual([])
      const [create, update, createB, remove, live] = log.events
      expect(log.events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
        ['put', '/w/a', r0 + 1],
        ['put', '/w/a', r0 + 2],
        ['put', '/w/b', r0 + 3],
        ['delete', '/w/a', r0 + 4],
        ['put', '/w/c', r0 + 7]
      ])
      expect(create.prevKv).toBeUndefined()
      expect(createB.prevKv).toBeUndefined()
      expect(live.prevKv).toBeUndefined()
      expect(kv(update.kv)).toEqual({
        key: '/w/a',
        value: 'a2',
        createRevision: r0 + 1,
        modRevision: r0 + 2,
        version: 2
      })
      expect(kv(update.prevKv)).toEqual(kv(create.kv))
      expect(kv(remove.kv)).toEqual({
        key: '/w/a',
        value: '',
        createRevision: 0,
        modRevision: del.deleteRevision,
        version: 0
      })
      expect(kv(remove.prevKv)).toEqual(kv(update.kv))
      expect(late.events.map((e) => e.kv.modRevision)).toEqual([r0 + 3, r0 + 4, r0 + 7])
    })

    it('watch without fromRevision sees only changes made after the call', async () => {
      await store.create('/now/old', '1')
      const log = collect(store, '/now/', undefined)
      // Written right after watch() returns: the watch must already cover it.
      await store.create('/now/new', '2')
      await waitUntil(() => log.events.length >= 1, 'the event for /now/new')
      log.watcher.cancel()
      expect(log.events.map((e) => e.kv.key)).toEqual(['/now/new'])
      expect(log.errors).toEqual([])
    })

    it('cancel() stops delivery while other watchers keep receiving', async () => {
      const cancelled = collect(store, '/c/', r0)
      const kept = collect(store, '/c/', r0)
      await store.create('/c/a', '1')
      await waitUntil(
        () => cancelled.events.length === 1 && kept.events.length === 1,
        'first event'
      )
      cancelled.watcher.cancel()
      await store.create('/c/b', '2')
      await store.update('/c/a', '3')
      await waitUntil(() => kept.events.length === 3, 'the kept watcher to see later events')
      kept.watcher.cancel()
      expect(cancelled.events.map((e) => e.kv.key)).toEqual(['/c/a'])
    })

    it('several watchers each receive the full stream in revision order', async () => {
      const logs = [collect(store, '/m/', r0), collect(store, '/m/', r0), collect(store, '/m/', r0)]
      // Concurrent writes: the store decides the order, every watcher must see that same order.
      await Promise.all(Array.from({ length: 12 }, (_, i) => store.create(`/m/k${i}`, `v${i}`)))
      await Promise.all(Array.from({ length: 6 }, (_, i) => store.update(`/m/k${i}`, `u${i}`)))
      await Promise.all(Array.from({ length: 3 }, (_, i) => store.delete(`/m/k${i + 6}`)))
      const total = 21
      await waitUntil(() => logs.every((l) => l.events.length >= total), 'all watchers to catch up')
      for (const l of logs) l.watcher.cancel()

      const revisions = Array.from({ length: total }, (_, i) => r0 + 1 + i)
      const lines = logs.map((l) =>
        l.events.map((e) => `${e.kv.modRevision} ${e.type} ${e.kv.key}`)
      )
      expect(logs[0].events.map((e) => e.kv.modRevision)).toEqual(revisions)
      expect(lines[1]).toEqual(lines[0])
      expect(lines[2]).toEqual(lines[0])
      expect(logs.flatMap((l) => l.errors)).toEqual([])
    })

    it('compaction discards old history but keeps latest values and newer history', async () => {
      await store.create('/cp/a', 'a1') // r0+1
      await store.create('/cp/b', 'b1') // r0+2, never written again
      await store.update('/cp/a', 'a2') // r0+3
      await store.create('/cp/c', 'c1') // r0+4
      await store.update('/cp/c', 'c2') // r0+5
      const point = r0 + 4
      await store.compact(point)
      expect(await store.compactRevision()).toBeGreaterThanOrEqual(point)

      await expect(store.range({ prefix: '/cp/', revision: r0 + 2 })).rejects.toBeInstanceOf(
        CompactedError
      )
      await expect(store.get('/cp/a', r0 + 1)).rejects.toBeInstanceOf(CompactedError)
      const atPoint = await store.range({ prefix: '/cp/', revision: point })
      expect(atPoint.kvs.map((k) => [k.key, k.value])).toEqual([
        ['/cp/a', 'a2'],
        ['/cp/b', 'b1'],
        ['/cp/c', 'c1']
      ])

      // Well below the compaction point (not the boundary, where etcd and the doc could differ).
      const tooOld = collect(store, '/cp/', r0 + 1)
      const recent = collect(store, '/cp/', point)
      await waitUntil(() => tooOld.errors.length > 0, 'onError for the compacted watch')
      expect(tooOld.errors[0]).toBeInstanceOf(CompactedError)
      await store.create('/cp/d', 'd1') // r0+6
      await waitUntil(() => recent.events.length >= 2, 'the watch from the compaction point')
      tooOld.watcher.cancel()
      recent.watcher.cancel()
      expect(tooOld.events).toEqual([])
      expect(tooOld.errors).toHaveLength(1)
      expect(recent.errors).toEqual([])
      expect(recent.events.map((e) => [e.kv.modRevision, e.kv.key, e.kv.value])).toEqual([
        [r0 + 5, '/cp/c', 'c2'],
        [r0 + 6, '/cp/d', 'd1']
      ])
      expect(recent.events[0].prevKv?.value).toBe('c1')

      const latest = await store.range({ prefix: '/cp/' })
      expect(latest.kvs.map((k) => [k.key, k.value, k.modRevision])).toEqual([
        ['/cp/a', 'a2', r0 + 3],
        ['/cp/b', 'b1', r0 + 2],
        ['/cp/c', 'c2', r0 + 5],
        ['/cp/d', 'd1', r0 + 6]
      ])
      expect((await store.get('/cp/b'))?.createRevision).toBe(r0 + 2)
    })

    // TTL 1 s: etcd 3.4 raises leases to its minimum TTL (1.5 x election timeout, about 2 s with
    // the defaults), and the memory and sqlite sweepers run every ttlSweepIntervalMs; the 20 s
    // deadline covers all three on a loaded machine without asserting how fast expiry is.
    it('a key written with ttlSeconds disappears and watchers see its delete; an update without ttl keeps a key', async () => {
      const log = collect(store, '/ttl/', r0)
      // `kept` gets its lease first, so it would expire no later than `short`.
      await store.create('/ttl/kept', 'kept-1', { ttlSeconds: 1 })
      await store.create('/ttl/short', 'short', { ttlSeconds: 1 })
      await store.update('/ttl/kept', 'kept-2')

      await waitUntil(
        async () => (await store.get('/ttl/short')) === undefined,
        '/ttl/short to expire',
        20_000
      )
      await waitUntil(
        () => log.events.some((e) => e.type === 'delete' && e.kv.key === '/ttl/short'),
        'the delete event for /ttl/short'
      )
      log.watcher.cancel()
      const expiry = log.events.find((e) => e.type === 'delete')
      expect(expiry?.kv.key).toBe('/ttl/short')
      expect(expiry?.prevKv?.value).toBe('short')
      expect(log.events.filter((e) => e.kv.key === '/ttl/kept').map((e) => e.type)).toEqual([
        'put',
        'put'
      ])
      expect((await store.get('/ttl/kept'))?.value).toBe('kept-2')
    }, 40_000)

    it('after close(), calls reject instead of hanging', async () => {
      await store.create('/closed/a', '1')
      await store.close()
      const calls: [string, () => Promise<unknown>][] = [
        ['revision', () => store.revision()],
        ['compactRevision', () => store.compactRevision()],
        ['get', () => store.get('/closed/a')],
        ['range', () => store.range({ prefix: '/closed/' })],
        ['create', () => store.create('/closed/b', '2')],
        ['update', () => store.update('/closed/a', '3')],
        ['delete', () => store.delete('/closed/a')],
        ['compact', () => store.compact(1)]
      ]
      const outcomes: Record<string, string> = {}
      for (const [what, call] of calls) {
        outcomes[what] = await settle(
          Promise.resolve().then(() => call()),
          5000
        )
      }
      expect(outcomes).toEqual(Object.fromEntries(calls.map(([what]) => [what, 'rejected'])))
    })
  })
}
