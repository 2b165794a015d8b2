import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteStore, type SqliteStore } from '../../src/main/store/sqlite-store'
import { LatestCache } from '../../src/main/store/sqlite/latest-cache'
import type { KeyValue } from '../../src/main/store/types'

/**
 * The sqlite backend answers reads at the latest revision from memory and commits on a writer
 * thread: those reads must equal what the file itself holds at that revision, in SQLite's key
 * order, and the log must not grow without bound now that checkpoints run in a thread.
 */

const dirs: string[] = []
const open: SqliteStore[] = []

async function openTemp(): Promise<{ store: SqliteStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-sqlite-latest-'))
  dirs.push(dir)
  const store = await openSqliteStore({ dataDir: dir })
  open.push(store)
  return { store, dir }
}

afterEach(async () => {
  for (const store of open.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const summary = (kvs: KeyValue[]): string[] =>
  kvs.map((kv) => `${kv.key}=${kv.value}@${kv.createRevision}/${kv.modRevision}/${kv.version}`)

describe('sqlite store reads at the latest revision', () => {
  it('list what the file holds at that revision, after creates, updates and deletes', async () => {
    const { store } = await openTemp()
    await store.range({ prefix: '/p/' }) // the in-memory copy exists from here on
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 40; i++) writes.push(store.create(`/p/k${i}`, `v${i}`))
    await Promise.all(writes)
    for (let i = 0; i < 40; i += 3) await store.update(`/p/k${i}`, `u${i}`)
    for (let i = 1; i < 40; i += 4) await store.delete(`/p/k${i}`)
    await store.create('/p/k1', 'again')
    const latest = await store.range({ prefix: '/p/' })
    const one = await store.get('/p/k3')
    // A write elsewhere moves the revision on: the same reads at the old revision go to the file.
    await store.create('/q/other', 'x')
    const fromFile = await store.range({ prefix: '/p/', revision: latest.revision })
    expect(summary(latest.kvs)).toEqual(summary(fromFile.kvs))
    expect(one).toEqual(await store.get('/p/k3', latest.revision))
    expect(latest.kvs.find((kv) => kv.key === '/p/k1')?.value).toBe('again')
    expect(latest.kvs.some((kv) => kv.key === '/p/k5')).toBe(false)
  })

  it('pages with limit and continue over the same keys as one full read', async () => {
    const { store } = await openTemp()
    for (let i = 0; i < 25; i++) await store.create(`/c/${String(i).padStart(2, '0')}`, `${i}`)
    const keys: string[] = []
    let token: string | undefined
    do {
      const page = await store.range({ prefix: '/c/', limit: 7, continue: token })
      keys.push(...page.kvs.map((kv) => kv.key))
      token = page.continue
    } while (token)
    expect(keys).toEqual((await store.range({ prefix: '/c/' })).kvs.map((kv) => kv.key))
    expect(keys).toHaveLength(25)
  })

  it('orders keys as SQLite does (UTF-8 bytes), also with characters outside the BMP', async () => {
    const { store } = await openTemp()
    await store.range({ prefix: '/u/' })
    for (const key of ['/u/\u{1F600}', '/u/\uFFFD', '/u/a']) await store.create(key, '1')
    const keys = (await store.range({ prefix: '/u/' })).kvs.map((kv) => kv.key)
    expect(keys).toEqual(['/u/a', '/u/\uFFFD', '/u/\u{1F600}'])
  })

  it('keeps the write-ahead log bounded under a stream of writes', async () => {
    const { store, dir } = await openTemp()
    const value = 'x'.repeat(4000)
    const wal = (): number => statSync(join(dir, 'store.db-wal')).size
    const writeRounds = async (from: number, rounds: number): Promise<void> => {
      for (let round = from; round < from + rounds; round++) {
        await Promise.all(
          Array.from({ length: 500 }, (_, i) => store.create(`/w/${round}-${i}`, value))
        )
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await writeRounds(0, 6)
    const before = wal()
    await writeRounds(6, 18)
    // Another 36 MB of values (about twice that in pages): without checkpoints the log would
    // grow by all of it; with them SQLite starts over at its beginning again and again — also
    // when the machine is too busy for the checkpoint thread to keep up (the store then
    // checkpoints inline).
    expect(wal() - before).toBeLessThan(24 * 1024 * 1024)
    expect((await store.range({ prefix: '/w/' })).kvs).toHaveLength(12_000)
  }, 30_000)
})

describe('the in-memory copy of the latest keys', () => {
  it('builds from a store of 300,000 live keys and lists them in key order', () => {
    const count = 300_000
    const kvs: KeyValue[] = []
    // Added out of order: the copy sorts them.
    for (let i = count - 1; i >= 0; i--) {
      const key = `/registry/pods/default/p${String(i).padStart(6, '0')}`
      kvs.push({ key, value: 'x', createRevision: i + 1, modRevision: i + 1, version: 1 })
    }
    const cache = LatestCache.from(kvs)
    expect(cache).toBeDefined()
    const first = cache!.range('/registry/pods/', '/registry/pods0', 3).map((kv) => kv.key)
    expect(first).toEqual([
      '/registry/pods/default/p000000',
      '/registry/pods/default/p000001',
      '/registry/pods/default/p000002'
    ])
    expect(cache!.get(`/registry/pods/default/p${count - 1}`)?.modRevision).toBe(count)
  })
})
