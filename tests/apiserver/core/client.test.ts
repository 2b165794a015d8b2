/**
 * The in-process client: the same admission, validation, storage and watch path as HTTPS, so
 * what a component writes is checked and seen exactly like what kubectl writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiClient, WatchEventOut } from '../../../src/main/apiserver/client'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { startTestServer, type Json, type TestServer } from './test-server'

let t: TestServer
let client: ApiClient
beforeAll(async () => {
  t = await startTestServer()
  client = t.server.clientFor({ username: 'system:kube-scheduler', groups: [] }, 'kube-scheduler')
})
afterAll(async () => {
  await t?.close()
})

const POD = { apiVersion: 'v1', kind: 'Pod' }
const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] }
})

describe('in-process client', () => {
  it('creates through admission and validation', async () => {
    const created = await client.create(pod('c1'))
    expect(created.metadata.uid).toBeTruthy()
    expect((created.spec as Json).containers[0].imagePullPolicy).toBe('Always')
    expect((created.status as Json).phase).toBe('Pending')
    const bad = await client.create({ ...pod('Bad_Name') }).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(ApiError)
    expect((bad as ApiError).code).toBe(422)
    const viaHttp = await t.http('GET', '/api/v1/namespaces/default/pods/c1')
    expect(viaHttp.json.metadata.managedFields[0].manager).toBe('kube-scheduler')
  })

  it('lists, gets, updates status, patches and deletes', async () => {
    const list = await client.list(POD, { namespace: 'default', labelSelector: 'app=x' })
    expect(list.items.map((p) => p.metadata.name)).toContain('c1')
    const got = await client.get(POD, 'default', 'c1')
    const withStatus = await client.updateStatus({ ...got, status: { phase: 'Running' } })
    expect((withStatus.status as Json).phase).toBe('Running')
    const stale = await client
      .update({ ...got, metadata: { ...got.metadata, labels: { app: 'y' } } })
      .catch((e) => e)
    expect((stale as ApiError).code).toBe(409)
    const patched = await client.patch(POD, 'default', 'c1', 'merge', {
      metadata: { labels: { extra: '1' } }
    })
    expect(patched.metadata.labels).toMatchObject({ app: 'x', extra: '1' })
    await client.bind('default', 'c1', 'node-1')
    const bound = await client.get(POD, 'default', 'c1')
    expect((bound.spec as Json).nodeName).toBe('node-1')
    await expect(client.bind('default', 'c1', 'node-2')).rejects.toMatchObject({ code: 409 })
    const deleting = await client.delete(POD, 'default', 'c1')
    expect(deleting.metadata.deletionTimestamp).toBeTruthy()
    await client.delete(POD, 'default', 'c1', { gracePeriodSeconds: 0 })
    await expect(client.get(POD, 'default', 'c1')).rejects.toMatchObject({ code: 404 })
  })

  it('watches changes made over HTTPS', async () => {
    const events: WatchEventOut[] = []
    const start = await client.list(POD, { namespace: 'default' })
    const handle = await client.watch(
      POD,
      { namespace: 'default', resourceVersion: start.metadata.resourceVersion },
      (e) => events.push(e)
    )
    await t.http('POST', '/api/v1/namespaces/default/pods', {
      body: JSON.stringify(pod('from-http')),
      contentType: 'application/json'
    })
    const deadline = Date.now() + 5000
    while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    handle.stop()
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'from-http' } } })
    await expect(
      client.watch(POD, { resourceVersion: 'abc' }, () => undefined)
    ).rejects.toMatchObject({ code: 400 })
  })
})
