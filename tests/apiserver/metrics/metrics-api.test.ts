/**
 * The built-in metrics.k8s.io API over HTTPS and through the real kubectl: discovery, get and
 * list of NodeMetrics and PodMetrics with selectors and across namespaces, metrics-server's
 * shapes and 404 messages, and `kubectl top`. The usage comes from a fixed MetricsSource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  MetricsSource,
  PodUsage,
  UsagePoint
} from '../../../src/main/apiserver/metrics/metrics-source'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { startTestServer, type Json, type TestServer } from '../core/test-server'

const at = new Date('2026-01-01T10:00:15Z')
const nodeUsage = new Map<string, UsagePoint>([
  ['node-a', { timestamp: at, windowMs: 15_000, cpuNanoCores: 250e6, memoryBytes: 512 * 2 ** 20 }],
  ['node-b', { timestamp: at, windowMs: 15_012, cpuNanoCores: 1234567, memoryBytes: 1234 * 1024 }]
])
const podUsage = new Map<string, PodUsage>()
const source: MetricsSource = {
  node: (name) => nodeUsage.get(name),
  pod: (ns, name) => podUsage.get(`${ns}/${name}`)
}

let t: TestServer
let bare: TestServer
const uids: Record<string, string> = {}

async function createPod(ns: string, name: string, labels: Record<string, string>) {
  const pod: KubeObject = await t.server.client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: {
      containers: [
        { name: 'app', image: 'busybox' },
        { name: 'side', image: 'busybox' }
      ]
    }
  })
  uids[`${ns}/${name}`] = pod.metadata.uid ?? ''
}

beforeAll(async () => {
  t = await startTestServer({ metrics: source })
  bare = await startTestServer()
  for (const [name, role] of [
    ['node-a', 'worker'],
    ['node-b', 'edge'],
    ['node-c', 'worker']
  ]) {
    await t.server.client.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { role } }
    })
  }
  await t.server.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })
  await createPod('default', 'web', { app: 'web' })
  await createPod('shop', 'cart', { app: 'cart' })
  await createPod('shop', 'stale', { app: 'cart' })
  await createPod('default', 'new', { app: 'web' })
  const containers = [
    { name: 'app', cpuNanoCores: 800e6, memoryBytes: 64 * 2 ** 20 },
    { name: 'side', cpuNanoCores: 2e6, memoryBytes: 3 * 2 ** 20 }
  ]
  for (const key of ['default/web', 'shop/cart']) {
    podUsage.set(key, { uid: uids[key], timestamp: at, windowMs: 15_000, containers })
  }
  // Usage measured for an older pod of the same name: not this pod's.
  podUsage.set('shop/stale', { uid: 'another-uid', timestamp: at, windowMs: 15_000, containers })
}, 30_000)

afterAll(async () => {
  await t?.close()
  await bare?.close()
})

describe('metrics.k8s.io discovery', () => {
  it('lists the group and its two read-only resources', async () => {
    const groups = (await t.http('GET', '/apis')).json.groups.map((g: Json) => g.name)
    expect(groups).toContain('metrics.k8s.io')
    const group = (await t.http('GET', '/apis/metrics.k8s.io')).json
    expect(group.preferredVersion).toEqual({
      groupVersion: 'metrics.k8s.io/v1beta1',
      version: 'v1beta1'
    })
    const list = (await t.http('GET', '/apis/metrics.k8s.io/v1beta1')).json
    expect(list.resources).toEqual([
      {
        name: 'nodes',
        singularName: '',
        namespaced: false,
        kind: 'NodeMetrics',
        verbs: ['get', 'list']
      },
      {
        name: 'pods',
        singularName: '',
        namespaced: true,
        kind: 'PodMetrics',
        verbs: ['get', 'list']
      }
    ])
  })

  it('is not served by an API server without a metrics source', async () => {
    const groups = (await bare.http('GET', '/apis')).json.groups.map((g: Json) => g.name)
    expect(groups).not.toContain('metrics.k8s.io')
    expect((await bare.http('GET', '/apis/metrics.k8s.io/v1beta1')).status).toBe(404)
    expect((await bare.http('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status).toBe(404)
  })
})

describe('NodeMetrics and PodMetrics', () => {
  it('lists node metrics as metrics-server shapes them, only for nodes with usage', async () => {
    const r = await t.http('GET', '/apis/metrics.k8s.io/v1beta1/nodes')
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1' })
    expect(r.json.items).toHaveLength(2)
    expect(r.json.items[0]).toMatchObject({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'node-a', labels: { role: 'worker' } },
      timestamp: '2026-01-01T10:00:15Z',
      window: '15s',
      usage: { cpu: '250m', memory: '512Mi' }
    })
    expect(r.json.items[1]).toMatchObject({
      window: '15.012s',
      usage: { cpu: '1234567n', memory: '1234Ki' }
    })
    expect(r.json.items[0].metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it('answers get with the pod containers and their usage', async () => {
    const r = await t.http('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web')
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({
      kind: 'PodMetrics',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      window: '15s',
      containers: [
        { name: 'app', usage: { cpu: '800m', memory: '64Mi' } },
        { name: 'side', usage: { cpu: '2m', memory: '3Mi' } }
      ]
    })
  })

  const lists: [string, string, string[]][] = [
    ['all namespaces', '/apis/metrics.k8s.io/v1beta1/pods', ['default/web', 'shop/cart']],
    ['one namespace', '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', ['shop/cart']],
    [
      'a label selector',
      '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dweb',
      ['default/web']
    ],
    [
      'a field selector',
      '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dshop',
      ['shop/cart']
    ],
    ['nodes by label', '/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=role%3Dedge', ['node-b']]
  ]
  it.each(lists)('lists with %s', async (_, path, expected) => {
    const r = await t.http('GET', path)
    expect(r.status).toBe(200)
    const names = r.json.items.map((i: Json) =>
      i.metadata.namespace ? `${i.metadata.namespace}/${i.metadata.name}` : i.metadata.name
    )
    expect(names).toEqual(expected)
  })

  const failures: [string, string, string, number, string][] = [
    ['GET', '/apis/metrics.k8s.io/v1beta1/nodes/nope', '', 404, 'node "nope" not found'],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/nodes/node-c',
      '',
      404,
      'nodemetrics.metrics.k8s.io "node-c" not found'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/new',
      '',
      404,
      'podmetrics.metrics.k8s.io "default/new" not found'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/stale',
      '',
      404,
      'podmetrics.metrics.k8s.io "shop/stale" not found'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope',
      '',
      404,
      'pods "nope" not found'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/services',
      '',
      404,
      'the server could not find the requested resource'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1/nodes',
      '',
      404,
      'the server could not find the requested resource'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/namespaces/x/nodes',
      '',
      404,
      'the server could not find the requested resource'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/nodes?watch=true',
      '',
      405,
      'the server does not allow this method on the requested resource'
    ],
    [
      'DELETE',
      '/apis/metrics.k8s.io/v1beta1/nodes/node-a',
      '',
      405,
      'the server does not allow this method on the requested resource'
    ],
    [
      'GET',
      '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%3D%3D%3D',
      '',
      400,
      'unable to parse requirement'
    ],
    ['GET', '/apis/metrics.k8s.io/v1beta1/nodes', 'wrong', 401, 'Unauthorized']
  ]
  it.each(failures)('%s %s answers a Status', async (method, path, token, code, message) => {
    const r = await t.http(method, path, token ? { token } : {})
    expect(r.status).toBe(code)
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', code })
    expect(r.json.message).toContain(message)
  })
})

describe('kubectl get', () => {
  it('prints metrics-server columns: name, cpu, memory (containers added up), window', async () => {
    const nodes = await t.kubectl(['get', 'nodemetrics'])
    expect(nodes.code, nodes.stderr).toBe(0)
    expect(
      nodes.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
    ).toEqual([
      ['NAME', 'CPU', 'MEMORY', 'WINDOW'],
      ['node-a', '250m', '512Mi', '15s'],
      ['node-b', '1234567n', '1234Ki', '15.012s']
    ])
    const pods = await t.kubectl(['get', 'podmetrics.metrics.k8s.io', '-n', 'shop'])
    expect(pods.code, pods.stderr).toBe(0)
    expect(
      pods.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
    ).toEqual([
      ['NAME', 'CPU', 'MEMORY', 'WINDOW'],
      ['cart', '802m', '67Mi', '15s']
    ])
    const one = await t.kubectl([
      'get',
      'podmetrics',
      'web',
      '-o',
      'jsonpath={.containers[*].name}'
    ])
    expect(one.stdout).toBe('app side')
  })
})

describe('kubectl top', () => {
  it('prints node usage with percentages of capacity, <unknown> for a node without metrics', async () => {
    await t.server.client.patch(
      { apiVersion: 'v1', kind: 'Node' },
      undefined,
      'node-a',
      'merge',
      {
        status: { capacity: { cpu: '2', memory: '4Gi' }, allocatable: { cpu: '2', memory: '4Gi' } }
      },
      { subresource: 'status' }
    )
    const r = await t.kubectl(['top', 'nodes'])
    expect(r.code, r.stderr).toBe(0)
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
    expect(rows[0]).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'])
    expect(rows.find((row) => row[0] === 'node-a')).toEqual([
      'node-a',
      '250m',
      '12%',
      '512Mi',
      '12%'
    ])
  })

  it('prints pods of every namespace, and a pod per container', async () => {
    const all = await t.kubectl(['top', 'pods', '-A'])
    expect(all.code, all.stderr).toBe(0)
    const rows = all.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
    expect(rows).toEqual([
      ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['default', 'web', '802m', '67Mi'],
      ['shop', 'cart', '802m', '67Mi']
    ])
    const one = await t.kubectl(['top', 'pod', 'web', '--containers'])
    expect(one.code, one.stderr).toBe(0)
    expect(
      one.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
    ).toEqual([
      ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['web', 'app', '800m', '64Mi'],
      ['web', 'side', '2m', '3Mi']
    ])
  })
})
