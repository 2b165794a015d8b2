/**
 * A list bigger than one response chunk (the server streams lists over 1 MiB): every item arrives,
 * once, in key order, and the list's resourceVersion and a table of the same list still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type Json, type TestServer } from './test-server'

let t: TestServer
beforeAll(async () => {
  t = await startTestServer()
})
afterAll(async () => {
  await t?.close()
})

const COUNT = 400
const PAYLOAD = 'x'.repeat(8 * 1024)

describe('large lists', () => {
  it('streams a list of several MiB with every item intact', async () => {
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          t.http('POST', '/api/v1/namespaces/default/configmaps', {
            body: JSON.stringify({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: `big-${String(i + j).padStart(4, '0')}` },
              data: { payload: PAYLOAD }
            }),
            contentType: 'application/json'
          })
        )
      )
    }
    const r = await t.http('GET', '/api/v1/namespaces/default/configmaps')
    expect(r.status).toBe(200)
    expect(r.text.length).toBeGreaterThan(COUNT * PAYLOAD.length)
    const names = (r.json.items as Json[]).map((item) => item.metadata.name as string)
    expect(names).toEqual(
      Array.from({ length: COUNT }, (_, i) => `big-${String(i).padStart(4, '0')}`)
    )
    expect((r.json.items as Json[]).every((item) => item.data.payload === PAYLOAD)).toBe(true)
    expect(Number(r.json.metadata.resourceVersion)).toBeGreaterThan(0)

    const table = await t.http('GET', '/api/v1/namespaces/default/configmaps', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io'
    })
    expect(table.json.kind).toBe('Table')
    expect(table.json.rows).toHaveLength(COUNT)
  })
})
