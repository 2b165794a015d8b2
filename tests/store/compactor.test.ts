import { afterEach, describe, expect, it } from 'vitest'
import { Compactor } from '../../src/main/store/compactor'
import { CompactedError } from '../../src/main/store/errors'
import { openStore } from '../../src/main/store'
import { MemoryStore } from '../../src/main/store/memory-store'
import type { Store } from '../../src/main/store/types'

/**
 * The background compactor keeps every revision of the last `retainMs` AND the latest
 * `retainRevisions`, and discards history older than both. Driven here by a fake clock and
 * explicit runs; one case runs the real timer through `openStore`.
 */

const stores: Store[] = []

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

function memoryStore(): Store {
  const store = new MemoryStore()
  stores.push(store)
  return store
}

/** Writes `n` updates to one key; answers the store's revision afterwards. */
async function writes(store: Store, n: number): Promise<number> {
  const current = await store.get('/registry/k')
  let last = current ?? (await store.create('/registry/k', 'v0'))
  for (let i = current ? 0 : 1; i < n; i++) last = await store.update('/registry/k', `v${i}`)
  return last.modRevision
}

describe('Compactor', () => {
  it('keeps everything until it has watched the store for retainMs', async () => {
    const store = memoryStore()
    let now = 0
    const compactor = new Compactor(store, { retainMs: 1000, retainRevisions: 1 }, () => now)
    await writes(store, 50)
    expect(await compactor.runOnce()).toBeUndefined()
    now = 999
    await writes(store, 50)
    expect(await compactor.runOnce()).toBeUndefined()
    expect(await store.compactRevision()).toBe(0)
  })

  it('compacts to the revision of retainMs ago when that is the lower bound', async () => {
    const store = memoryStore()
    let now = 0
    const compactor = new Compactor(store, { retainMs: 1000, retainRevisions: 3 }, () => now)
    const r10 = await writes(store, 10)
    await compactor.runOnce() // t=0: revision 10
    now = 500
    const r20 = await writes(store, 10)
    await compactor.runOnce() // t=500: revision 20
    now = 1000
    await writes(store, 10)
    expect(await compactor.runOnce()).toBe(r10)
    now = 1500
    expect(await compactor.runOnce()).toBe(r20)
    expect(await store.compactRevision()).toBe(r20)
    // What a user sees: history before the point is gone, the latest value is not.
    await expect(store.get('/registry/k', r20 - 1)).rejects.toBeInstanceOf(CompactedError)
    expect((await store.get('/registry/k'))?.value).toBe('v9')
  })

  it('keeps the latest retainRevisions even when they are older than retainMs', async () => {
    const store = memoryStore()
    let now = 0
    const compactor = new Compactor(store, { retainMs: 1000, retainRevisions: 25 }, () => now)
    await writes(store, 30)
    await compactor.runOnce() // t=0: revision 30
    now = 5000
    const current = await writes(store, 10) // revision 40, nothing written for a long time after
    now = 10_000
    expect(await compactor.runOnce()).toBe(current - 25)
    // Later runs with no new writes have nothing more to do.
    now = 20_000
    expect(await compactor.runOnce()).toBeUndefined()
    expect(await store.compactRevision()).toBe(current - 25)
  })

  it('never compacts backwards below a point someone else already compacted to', async () => {
    const store = memoryStore()
    let now = 0
    const compactor = new Compactor(store, { retainMs: 1000, retainRevisions: 1 }, () => now)
    await writes(store, 10)
    await compactor.runOnce()
    const current = await writes(store, 10)
    await store.compact(current)
    now = 2000
    expect(await compactor.runOnce()).toBeUndefined()
    expect(await store.compactRevision()).toBe(current)
  })

  it('runs in the background of openStore, and stops when the store closes', async () => {
    const store = await openStore({
      backend: 'memory',
      compaction: { retainMs: 0, retainRevisions: 5, intervalMs: 10 }
    })
    const current = await writes(store, 30)
    const deadline = Date.now() + 10_000
    while ((await store.compactRevision()) < current - 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(await store.compactRevision()).toBe(current - 5)
    await store.close()
    await expect(store.revision()).rejects.toThrow(/closed/)
  })

  it('is not started when compaction is disabled', async () => {
    const store = await openStore({
      backend: 'memory',
      compaction: { enabled: false, retainMs: 0, retainRevisions: 1, intervalMs: 5 }
    })
    stores.push(store)
    await writes(store, 20)
    await new Promise((r) => setTimeout(r, 100))
    expect(await store.compactRevision()).toBe(0)
  })
})
