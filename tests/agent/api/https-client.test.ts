/**
 * createHttpsClient against a real in-process API server over HTTPS: every verb, namespaced,
 * cluster-scoped and grouped kinds, the Status of failures as ApiErrors, watch (events, stop,
 * 410 at start, ERROR), and the rate limit counted at the server with a manual clock.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createHttpsClient,
  pluralOf,
  resourcePath,
  type HttpsKubeletClient
} from '../../../src/agent/api/https-client'
import { ApiError, KINDS, type WatchEventOut } from '../../../src/agent/api/types'
import { ensurePki } from '../../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../../src/main/apiserver/server'
import { openStore, type Store } from '../../../src/main/store'
import { manualClock } from './manual-clock'

const TOKEN = 'node-token-for-https-client-tests-000000'
const CM = { apiVersion: 'v1', kind: 'ConfigMap' }

let dir: string
let store: Store
let api: ApiServer
let caCert: string
let client: HttpsKubeletClient
/** Requests the server authenticated, by path (the rate-limit test counts them). */
const seen: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-https-client-'))
  const pki = await ensurePki(dir, { sans: [] })
  caCert = pki.caCert
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  api = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: {
      authenticate: (headers) => {
        if (headers.authorization !== `Bearer ${TOKEN}`) return undefined
        seen.push(String(headers['user-agent']))
        return { username: 'system:node:n1', groups: ['system:masters', 'system:authenticated'] }
      }
    }
  })
  client = createHttpsClient({ url: api.url, caCert, token: TOKEN }, { qps: -1 })
})

afterAll(async () => {
  client?.close()
  await api?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('paths', () => {
  it.each([
    ['Pod', 'pods'],
    ['Endpoints', 'endpoints'],
    ['Lease', 'leases'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Ingress', 'ingresses'],
    ['ConfigMap', 'configmaps']
  ])('the plural of %s is %s', (kind, plural) => expect(pluralOf(kind)).toBe(plural))

  it('builds core, grouped, namespaced and cluster-scoped paths', () => {
    expect(resourcePath(KINDS.pod, 'default', 'web', 'status')).toBe(
      '/api/v1/namespaces/default/pods/web/status'
    )
    expect(resourcePath(KINDS.node, 'ignored', 'n1')).toBe('/api/v1/nodes/n1')
    expect(resourcePath(KINDS.lease, 'kube-node-lease')).toBe(
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'
    )
    expect(resourcePath(KINDS.pod, undefined)).toBe('/api/v1/pods')
  })
})

describe('verbs', () => {
  it('creates, gets, lists, updates and deletes a ConfigMap', async () => {
    const created = await client.create({
      ...CM,
      metadata: { name: 'one', namespace: 'default', labels: { app: 'x' } },
      data: { a: '1' }
    })
    expect(created.metadata).toHaveProperty('uid')
    const got = await client.get(CM, 'default', 'one')
    expect(got.data).toEqual({ a: '1' })
    const list = await client.list(CM, { namespace: 'default', labelSelector: 'app=x' })
    expect(list.items.map((i) => i.metadata.name)).toEqual(['one'])
    expect(list.items[0].kind).toBe('ConfigMap')
    expect(list.metadata.resourceVersion).toBeTruthy()
    const updated = await client.update({ ...got, data: { a: '2' } })
    expect(updated.data).toEqual({ a: '2' })
    await client.delete(CM, 'default', 'one', { gracePeriodSeconds: 0 })
    const err = await client.get(CM, 'default', 'one').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 404, reason: 'NotFound' })
    expect((err as ApiError).message).toBe('configmaps "one" not found')
  })

  it('answers 409 for a duplicate and for a stale resourceVersion', async () => {
    const obj = { ...CM, metadata: { name: 'dup', namespace: 'default' }, data: { a: '1' } }
    const first = await client.create(obj)
    await expect(client.create(obj)).rejects.toMatchObject({ code: 409, reason: 'AlreadyExists' })
    await client.update({ ...first, data: { a: '2' } })
    await expect(client.update({ ...first, data: { a: '3' } })).rejects.toMatchObject({
      code: 409,
      reason: 'Conflict'
    })
  })

  it('handles cluster-scoped and grouped kinds, status and every patch type', async () => {
    await client.create({ ...KINDS.node, metadata: { name: 'n1' } })
    const node = await client.get(KINDS.node, undefined, 'n1')
    const withStatus = await client.updateStatus({
      ...node,
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] }
    })
    expect(withStatus.status).toMatchObject({ addresses: [{ address: '10.0.0.2' }] })

    const merged = await client.patch(KINDS.node, undefined, 'n1', 'merge', {
      metadata: { labels: { a: '1' } }
    })
    expect(merged.metadata.labels).toMatchObject({ a: '1' })
    const strategic = await client.patch(
      KINDS.node,
      undefined,
      'n1',
      'strategic',
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      { subresource: 'status' }
    )
    expect((strategic.status as { conditions: unknown[] }).conditions).toHaveLength(1)
    const jsonPatched = await client.patch(KINDS.node, undefined, 'n1', 'json', [
      { op: 'add', path: '/metadata/labels/b', value: '2' }
    ])
    expect(jsonPatched.metadata.labels).toMatchObject({ a: '1', b: '2' })

    const lease = {
      ...KINDS.lease,
      metadata: { name: 'n1', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 }
    }
    const applied = await client.patch(KINDS.lease, 'kube-node-lease', 'n1', 'apply', lease, {
      fieldManager: 'kubelet',
      force: true
    })
    expect(applied.spec).toMatchObject({ holderIdentity: 'n1' })
    expect(applied.metadata.managedFields?.[0].manager).toBe('kubelet')
    await expect(
      client.patch(KINDS.lease, 'kube-node-lease', 'n1', 'apply', lease)
    ).rejects.toMatchObject({ code: 422, message: expect.stringContaining('fieldManager') })
  })

  it('dry-run writes store nothing', async () => {
    await client.create(
      { ...CM, metadata: { name: 'dry', namespace: 'default' } },
      { dryRun: true }
    )
    await expect(client.get(CM, 'default', 'dry')).rejects.toMatchObject({ code: 404 })
  })

  it('rejects with a readable error when the server cannot be reached', async () => {
    const lost = createHttpsClient({ url: 'https://127.0.0.1:1', caCert, token: TOKEN })
    await expect(lost.get(CM, 'default', 'x')).rejects.toThrow(/127\.0\.0\.1:1.*ECONNREFUSED/)
    lost.close()
  })

  it('answers 401 as an ApiError for a wrong token', async () => {
    const wrong = createHttpsClient({ url: api.url, caCert, token: 'wrong' })
    await expect(wrong.list(CM, { namespace: 'default' })).rejects.toMatchObject({ code: 401 })
    wrong.close()
  })
})

describe('watch', () => {
  it('streams events until stop()', async () => {
    const start = await client.list(CM, { namespace: 'watched' })
    const events: WatchEventOut[] = []
    let ended = false
    const handle = await client.watch(
      CM,
      { namespace: 'watched', resourceVersion: start.metadata.resourceVersion },
      (e) => events.push(e),
      () => (ended = true)
    )
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } })
    const cm = await client.create({ ...CM, metadata: { name: 'w', namespace: 'watched' } })
    await client.update({ ...cm, data: { x: 'y' } })
    await client.delete(CM, 'watched', 'w')
    await expect.poll(() => events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED'])
    expect(events[0].object.metadata).toMatchObject({ name: 'w' })
    handle.stop()
    await client.create({ ...CM, metadata: { name: 'after', namespace: 'watched' } })
    await new Promise((r) => setTimeout(r, 100))
    expect(events).toHaveLength(3)
    expect(ended).toBe(false)
  })

  it('calls onEnd when the server ends the watch', async () => {
    let ended: ApiError | undefined | 'no' = 'no'
    await client.watch(
      CM,
      { namespace: 'default', timeoutSeconds: 1 },
      () => {},
      (err) => {
        ended = err
      }
    )
    await expect.poll(() => ended, { timeout: 5000 }).toBeUndefined()
  })

  it('rejects with 410 when the resourceVersion was compacted', async () => {
    await client.create({ ...CM, metadata: { name: 'c1', namespace: 'default' } })
    await store.compact(await store.revision())
    const err = await client
      .watch(CM, { namespace: 'default', resourceVersion: '1' }, () => {})
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 410 })
  })

  it('close() ends open watches and fails later calls', async () => {
    const other = createHttpsClient({ url: api.url, caCert, token: TOKEN })
    let ended = false
    await other.watch(
      CM,
      { namespace: 'default' },
      () => {},
      () => (ended = true)
    )
    other.close()
    await expect(other.get(CM, 'default', 'x')).rejects.toThrow(/closed/)
    expect(ended).toBe(false)
  })
})

describe('rate limit', () => {
  it('lets the burst through, then qps per second; watches are not limited', async () => {
    const clock = manualClock()
    const ua = 'rate-limit-test'
    const limited = createHttpsClient(
      { url: api.url, caCert, token: TOKEN },
      { qps: 2, burst: 3, userAgent: ua, clock }
    )
    const count = (): number => seen.filter((s) => s === ua).length
    const calls = Array.from({ length: 7 }, () => limited.list(CM, { namespace: 'default' }))
    await expect.poll(count).toBe(3)
    // a watch goes through even though the bucket is empty
    const w = await limited.watch(CM, { namespace: 'default' }, () => {})
    expect(count()).toBe(4)
    w.stop()
    await clock.advance(500)
    await expect.poll(count).toBe(5)
    await clock.advance(1000)
    await expect.poll(count).toBe(7)
    await clock.advance(500)
    await Promise.all(calls)
    // the seventh list came at 2 s: burst 3 + 2/s, never more
    expect(count()).toBe(8)
    limited.close()
  })
})
