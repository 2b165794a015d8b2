import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError
} from '../../src/main/store/errors'
import { openSqliteStore, type SqliteStore } from '../../src/main/store/sqlite-store'
import type { WatchEvent } from '../../src/main/store/types'

/**
 * What the sqlite backend adds to the shared contract: settings that make commits durable,
 * writes grouped into one transaction yet judged one by one, and state (values, revisions,
 * compaction point, TTLs, watch history) that survives closing and reopening the file.
 */

const dirs: string[] = []
const open: SqliteStore[] = []

async function openIn(dir: string, ttlSweepIntervalMs?: number): Promise<SqliteStore> {
  const store = await openSqliteStore({ dataDir: dir, ttlSweepIntervalMs })
  open.push(store)
  return store
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-sqlite-'))
  dirs.push(dir)
  return dir
}

afterEach(async () => {
  for (const store of open.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** How a promise ended: its value, or the class of its error. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (value) => ({ ok: value }),
    (err: Error) => ({ failed: err.constructor.name })
  )
}

describe('sqlite store', () => {
  it('creates its directory and runs with a write-ahead log fsynced before each acknowledgement', async () => {
    const dir = join(tempDir(), 'nested', 'data')
    const store = await openIn(dir)
    expect(store.file).toBe(join(dir, 'store.db'))
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 'fsync-before-ack' })
  })

  it('judges writes of one batch in order, each failing only itself', async () => {
    const store = await openIn(tempDir())
    const base = await store.create('/registry/a', 'a0')
    // All issued in the same tick, so they share one transaction.
    const results = await Promise.all([
      outcome(store.update('/registry/a', 'a1', { expectedModRevision: base.modRevision })),
      outcome(store.update('/registry/a', 'a2', { expectedModRevision: base.modRevision })),
      outcome(store.create('/registry/b', 'b0')),
      outcome(store.create('/registry/b', 'b1')),
      outcome(store.delete('/registry/b')),
      outcome(store.update('/registry/b', 'b2')),
      outcome(store.create('/registry/b', 'b3'))
    ])
    expect(
      results.map((r) => ('failed' in (r as object) ? (r as { failed: string }).failed : 'ok'))
    ).toEqual([
      'ok',
      ConflictError.name,
      'ok',
      KeyExistsError.name,
      'ok',
      KeyNotFoundError.name,
      'ok'
    ])
    // Successful writes took consecutive revisions; failed ones took none.
    const revisions = results
      .filter((r) => 'ok' in (r as object))
      .map((r) => {
        const value = (r as { ok: { modRevision?: number; deleteRevision?: number } }).ok
        return value.modRevision ?? value.deleteRevision
      })
    expect(revisions).toEqual([2, 3, 4, 5])
    expect(await store.get('/registry/a')).toMatchObject({ value: 'a1', version: 2 })
    expect(await store.get('/registry/b')).toMatchObject({ value: 'b3', createRevision: 5 })
  })

  it('lets exactly one of many concurrent compare-and-swap writers of a key win', async () => {
    const store = await openIn(tempDir())
    const base = await store.create('/registry/leases/kube-system/leader', 'none')
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        outcome(
          store.update('/registry/leases/kube-system/leader', `candidate-${i}`, {
            expectedModRevision: base.modRevision
          })
        )
      )
    )
    expect(results.filter((r) => 'ok' in (r as object))).toHaveLength(1)
  })

  it('keeps values, revisions, the compaction point and watch history across a reopen', async () => {
    const dir = tempDir()
    let store = await openIn(dir)
    await store.create('/registry/pods/default/a', 'a1')
    const updated = await store.update('/registry/pods/default/a', 'a2')
    await store.create('/registry/pods/default/gone', 'x')
    const deleted = await store.delete('/registry/pods/default/gone')
    await store.compact(updated.modRevision)
    await store.close()

    store = await openIn(dir)
    // The newest row was a tombstone below nothing; the revision must not fall back anyway.
    expect(await store.revision()).toBe(deleted.deleteRevision)
    expect(await store.compactRevision()).toBe(updated.modRevision)
    await expect(
      store.get('/registry/pods/default/a', updated.modRevision - 1)
    ).rejects.toBeInstanceOf(CompactedError)
    expect(await store.get('/registry/pods/default/a')).toMatchObject({ value: 'a2', version: 2 })

    const events: WatchEvent[] = []
    store.watch('/registry/pods/', updated.modRevision, { onEvents: (b) => events.push(...b) })
    const next = await store.create('/registry/pods/default/b', 'b1')
    expect(next.modRevision).toBe(deleted.deleteRevision + 1)
    const deadline = Date.now() + 10_000
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
      ['put', '/registry/pods/default/gone', deleted.deleteRevision - 1],
      ['delete', '/registry/pods/default/gone', deleted.deleteRevision],
      ['put', '/registry/pods/default/b', next.modRevision]
    ])
    expect(events[1].prevKv).toMatchObject({ value: 'x', version: 1 })
  })

  it('removes compacted history from the file, keeping each live key’s latest row', async () => {
    const dir = tempDir()
    const store = await openIn(dir)
    for (let i = 0; i < 50; i++) {
      const key = `/registry/configmaps/default/cm-${i % 5}`
      if (i < 5) await store.create(key, `v${i}`)
      else await store.update(key, `v${i}`)
    }
    await store.create('/registry/configmaps/default/deleted', 'x')
    await store.delete('/registry/configmaps/default/deleted')
    await store.compact(await store.revision())
    const reader = new Database(join(dir, 'store.db'), { readonly: true })
    try {
      const rows = reader.prepare('SELECT COUNT(*) AS n FROM kv_log').get() as { n: number }
      expect(rows.n).toBe(5)
    } finally {
      reader.close()
    }
    expect(
      (await store.range({ prefix: '/registry/configmaps/' })).kvs.map((kv) => kv.value)
    ).toEqual(['v45', 'v46', 'v47', 'v48', 'v49'])
  })

  it('still expires a key with a TTL after a restart', async () => {
    const dir = tempDir()
    let store = await openIn(dir, 50)
    await store.create('/registry/events/default/e1', 'event', { ttlSeconds: 1 })
    await store.create('/registry/events/default/e2', 'event')
    await store.close()
    store = await openIn(dir, 50)
    const deadline = Date.now() + 10_000
    while ((await store.get('/registry/events/default/e1')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(await store.get('/registry/events/default/e1')).toBeUndefined()
    expect(await store.get('/registry/events/default/e2')).toBeDefined()
  })
})
