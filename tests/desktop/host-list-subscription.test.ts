/**
 * One subscriber's batching over a ListWatch, with a hand-driven ListWatch: the first update is
 * a reset, changes inside a batch are coalesced per object, an object that stops matching the
 * filter is deleted, a re-list replaces everything (pending changes included), and `refresh`
 * pushes only the summaries that moved.
 */
import { describe, expect, it } from 'vitest'
import type { KubeObject } from '../../src/main/apiserver/types'
import { subscribeList } from '../../src/main/desktop/host/list-subscription'
import type { ListWatch, ListWatchListener } from '../../src/main/desktop/host/list-watch'
import type { ListUpdate } from '../../src/shared/desktop-api'

const BATCH_MS = 20

/** A ListWatch the test drives by hand. */
function fakeListWatch(initial: KubeObject[]) {
  const cache = new Map(initial.map((o) => [o.metadata.uid!, o]))
  const listeners = new Set<ListWatchListener>()
  const lw: ListWatch = {
    type: { apiVersion: 'v1', kind: 'ConfigMap' },
    synced: () => true,
    items: () => cache.values(),
    get: (uid) => cache.get(uid),
    get size() {
      return cache.size
    },
    subscribe(listener) {
      listeners.add(listener)
      queueMicrotask(() => listener.reset())
      return () => listeners.delete(listener)
    }
  }
  return {
    lw,
    listeners,
    put(obj: KubeObject) {
      cache.set(obj.metadata.uid!, obj)
      for (const l of listeners) l.change(obj.metadata.uid!, obj)
    },
    remove(uid: string) {
      cache.delete(uid)
      for (const l of listeners) l.change(uid, undefined)
    },
    relist(objects: KubeObject[]) {
      cache.clear()
      for (const o of objects) cache.set(o.metadata.uid!, o)
      for (const l of listeners) l.reset()
    }
  }
}

const cm = (uid: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { uid, name: `cm-${uid}`, namespace: 'default', labels }
})

type Item = { key: string; name: string; tier?: string }

function record() {
  const updates: ListUpdate<Item>[] = []
  const next = (count: number) =>
    new Promise<void>((resolve) => {
      const poll = () => (updates.length >= count ? resolve() : setTimeout(poll, 5))
      poll()
    })
  return { updates, emit: (u: ListUpdate<Item>) => updates.push(u), next }
}

const map = (o: KubeObject): Item => ({
  key: o.metadata.uid!,
  name: o.metadata.name!,
  tier: o.metadata.labels?.tier
})

describe('subscribeList', () => {
  it('starts with a reset, then coalesces a batch per object', async () => {
    const src = fakeListWatch([cm('a'), cm('b')])
    const rec = record()
    const sub = subscribeList(src.lw, { map }, rec.emit, () => undefined, BATCH_MS)
    await rec.next(1)
    expect(rec.updates[0]).toEqual({
      reset: true,
      items: [
        { key: 'a', name: 'cm-a', tier: undefined },
        { key: 'b', name: 'cm-b', tier: undefined }
      ]
    })
    src.put(cm('c'))
    src.put(cm('a', { tier: 'one' }))
    src.put(cm('a', { tier: 'two' }))
    src.remove('b')
    src.put(cm('d'))
    src.remove('d')
    await rec.next(2)
    expect(rec.updates[1]).toEqual({
      reset: false,
      upserts: [
        { key: 'c', name: 'cm-c', tier: undefined },
        { key: 'a', name: 'cm-a', tier: 'two' }
      ],
      deletes: ['b']
    })
    sub.unsubscribe()
    expect(src.listeners.size).toBe(0)
  })

  it('deletes an object that stops matching the filter and adds one that starts', async () => {
    const src = fakeListWatch([cm('a', { tier: 'web' }), cm('b', { tier: 'db' })])
    const rec = record()
    const filter = (o: KubeObject) => o.metadata.labels?.tier === 'web'
    subscribeList(src.lw, { map, filter }, rec.emit, () => undefined, BATCH_MS)
    await rec.next(1)
    expect(rec.updates[0].reset && rec.updates[0].items.map((i) => i.key)).toEqual(['a'])
    src.put(cm('a', { tier: 'db' }))
    src.put(cm('b', { tier: 'web' }))
    await rec.next(2)
    expect(rec.updates[1]).toEqual({
      reset: false,
      upserts: [{ key: 'b', name: 'cm-b', tier: 'web' }],
      deletes: ['a']
    })
  })

  it('a re-list replaces everything, dropping changes not yet sent', async () => {
    const src = fakeListWatch([cm('a')])
    const rec = record()
    subscribeList(src.lw, { map }, rec.emit, () => undefined, BATCH_MS)
    await rec.next(1)
    src.put(cm('gone-soon'))
    src.relist([cm('x')])
    await rec.next(2)
    expect(rec.updates[1]).toEqual({ reset: true, items: [{ key: 'x', name: 'cm-x' }] })
    // Nothing else follows: the pending change was part of the old picture.
    await new Promise((r) => setTimeout(r, 3 * BATCH_MS))
    expect(rec.updates).toHaveLength(2)
  })

  it('refresh pushes only the summaries that changed while their objects did not', async () => {
    const src = fakeListWatch([cm('a'), cm('b')])
    const usage: Record<string, number> = { a: 1, b: 1 }
    const rec = record()
    const sub = subscribeList(
      src.lw,
      { map: (o) => ({ ...map(o), name: `${o.metadata.name} ${usage[o.metadata.uid!]}` }) },
      rec.emit,
      () => undefined,
      BATCH_MS
    )
    await rec.next(1)
    usage.b = 2
    sub.refresh()
    await rec.next(2)
    expect(rec.updates[1]).toEqual({
      reset: false,
      upserts: [{ key: 'b', name: 'cm-b 2', tier: undefined }],
      deletes: []
    })
  })
})
