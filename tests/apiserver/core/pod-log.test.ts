/**
 * pods/log through the kubelet: an in-process API server whose kubelet-client token a kubelet
 * server (src/agent/server) accepts, a Node pointing at that kubelet, pods bound to it, and the
 * real kubectl reading logs — plain, `-c`, `--tail`, `--previous`, `-f` — plus the API's own
 * answers for bad parameters, container defaulting and nodes without a reachable kubelet.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeKubeconfig } from '../../../src/main/kubeconfig'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKubeletServer, type KubeletServer } from '../../../src/agent/server/kubelet-server'
import { ensurePki, issueKubeletServingCert } from '../../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../../src/main/apiserver/server'
import { openStore, type Store } from '../../../src/main/store'
import { KUBECTL } from '../../helpers/cluster'
import { createTestRuntime, type TestRuntime } from '../../agent/server/test-runtime'

const ADMIN = 'pod-log-admin-token-0123456789abcdef'
const KUBELET_CLIENT = 'pod-log-kubelet-client-token-0123456789'

let dir: string
let store: Store
let api: ApiServer
let kubelet: KubeletServer
let rt: TestRuntime
let caCert: string
let kubeconfig: string

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
      { timeout: 30_000, env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    )
  })
}

function get(path: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: api.port,
        path,
        ca: caCert,
        servername: 'localhost',
        headers: { Authorization: `Bearer ${ADMIN}`, Host: `127.0.0.1:${api.port}` }
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] })
        )
      }
    )
    req.on('error', reject)
    req.end()
  })
}

const pod = (name: string, containers: string[], nodeName: string, annotations = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', annotations },
  spec: { nodeName, containers: containers.map((c) => ({ name: c, image: 'busybox' })) }
})

async function addNode(name: string, status: object): Promise<void> {
  const node = await api.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } })
  await api.client.updateStatus({ ...node, status })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-pod-log-'))
  const pki = await ensurePki(dir, { sans: [] })
  caCert = pki.caCert
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  api = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: {
      authenticate: (h) =>
        h.authorization === `Bearer ${ADMIN}`
          ? { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }
          : undefined
    },
    kubeletClient: { token: KUBELET_CLIENT, caCert: pki.caCert }
  })
  const tls = await issueKubeletServingCert(dir, 'node-1', ['127.0.0.1'])
  rt = createTestRuntime()
  kubelet = await startKubeletServer({
    config: { host: '127.0.0.1', port: 0, ...tls, allowedTokens: [KUBELET_CLIENT] },
    nodeName: 'node-1',
    runtime: rt
  })
  await addNode('node-1', {
    addresses: [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'node-1' }
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } }
  })
  await addNode('node-dark', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] })
  // A kubelet endpoint nothing listens on: a port we held and let go.
  await addNode('node-gone', {
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    daemonEndpoints: { kubeletEndpoint: { Port: 1 } }
  })

  await api.client.create(pod('web', ['app', 'side'], 'node-1'))
  await api.client.create(pod('solo', ['main'], 'node-1'))
  await api.client.create(
    pod('annotated', ['a', 'b'], 'node-1', { 'kubectl.kubernetes.io/default-container': 'b' })
  )
  await api.client.create(pod('dark', ['main'], 'node-dark'))
  await api.client.create(pod('gone', ['main'], 'node-gone'))
  rt.addPod({ name: 'web', namespace: 'default', uid: 'u-web', id: 'sb-web' })
  rt.addPod({ name: 'solo', namespace: 'default', uid: 'u-solo', id: 'sb-solo' })
  rt.addPod({ name: 'annotated', namespace: 'default', uid: 'u-ann', id: 'sb-ann' })
  rt.addContainer({
    id: 'web-app-0',
    sandboxId: 'sb-web',
    name: 'app',
    attempt: 0,
    state: 'exited'
  })
  rt.addContainer({ id: 'web-app-1', sandboxId: 'sb-web', name: 'app', attempt: 1 })
  rt.addContainer({ id: 'web-side-0', sandboxId: 'sb-web', name: 'side' })
  rt.addContainer({ id: 'solo-main', sandboxId: 'sb-solo', name: 'main' })
  rt.addContainer({ id: 'ann-b', sandboxId: 'sb-ann', name: 'b' })
  rt.writeLog('web-app-0', 'crashed run')
  for (let i = 1; i <= 4; i++) rt.writeLog('web-app-1', `app line ${i}`)
  rt.writeLog('web-side-0', 'side line')
  rt.writeLog('solo-main', 'hello from solo')
  rt.writeLog('ann-b', 'hello from b')

  kubeconfig = join(dir, 'kubeconfig')
  writeKubeconfig(kubeconfig, { server: api.url, caCert, token: ADMIN })
})

afterAll(async () => {
  await kubelet?.close()
  await api?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('kubectl logs through the kubelet', () => {
  it('prints the log of a single-container pod', async () => {
    const r = await kubectl(['logs', 'solo'])
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('hello from solo\n')
  })

  it('-c picks the container, --tail the last lines', async () => {
    expect((await kubectl(['logs', 'web', '-c', 'side'])).stdout).toBe('side line\n')
    expect((await kubectl(['logs', 'web', '-c', 'app', '--tail=2'])).stdout).toBe(
      'app line 3\napp line 4\n'
    )
  })

  it('--previous reads the run before, or says there is none', async () => {
    expect((await kubectl(['logs', 'web', '-c', 'app', '--previous'])).stdout).toBe('crashed run\n')
    const none = await kubectl(['logs', 'web', '-c', 'side', '--previous'])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain(
      'Error from server (BadRequest): previous terminated container "side" in pod "web" not found'
    )
  })

  it('-f follows: a line written later arrives', async () => {
    const child = spawn(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'logs', '-f', 'solo'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } }
    )
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
    const exited = new Promise((r) => child.on('close', r))
    try {
      await expect.poll(() => out, { timeout: 15_000 }).toContain('hello from solo')
      rt.writeLog('solo-main', 'written later')
      await expect.poll(() => out, { timeout: 10_000 }).toContain('written later\n')
    } finally {
      child.kill('SIGTERM')
      await exited
    }
    // kubectl went away: the API server let go of the kubelet, which let go of the runtime.
    await expect.poll(() => rt.followers.size, { timeout: 10_000 }).toBe(0)
  })

  it('a wrong container name is refused by the API server', async () => {
    const r = await kubectl(['logs', 'web', '-c', 'nope'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('container nope is not valid for pod web')
  })
})

describe('GET pods/log', () => {
  const base = '/api/v1/namespaces/default/pods'

  it('streams text/plain', async () => {
    const r = await get(`${base}/solo/log`)
    expect(r.status).toBe(200)
    expect(r.type).toMatch(/^text\/plain/)
    expect(r.body).toMatch(/^hello from solo\n/)
  })

  it('defaults to the annotated container, else asks for one', async () => {
    expect((await get(`${base}/annotated/log`)).body).toBe('hello from b\n')
    const r = await get(`${base}/web/log`)
    expect(r.status).toBe(400)
    expect(JSON.parse(r.body).message).toBe(
      'a container name must be specified for pod web, choose one of: [app side]'
    )
  })

  it('passes timestamps and limitBytes to the kubelet', async () => {
    const r = await get(`${base}/web/log?container=app&timestamps=true&limitBytes=40`)
    expect(r.body).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z app line 1\n/)
    expect(r.body.length).toBe(40)
  })

  it.each([
    'tailLines=-1',
    'tailLines=x',
    'sinceSeconds=0',
    'limitBytes=0',
    'follow=perhaps',
    'sinceTime=noon',
    'sinceSeconds=10&sinceTime=2026-01-01T00:00:00Z'
  ])('answers 400 to %s', async (query) => {
    const r = await get(`${base}/solo/log?${query}`)
    expect(r.status).toBe(400)
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest' })
  })

  it('a node without a kubelet endpoint, or one that does not answer, is a 503', async () => {
    for (const [name, node] of [
      ['dark', 'node-dark'],
      ['gone', 'node-gone']
    ]) {
      const r = await get(`${base}/${name}/log`)
      expect(r.status).toBe(503)
      expect(JSON.parse(r.body).message).toContain(
        `no kubelet serves node "${node}": cannot get logs of pod "${name}"`
      )
    }
  })

  it('a missing pod is a 404', async () => {
    expect((await get(`${base}/ghost/log`)).status).toBe(404)
  })
})
