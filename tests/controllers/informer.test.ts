import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiClient } from '../../src/main/apiserver/client'
import type { KubeObject } from '../../src/main/apiserver/types'
import { createInformer } from '../../src/main/controllers/shared/informer'
import { startControllerFixture, until, type ControllerFixture } from './fixture'

const CM = { apiVersion: 'v1', kind: 'ConfigMap' }
const cm = (name: string, v = '1', labels: Record<string, string> = { t: 'informer' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels },
  data: { v }
})

let f: ControllerFixture
beforeAll(async () => {
  f = await startControllerFixture()
})
afterAll(async () => {
  await f?.close()
})

describe('informer', () => {
  it('lists, then sees adds, updates and deletes with old and new objects', async () => {
    await f.client.create(cm('first'))
    const informer = createInformer<KubeObject>(f.client, CM, { labelSelector: 't=informer' })
    const seen: string[] = []
    informer.on('add', (old, obj) => seen.push(`add ${obj.metadata.name} ${old === undefined}`))
    informer.on('update', (old, obj) =>
      seen.push(`update ${(old?.data as Json).v}->${(obj.data as Json).v}`)
    )
    informer.on('delete', (old, obj) => seen.push(`delete ${obj.metadata.name} ${!!old}`))
    await informer.start()
    try {
      expect(informer.hasSynced()).toBe(true)
      expect(informer.store.get('default/first')?.metadata.name).toBe('first')
      await f.client.create(cm('second'))
      await f.client.create(cm('other', '1', { t: 'else' }))
      await f.client.patch(CM, 'default', 'first', 'merge', { data: { v: '2' } })
      await f.client.delete(CM, 'default', 'second')
      await until('the delete', () => seen.some((s) => s.startsWith('delete')))
      expect(seen).toEqual([
        'add first true',
        'add second true',
        'update 1->2',
        'delete second true'
      ])
      expect(informer.store.list().map((o) => o.metadata.name)).toEqual(['first'])
      expect(informer.store.byIndex('namespace', 'default')).toHaveLength(1)
    } finally {
      informer.stop()
    }
  })

  it('re-delivers cached objects every resync period until stopped', async () => {
    await f.client.create(cm('resync', '1', { t: 'resync' }))
    const informer = createInformer<KubeObject>(f.client, CM, {
      labelSelector: 't=resync',
      resyncMs: 30
    })
    let resyncs = 0
    informer.on('update', (old, obj) => {
      if (old === obj) resyncs++
    })
    await informer.start()
    await until('two resyncs', () => resyncs >= 2)
    informer.stop()
    const after = resyncs
    await new Promise((r) => setTimeout(r, 100))
    expect(resyncs, 'no resync after stop').toBe(after)
  })

  it('re-lists after a forced 410 and ends with exactly the live objects', async () => {
    await f.client.create(cm('keep', '1', { t: 'c410' }))
    await f.client.create(cm('gone', '1', { t: 'c410' }))
    const link = cuttable(f.client)
    const informer = createInformer<KubeObject>(link.client, CM, {
      labelSelector: 't=c410',
      retryMs: 20
    })
    const deleted: string[] = []
    informer.on('delete', (_, obj) => deleted.push(obj.metadata.name!))
    await informer.start()
    try {
      expect(link.lists).toBe(1)
      // The watch ends and cannot be re-opened for a while: a dropped connection.
      link.cut()
      await f.client.delete(CM, 'default', 'gone')
      await f.client.patch(CM, 'default', 'keep', 'merge', { data: { v: '3' } })
      await f.client.create(cm('new', '1', { t: 'c410' }))
      await f.store.compact(await f.store.revision())
      // The informer resumes from its old resourceVersion: 410, then a re-list.
      link.restore()
      const names = () =>
        informer.store
          .list()
          .map((o) => o.metadata.name)
          .sort()
          .join()
      await until('the re-listed cache', () => names() === 'keep,new')
      expect((informer.store.get('default/keep')?.data as Json).v).toBe('3')
      expect(deleted).toEqual(['gone'])
      expect(link.lists, 'the informer should re-list after 410 Expired').toBe(2)
      await f.client.create(cm('after', '1', { t: 'c410' }))
      await until('a watch event after the re-list', () => names() === 'after,keep,new')
    } finally {
      informer.stop()
    }
  })
})

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** A client whose watches the test can end (and keep from reopening until `restore`). */
function cuttable(inner: ApiClient) {
  let down = false
  let waiters: (() => void)[] = []
  const live = new Set<{ stop(): void; onEnd?: () => void }>()
  const link = {
    lists: 0,
    client: {
      ...inner,
      list: ((type, opts) => {
        link.lists++
        return inner.list(type, opts)
      }) as ApiClient['list'],
      async watch(type, opts, onEvent, onEnd) {
        while (down) await new Promise<void>((r) => waiters.push(r))
        const handle = await inner.watch(type, opts, onEvent, onEnd)
        const entry = { stop: () => handle.stop(), onEnd: () => onEnd?.() }
        live.add(entry)
        return {
          stop() {
            live.delete(entry)
            handle.stop()
          }
        }
      }
    } as ApiClient,
    cut() {
      down = true
      for (const e of [...live]) {
        live.delete(e)
        e.stop()
        e.onEnd?.()
      }
    },
    restore() {
      down = false
      for (const w of waiters.splice(0)) w()
      waiters = []
    }
  }
  return link
}
