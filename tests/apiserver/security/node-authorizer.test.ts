/**
 * A kubelet's token reads the cluster but writes only what is its own (Kubernetes' Node
 * authorizer and NodeRestriction): its Node and Lease, the status and deletion of pods bound to
 * it, events; Secrets only when one of its pods uses them. Refusals are 403 Forbidden Statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../core/test-server'

const NODE_TOKEN = 'node-a-token'
const NODE_A = { username: 'system:node:node-a', groups: ['system:nodes', 'system:authenticated'] }

let t: TestServer
const asNode = (method: string, path: string, body?: unknown) =>
  t.http(method, path, {
    token: NODE_TOKEN,
    ...(body === undefined
      ? {}
      : {
          body: JSON.stringify(body),
          contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'
        })
  })
const asAdmin = (method: string, path: string, body?: unknown) =>
  t.http(
    method,
    path,
    body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }
  )

const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } })
const pod = (name: string, nodeName: string, secret?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName,
    containers: [
      {
        name: 'c',
        image: 'busybox',
        ...(secret
          ? { env: [{ name: 'S', valueFrom: { secretKeyRef: { name: secret, key: 'k' } } }] }
          : {})
      }
    ]
  }
})
const secret = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  stringData: { k: 'v' }
})

beforeAll(async () => {
  t = await startTestServer({ users: { [NODE_TOKEN]: NODE_A } })
  for (const [path, body] of [
    ['/api/v1/nodes', node('node-b')],
    ['/api/v1/namespaces/default/secrets', secret('mine')],
    ['/api/v1/namespaces/default/secrets', secret('theirs')],
    ['/api/v1/namespaces/default/pods', pod('on-a', 'node-a', 'mine')],
    ['/api/v1/namespaces/default/pods', pod('on-b', 'node-b', 'theirs')]
  ] as const) {
    expect((await asAdmin('POST', path, body)).status).toBe(201)
  }
})
afterAll(() => t?.close())

describe('a node credential', () => {
  it('registers and updates its own Node and Lease', async () => {
    expect((await asNode('POST', '/api/v1/nodes', node('node-a'))).status).toBe(201)
    const patch = { metadata: { labels: { ready: 'yes' } } }
    expect((await asNode('PATCH', '/api/v1/nodes/node-a', patch)).status).toBe(200)
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-a', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'node-a' }
    }
    const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'
    expect((await asNode('POST', leases, lease)).status).toBe(201)
    expect(
      (await asNode('PATCH', `${leases}/node-a`, { spec: { leaseDurationSeconds: 40 } })).status
    ).toBe(200)
  })

  it.each([
    [
      'PATCH',
      '/api/v1/nodes/node-b',
      { metadata: { labels: { x: 'y' } } },
      "cannot modify node 'node-b'"
    ],
    ['DELETE', '/api/v1/nodes/node-b', undefined, "cannot modify node 'node-b'"],
    [
      'DELETE',
      '/api/v1/namespaces/default/pods/on-b',
      undefined,
      'can only delete pods bound to it'
    ],
    [
      'PATCH',
      '/api/v1/namespaces/default/pods/on-b/status',
      { status: { phase: 'Failed' } },
      'can only update pods bound to it'
    ],
    ['POST', '/api/v1/namespaces/default/pods', pod('sneaky', 'node-a'), 'cannot create pods'],
    ['DELETE', '/api/v1/namespaces/kube-system', undefined, 'cannot delete namespaces'],
    ['GET', '/api/v1/namespaces/default/secrets/theirs', undefined, 'no relationship found'],
    ['GET', '/api/v1/secrets', undefined, 'may only get individual secrets']
  ])('refuses %s %s with 403 Forbidden', async (method, path, body, reason) => {
    const res = await asNode(method, path, body)
    expect(res.status).toBe(403)
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 })
    expect(res.json.message).toContain('User "system:node:node-a" cannot')
    expect(res.json.message).toContain(reason)
  })

  it('updates the status of, and deletes, pods bound to it; reads what its pods use', async () => {
    const status = await asNode('PATCH', '/api/v1/namespaces/default/pods/on-a/status', {
      status: { phase: 'Running' }
    })
    expect(status.status).toBe(200)
    expect(status.json.status.phase).toBe('Running')
    expect((await asNode('GET', '/api/v1/namespaces/default/secrets/mine')).status).toBe(200)
    expect((await asNode('GET', '/api/v1/namespaces/default/pods')).status).toBe(200)
    expect((await asNode('DELETE', '/api/v1/namespaces/default/pods/on-a')).status).toBe(200)
  })

  it('records events', async () => {
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'on-a.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'on-a', namespace: 'default' },
      reason: 'Started',
      message: 'Started container c',
      type: 'Normal'
    }
    expect((await asNode('POST', '/api/v1/namespaces/default/events', event)).status).toBe(201)
  })

  it('leaves the admin unrestricted', async () => {
    expect((await asAdmin('DELETE', '/api/v1/nodes/node-b')).status).toBe(200)
  })
})
