/**
 * Watch over HTTPS: initial state, changes in order, selectors seen from both sides of a change,
 * bookmarks, timeouts, and 410 Expired below the compaction point.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './test-server'

let t: TestServer
beforeAll(async () => {
  t = await startTestServer({ bookmarkIntervalMs: 200 })
})
afterAll(async () => {
  await t?.close()
})

const base = '/api/v1/namespaces/default/configmaps'
const create = (name: string, labels: Record<string, string> = {}) =>
  t.http('POST', base, {
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels },
      data: { v: '1' }
    }),
    contentType: 'application/json'
  })
const mergePatch = (name: string, patch: unknown) =>
  t.http('PATCH', `${base}/${name}`, {
    body: JSON.stringify(patch),
    contentType: 'application/merge-patch+json'
  })

describe('watch', () => {
  it('sends the current objects, then ADDED, MODIFIED and DELETED in order', async () => {
    await create('w-before')
    const w = await t.stream(`${base}?watch=1`)
    expect(w.status).toBe(200)
    const first = await w.next()
    expect(first).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w-before' } } })
    await create('w-new')
    await mergePatch('w-new', { data: { v: '2' } })
    await t.http('DELETE', `${base}/w-new`)
    const seen = [await w.next(), await w.next(), await w.next()]
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED w-new',
      'MODIFIED w-new',
      'DELETED w-new'
    ])
    const rvs = seen.map((e) => Number(e.object.metadata.resourceVersion))
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs)
    w.close()
  })

  it('replays changes after a resourceVersion and follows selectors across a change', async () => {
    const created = (await create('w-sel', { tier: 'a' })).json
    const rv = created.metadata.resourceVersion
    const w = await t.stream(`${base}?watch=true&resourceVersion=${rv}&labelSelector=tier%3Db`)
    await mergePatch('w-sel', { metadata: { labels: { tier: 'b' } } })
    await mergePatch('w-sel', { data: { v: 'x' } })
    await mergePatch('w-sel', { metadata: { labels: { tier: 'c' } } })
    const events = [await w.next(), await w.next(), await w.next()]
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED'])
    w.close()
  })

  it('sends bookmarks and ends at timeoutSeconds', async () => {
    const list = (await t.http('GET', base)).json
    const w = await t.stream(
      `${base}?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${list.metadata.resourceVersion}`
    )
    await w.ended
    const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK')
    expect(bookmarks.length).toBeGreaterThan(0)
    expect(bookmarks[0].object.metadata.resourceVersion).toBe(list.metadata.resourceVersion)
  })

  it('answers the /watch/ path form for one object', async () => {
    await create('w-path')
    const w = await t.stream(`/api/v1/watch/namespaces/default/configmaps/w-path`)
    expect((await w.next()).object.metadata.name).toBe('w-path')
    await create('w-other')
    await mergePatch('w-path', { data: { v: '9' } })
    const next = await w.next()
    expect(next).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'w-path' } } })
    w.close()
  })

  it('answers 410 Expired for a resourceVersion below the compaction point', async () => {
    const created = (await create('w-old')).json
    await mergePatch('w-old', { data: { v: '2' } })
    const current = await t.store.revision()
    await t.store.compact(current)
    const w = await t.stream(
      `${base}?watch=1&resourceVersion=${Number(created.metadata.resourceVersion)}`
    )
    expect(w.status).toBe(410)
    await w.ended
    const r = await t.http('GET', `${base}?watch=1&resourceVersion=1`)
    expect(r.status).toBe(410)
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 })
  })

  it('rejects bad selectors before streaming', async () => {
    const r = await t.http('GET', `${base}?watch=1&fieldSelector=spec.unknown%3Dx`)
    expect(r.status).toBe(400)
  })
})
