import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/main/store'
import { ConflictError, KeyExistsError, KeyNotFoundError } from '../../src/main/store/errors'
import type { Store } from '../../src/main/store/types'
import { startEtcd, type EtcdServer } from '../helpers/etcd-server'
import { collect, waitUntil, type EventLog, type StoreFixture } from './contract'
import { buildHistory, describeEvent, expectedStream, type AckedWrite } from './model'

/**
 * Concurrent writers and watchers started at different revisions: every watcher's stream must be
 * exactly the acknowledged history, restricted to its prefix and to revisions after its start.
 * Reproduce a failure with STORE_HISTORY_SEED=<seed printed on failure>.
 */

const WRITERS = 4
const OPS_PER_WRITER = 100
const TOTAL_OPS = WRITERS * OPS_PER_WRITER
/** A small key space so writers collide; `/h/ab/` and `/hx/` sit just outside the watched prefixes. */
const KEYS = ['/h/a/k0', '/h/a/k1', '/h/a/k2', '/h/ab/k0', '/h/b/k0', '/h/b/k1', '/hx/k0']

/** mulberry32: a tiny seeded PRNG, so a failing run's choices can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A watcher under test: where it starts and what it has received. */
interface WatchUnderTest {
  name: string
  prefix: string
  /** Known start revision; undefined for the "from now" watcher, derived from its stream. */
  fromRevision: number | undefined
  log: EventLog
  /** For the "from now" watcher: the highest revision acknowledged before watch() was called. */
  ackedBefore?: number
  /** For the "from now" watcher: the issue sequence number of the last write sent before the call. */
  issuedBefore?: number
}

async function runHistory(store: Store, seed: number): Promise<void> {
  const note = `seed ${seed} (rerun with STORE_HISTORY_SEED=${seed})`
  const rand = prng(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]
  const r0 = await store.revision()
  const acked: AckedWrite[] = []
  const issuedAt = new Map<AckedWrite, number>()
  let issued = 0
  let maxAcked = r0

  const watches: WatchUnderTest[] = [
    {
      name: 'from start',
      prefix: '/h/',
      fromRevision: r0,
      log: collect(store, '/h/', r0)
    }
  ]
  // Registered while writes go on, once enough writes were acknowledged (or, for "now", sent).
  const pending: { ready: () => boolean; start: () => WatchUnderTest }[] = [
    {
      ready: () => acked.length >= 30,
      start: () => ({
        name: 'sub-prefix from start',
        prefix: '/h/a/',
        fromRevision: r0,
        log: collect(store, '/h/a/', r0)
      })
    },
    {
      ready: () => acked.length >= 100,
      start: () => ({
        name: 'from the revision after 100 writes',
        prefix: '/h/',
        fromRevision: r0 + 100,
        log: collect(store, '/h/', r0 + 100)
      })
    },
    {
      ready: () => issued >= TOTAL_OPS / 2,
      start: () => ({
        name: 'from now, midway',
        prefix: '/h/',
        fromRevision: undefined,
        ackedBefore: maxAcked,
        issuedBefore: issued,
        log: collect(store, '/h/', undefined)
      })
    }
  ]

  const startReadyWatches = (): void => {
    for (const p of [...pending]) {
      if (!p.ready()) continue
      pending.splice(pending.indexOf(p), 1)
      watches.push(p.start())
    }
  }
  const acknowledge = (w: AckedWrite, seq: number): void => {
    acked.push(w)
    issuedAt.set(w, seq)
    maxAcked = Math.max(maxAcked, w.revision)
    startReadyWatches()
  }

  const writer = async (id: number): Promise<void> => {
    for (let i = 0; i < OPS_PER_WRITER; i++) {
      startReadyWatches()
      const key = pick(KEYS)
      const value = `w${id}-${i}`
      const roll = rand()
      try {
        if (roll < 0.3) {
          const seq = ++issued
          const answer = await store.create(key, value)
          acknowledge({ op: 'create', key, value, revision: answer.modRevision, answer }, seq)
        } else if (roll < 0.75) {
          // Half of the updates are compare-and-swap on what the writer just read.
          const guard = roll < 0.5 ? undefined : ((await store.get(key))?.modRevision ?? r0 + 1)
          const seq = ++issued
          const answer = await store.update(key, value, {
            expectedModRevision: guard
          })
          acknowledge(
            {
              op: 'update',
              key,
              value,
              revision: answer.modRevision,
              expectedModRevision: guard,
              answer
            },
            seq
          )
        } else {
          const guard = roll < 0.9 ? undefined : ((await store.get(key))?.modRevision ?? r0 + 1)
          const seq = ++issued
          const { prevKv, deleteRevision } = await store.delete(key, {
            expectedModRevision: guard
          })
          acknowledge(
            {
              op: 'delete',
              key,
              value: '',
              revision: deleteRevision,
              expectedModRevision: guard,
              answer: prevKv
            },
            seq
          )
        }
      } catch (err) {
        // Losing a race is part of the workload; anything else is a store failure.
        const expected =
          err instanceof KeyExistsError ||
          err instanceof KeyNotFoundError ||
          err instanceof ConflictError
        if (!expected) throw err
      }
    }
  }

  await Promise.all(Array.from({ length: WRITERS }, (_, id) => writer(id)))
  expect(pending, `${note}: every watcher was registered`).toEqual([])
  expect(acked.length, `${note}: enough writes succeeded to mean something`).toBeGreaterThan(100)

  const history = buildHistory(acked, r0)
  expect(history.violations, `${note}: acknowledged writes`).toEqual([])
  expect(await store.revision(), note).toBe(maxAcked)

  for (const w of watches) {
    const expectedLast = expectedStream(history.events, w.prefix, w.fromRevision ?? r0).at(-1)
    const last = expectedLast?.kv.modRevision ?? r0
    await waitUntil(
      () => w.log.errors.length > 0 || w.log.events.some((e) => e.kv.modRevision >= last),
      `watcher "${w.name}" to reach revision ${last} (${note})`,
      30_000
    )
    w.log.watcher.cancel()
    expect(w.log.errors, `${note}: watcher "${w.name}" errors`).toEqual([])

    let start = w.fromRevision
    if (start === undefined) {
      // "From now": the stream's first revision tells where the watch began; it must lie after
      // every write acknowledged before the call and before every write sent after it.
      start = (w.log.events[0]?.kv.modRevision ?? maxAcked + 1) - 1
      expect(
        start,
        `${note}: "${w.name}" replayed writes acknowledged before the call`
      ).toBeGreaterThanOrEqual(w.ackedBefore!)
      const sentAfter = acked.filter(
        (a) => issuedAt.get(a)! > w.issuedBefore! && a.key.startsWith(w.prefix)
      )
      const firstAfter = Math.min(...sentAfter.map((a) => a.revision))
      expect(start, `${note}: "${w.name}" missed writes sent after the call`).toBeLessThan(
        firstAfter
      )
    }
    const expected = expectedStream(history.events, w.prefix, start).map(describeEvent)
    expect(w.log.events.map(describeEvent), `${note}: watcher "${w.name}" from ${start}`).toEqual(
      expected
    )
  }
}

/** Runs the history test on one backend; `open` gives it a store of its own. */
function describeWatchHistory(
  name: string,
  open: () => Promise<StoreFixture>,
  setup?: { beforeAll: () => Promise<void>; afterAll: () => Promise<void> }
): void {
  describe(`watch history: ${name}`, () => {
    if (setup) {
      beforeAll(setup.beforeAll)
      afterAll(setup.afterAll)
    }
    it('every watcher sees exactly the acknowledged history after its start', async (ctx) => {
      const seed = Number(process.env.STORE_HISTORY_SEED ?? Math.floor(Math.random() * 2 ** 32))
      ctx.onTestFailed(() => {
        console.log(`watch history (${name}) failed with seed ${seed}`)
      })
      const fixture = await open()
      try {
        await runHistory(fixture.store, seed)
      } finally {
        await fixture.cleanup()
      }
    })
  })
}

describeWatchHistory('memory', async () => {
  const store = await openStore({
    backend: 'memory',
    compaction: { enabled: false }
  })
  return { store, cleanup: () => store.close().catch(() => undefined) }
})

describeWatchHistory('sqlite', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-watch-history-'))
  const store = await openStore({
    backend: 'sqlite',
    dataDir,
    compaction: { enabled: false }
  })
  return {
    store,
    cleanup: async () => {
      await store.close().catch(() => undefined)
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
})

let etcd: EtcdServer | undefined
describeWatchHistory(
  'etcd',
  async () => {
    if (!etcd) throw new Error('etcd did not start')
    const store = await openStore({
      backend: 'etcd',
      etcdEndpoints: etcd.endpoints,
      etcdPrefix: `/kubedesk-history-${randomBytes(6).toString('hex')}`,
      compaction: { enabled: false }
    })
    return { store, cleanup: () => store.close().catch(() => undefined) }
  },
  {
    beforeAll: async () => {
      etcd = await startEtcd()
    },
    afterAll: async () => {
      await etcd?.stop()
    }
  }
)
