/**
 * Concurrent patches, as a controller and kubectl send them at the same moment: a patch that
 * does not name a resourceVersion is applied to whatever is stored when it lands (each one
 * retried on a lost race), while one that pins a resourceVersion fails with 409 Conflict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import type { ApiClient } from '../../../src/main/apiserver/client'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { startTestServer, type TestServer } from './test-server'

let t: TestServer
let client: ApiClient
beforeAll(async () => {
  t = await startTestServer()
  client = t.server.clientFor({ username: 'admin', groups: ['system:masters'] }, 'kubectl')
})
afterAll(async () => {
  await t?.close()
})

const CM = { apiVersion: 'v1', kind: 'ConfigMap' }

describe('concurrent patches', () => {
  it.each(['merge', 'strategic', 'json'] as const)(
    'applies 8 unpinned %s patches sent at once, none lost',
    async (type) => {
      const name = `race-${type}`
      await client.create({ ...CM, metadata: { name, namespace: 'default' }, data: {} })
      const patchFor = (i: number): unknown =>
        type === 'json'
          ? [{ op: 'add', path: `/data/k${i}`, value: String(i) }]
          : { data: { [`k${i}`]: String(i) } }
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => client.patch(CM, 'default', name, type, patchFor(i)))
      )
      const stored = await client.get<KubeObject & { data?: Record<string, string> }>(
        CM,
        'default',
        name
      )
      expect(Object.keys(stored.data ?? {}).sort()).toEqual(
        Array.from({ length: 8 }, (_, i) => `k${i}`).sort()
      )
    }
  )

  it('refuses a patch pinned to a stale resourceVersion with 409', async () => {
    const created = await client.create<KubeObject>({
      ...CM,
      metadata: { name: 'pinned', namespace: 'default' },
      data: { a: '1' }
    })
    await client.patch(CM, 'default', 'pinned', 'merge', { data: { a: '2' } })
    const err = await client
      .patch(CM, 'default', 'pinned', 'merge', {
        metadata: { resourceVersion: created.metadata.resourceVersion },
        data: { a: '3' }
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe(409)
    const stored = await client.get<KubeObject & { data?: Record<string, string> }>(
      CM,
      'default',
      'pinned'
    )
    expect(stored.data).toEqual({ a: '2' })
  })
})
