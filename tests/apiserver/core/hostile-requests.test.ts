/**
 * Malformed and hostile requests: each gets the right Status code, the server keeps serving,
 * and nothing is written to the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './test-server'

let t: TestServer
beforeAll(async () => {
  t = await startTestServer()
  await t.http('POST', '/api/v1/namespaces/default/configmaps', {
    body: JSON.stringify({ metadata: { name: 'keep' }, data: { a: '1' } }),
    contentType: 'application/json'
  })
})
afterAll(async () => {
  await t?.close()
})

const CM = '/api/v1/namespaces/default/configmaps'
const cases: { method: string; path: string; body?: string; type?: string; code: number }[] = [
  { method: 'GET', path: '/api/v1/namespaces/default/configmaps/%2e%2e', code: 404 },
  { method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/%2E%2E', code: 404 },
  { method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/..', code: 404 },
  { method: 'GET', path: '/api/v1/namespaces//configmaps', code: 404 },
  { method: 'GET', path: '/api/v1/namespaces/%zz/configmaps', code: 404 },
  { method: 'GET', path: '/api/v1/namespaces/default/configmaps/a%2Fb', code: 404 },
  { method: 'GET', path: `${CM}?limit=-1`, code: 400 },
  { method: 'GET', path: `${CM}?watch=maybe`, code: 400 },
  { method: 'GET', path: `${CM}?resourceVersion=abc`, code: 400 },
  { method: 'GET', path: `${CM}?labelSelector=${encodeURIComponent('a in (')}`, code: 400 },
  { method: 'GET', path: `${CM}?watch=1&resourceVersion=99999999`, code: 504 },
  { method: 'POST', path: CM, body: '[]', code: 400 },
  { method: 'POST', path: CM, body: 'null', code: 400 },
  { method: 'POST', path: CM, body: '{"metadata":"x"}', code: 400 },
  { method: 'POST', path: CM, body: '{"metadata":{"name":"n"},"data":{"k":5}}', code: 400 },
  { method: 'POST', path: CM, body: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), code: 400 },
  { method: 'POST', path: CM, body: '['.repeat(100000), code: 400 },
  { method: 'POST', path: CM, body: 'a: &x [*x]', type: 'application/yaml', code: 400 },
  {
    method: 'POST',
    path: CM,
    body: '['.repeat(50_000) + ']'.repeat(50_000),
    type: 'application/yaml',
    code: 400
  },
  {
    method: 'POST',
    path: CM,
    body: '{"metadata":{"name":"n"}}',
    type: 'application/xml',
    code: 415
  },
  { method: 'POST', path: CM, body: '{"metadata":{"name":"n","resourceVersion":"3"}}', code: 400 },
  { method: 'PUT', path: `${CM}/keep`, body: '{"metadata":{"name":"other"}}', code: 400 },
  {
    method: 'PUT',
    path: `${CM}/keep`,
    body: '{"metadata":{"name":"keep","resourceVersion":"1"}}',
    code: 409
  },
  {
    method: 'PATCH',
    path: `${CM}/keep`,
    body: '[{"op":"bogus"}]',
    type: 'application/json-patch+json',
    code: 422
  },
  {
    method: 'PATCH',
    path: `${CM}/keep`,
    body: '{"data":null}',
    type: 'application/json',
    code: 415
  },
  {
    method: 'PATCH',
    path: `${CM}/keep?force=true`,
    body: '{}',
    type: 'application/merge-patch+json',
    code: 422
  },
  { method: 'DELETE', path: `${CM}/keep`, body: '{"preconditions":{"uid":"nope"}}', code: 409 },
  { method: 'DELETE', path: `${CM}/keep?gracePeriodSeconds=x`, code: 400 },
  { method: 'POST', path: '/api/v1/namespaces/default/pods/none/binding', body: '{}', code: 400 },
  { method: 'TRACE', path: CM, code: 405 },
  {
    method: 'POST',
    path: '/api/v1/namespaces',
    body: '{"metadata":{"name":"x"}}',
    type: 'text/plain',
    code: 415
  }
]

describe('hostile requests', () => {
  it('answers each with the right Status and writes nothing', async () => {
    const before = await t.store.revision()
    for (const c of cases) {
      const r = await t.http(
        c.method,
        c.path,
        c.body === undefined ? {} : { body: c.body, contentType: c.type ?? 'application/json' }
      )
      expect({ ...c, body: c.body?.slice(0, 40), got: r.status }).toMatchObject({ got: c.code })
      if (c.method !== 'TRACE') expect(r.json).toMatchObject({ kind: 'Status', code: c.code })
    }
    expect(await t.store.revision()).toBe(before)
    const alive = await t.http('GET', `${CM}/keep`)
    expect(alive.json.data).toEqual({ a: '1' })
  })

  it('answers 400 for malformed protobuf bodies', async () => {
    const before = await t.store.revision()
    const bodies = [
      Buffer.from('not protobuf'),
      Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f, 0x01]),
      Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x12, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff]),
      Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.alloc(64, 0xff)])
    ]
    for (const body of bodies) {
      const r = await t.http('POST', CM, {
        body,
        contentType: 'application/vnd.kubernetes.protobuf'
      })
      expect(r.status).toBe(400)
      expect(r.json).toMatchObject({ kind: 'Status', code: 400 })
    }
    expect(await t.store.revision()).toBe(before)
  })

  it('drops fields the kind does not declare instead of storing them', async () => {
    const r = await t.http('POST', CM, {
      body: JSON.stringify({
        metadata: { name: 'extra' },
        data: { a: '1' },
        __proto__x: 1,
        bogus: { deep: true }
      }),
      contentType: 'application/json'
    })
    expect(r.status).toBe(201)
    expect(r.headers.warning).toContain('unknown field \\"bogus\\"')
    const stored = await t.http('GET', `${CM}/extra`)
    expect(stored.json.bogus).toBeUndefined()
    expect(stored.json.__proto__x).toBeUndefined()
  })
})
