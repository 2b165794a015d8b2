/**
 * The kubelet's HTTPS API against a scripted runtime: authentication, routing, the
 * /containerLogs parameters and container choice, the stats summary's shape and rates, /pods.
 */
import { PassThrough } from 'node:stream'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKubeletServer, type KubeletServer } from '../../../src/agent/server/kubelet-server'
import { streamLog } from '../../../src/agent/log'
import { ensurePki, issueKubeletServingCert } from '../../../src/main/apiserver/pki'
import { createTestRuntime, type TestRuntime } from './test-runtime'

const TOKEN = 'kubelet-client-token-for-tests-0123456789'

let dir: string
let ca: string
let server: KubeletServer
let rt: TestRuntime

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function get(path: string, token: string | null = TOKEN, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method,
        ca,
        headers: token ? { Authorization: `Bearer ${token}` } : {}
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-kubelet-server-'))
  ca = (await ensurePki(dir, { sans: [] })).caCert
  const tls = await issueKubeletServingCert(dir, 'node-1', ['127.0.0.1'])
  rt = createTestRuntime()
  rt.addPod({ name: 'web', namespace: 'default', uid: 'uid-web', id: 'sandbox-web-0001' })
  rt.addContainer({
    id: 'c-web-old',
    sandboxId: 'sandbox-web-0001',
    name: 'app',
    attempt: 0,
    state: 'exited'
  })
  rt.addContainer({ id: 'c-web-new', sandboxId: 'sandbox-web-0001', name: 'app', attempt: 1 })
  rt.addContainer({ id: 'c-side', sandboxId: 'sandbox-web-0001', name: 'side', attempt: 0 })
  rt.writeLog('c-web-old', 'old run line')
  for (let i = 1; i <= 5; i++) rt.writeLog('c-web-new', `line ${i}`)
  rt.writeLog('c-side', 'sidecar says hi')
  server = await startKubeletServer({
    config: { host: '127.0.0.1', port: 0, cert: tls.cert, key: tls.key, allowedTokens: [TOKEN] },
    nodeName: 'node-1',
    runtime: rt
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('issueKubeletServingCert', () => {
  it('signs a certificate for the node name and addresses with the cluster CA, not on disk', async () => {
    const before = readdirSync(join(dir, 'pki')).sort()
    const { cert, key } = await issueKubeletServingCert(dir, 'node-2', ['10.0.0.7', 'node-2.local'])
    expect(readdirSync(join(dir, 'pki')).sort()).toEqual(before)
    const x = new X509Certificate(cert)
    expect(x.checkIssued(new X509Certificate(ca))).toBe(true)
    expect(x.subject).toContain('CN=system:node:node-2')
    expect(x.subjectAltName).toBe('DNS:node-2, IP Address:10.0.0.7, DNS:node-2.local')
    expect(key).toContain('PRIVATE KEY')
  })
})

describe('authentication and routing', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'not-the-token'],
    ['a prefix of the token', TOKEN.slice(0, 10)]
  ])('answers 401 to %s', async (_what, token) => {
    const res = await get('/healthz', token)
    expect(res.status).toBe(401)
    expect(res.body).toContain('Unauthorized')
  })

  it('answers /healthz with ok', async () => {
    const res = await get('/healthz')
    expect(res.status).toBe(200)
    expect(res.body).toBe('ok')
  })

  it('answers unknown paths with 404 as plain text', async () => {
    for (const path of ['/nope', '/containerLogs/default/web', '/stats']) {
      const res = await get(path)
      expect(res.status).toBe(404)
      expect(res.headers['content-type']).toMatch(/^text\/plain/)
    }
  })

  it('refuses writes', async () => {
    expect((await get('/pods', TOKEN, 'DELETE')).status).toBe(405)
  })
})

describe('/containerLogs', () => {
  it('streams the newest run of the container', async () => {
    const res = await get('/containerLogs/default/web/app')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n')
  })

  it('passes tailLines, timestamps, limitBytes and sinceSeconds to the runtime', async () => {
    rt.logCalls.length = 0
    const res = await get(
      '/containerLogs/default/web/app?tailLines=2&timestamps=true&limitBytes=500&sinceSeconds=3600'
    )
    expect(res.status).toBe(200)
    expect(res.body.trim().split('\n')).toHaveLength(2)
    expect(res.body).toMatch(/^\d{4}-\d{2}-\d{2}T\S+ line 4\n/)
    const opts = rt.logCalls[0].opts
    expect(opts).toMatchObject({ tailLines: 2, timestamps: true, limitBytes: 500, follow: false })
    expect(Date.now() - opts.since!.getTime()).toBeGreaterThanOrEqual(3_599_000)
  })

  it('reads the previous run with previous=true', async () => {
    const res = await get('/containerLogs/default/web/app?previous=true')
    expect(res.body).toBe('old run line\n')
  })

  it('says when there is no previous run', async () => {
    const res = await get('/containerLogs/default/web/side?previous=true')
    expect(res.status).toBe(404)
    expect(res.body).toContain('previous terminated container "side" in pod "web" not found')
  })

  it('404s a container it does not run', async () => {
    const res = await get('/containerLogs/default/web/ghost')
    expect(res.status).toBe(404)
    expect(res.body).toContain('"ghost"')
  })

  it.each([
    'tailLines=-1',
    'tailLines=abc',
    'limitBytes=0',
    'sinceSeconds=0',
    'follow=maybe',
    'sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z',
    'sinceTime=yesterday'
  ])('answers 400 to %s', async (query) => {
    const res = await get(`/containerLogs/default/web/app?${query}`)
    expect(res.status).toBe(400)
  })

  it('follows until the client leaves, then releases the runtime stream', async () => {
    const chunks: string[] = []
    const req = request({
      host: '127.0.0.1',
      port: server.port,
      path: '/containerLogs/default/web/side?follow=true',
      ca,
      headers: { Authorization: `Bearer ${TOKEN}` }
    })
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.on('response', resolve)
      req.on('error', reject)
      req.end()
    })
    response.setEncoding('utf8')
    const seen = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (chunks.join('').includes(text)) {
            response.off('data', onData)
            resolve()
          }
        }
        const onData = (c: string): void => {
          chunks.push(c)
          check()
        }
        response.on('data', onData)
        check()
      })
    await seen('sidecar says hi')
    expect(rt.followers.size).toBe(1)
    rt.writeLog('c-side', 'a later line')
    await seen('a later line')
    req.destroy()
    await expect.poll(() => rt.followers.size).toBe(0)
  })

  it('ends a follow when the container exits', async () => {
    rt.addContainer({ id: 'c-short', sandboxId: 'sandbox-web-0001', name: 'short' })
    rt.writeLog('c-short', 'bye')
    const pending = get('/containerLogs/default/web/short?follow=1')
    await expect.poll(() => rt.followers.size).toBe(1)
    rt.exit('c-short')
    const res = await pending
    expect(res.body).toBe('bye\n')
  })
})

describe('/stats/summary', () => {
  it('reports the Summary API shape, with usageNanoCores from the second sample on', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z')
    const t1 = new Date('2026-01-01T00:00:10Z')
    const set = (at: Date, cpu: number): void => {
      for (const id of ['c-web-new', 'c-side', 'c-short']) {
        rt.stats.set(id, {
          cpuUsageNanoSeconds: cpu,
          memoryWorkingSetBytes: 1_000_000,
          timestamp: at
        })
      }
    }
    set(t0, 1e9)
    const first = JSON.parse((await get('/stats/summary')).body)
    expect(first.node.nodeName).toBe('node-1')
    const pod = first.pods[0]
    expect(pod.podRef).toEqual({ name: 'web', namespace: 'default', uid: 'uid-web' })
    const app = pod.containers.find((c: { name: string }) => c.name === 'app')
    expect(app.cpu.usageCoreNanoSeconds).toBe(1e9)
    expect(app.cpu.usageNanoCores).toBeUndefined()
    expect(app.memory.workingSetBytes).toBe(1_000_000)
    // exited containers are not reported
    expect(pod.containers.map((c: { name: string }) => c.name).sort()).toEqual(['app', 'side'])

    set(t1, 6e9) // 5 s of CPU in 10 s: half a core
    const second = JSON.parse((await get('/stats/summary')).body)
    const app2 = second.pods[0].containers.find((c: { name: string }) => c.name === 'app')
    expect(app2.cpu.usageNanoCores).toBe(500_000_000)
    expect(second.pods[0].cpu.usageNanoCores).toBe(1_000_000_000)
    expect(second.pods[0].memory.workingSetBytes).toBe(2_000_000)
    expect(second.node.memory.workingSetBytes).toBeGreaterThan(2_000_000)
    expect(second.node.cpu.usageCoreNanoSeconds).toBeGreaterThan(12e9)
  })
})

describe('/pods', () => {
  it('lists the pods the runtime runs', async () => {
    const list = JSON.parse((await get('/pods')).body)
    expect(list.kind).toBe('PodList')
    expect(list.items).toHaveLength(1)
    expect(list.items[0].metadata).toMatchObject({
      name: 'web',
      namespace: 'default',
      uid: 'uid-web'
    })
    expect(list.items[0].spec.nodeName).toBe('node-1')
  })
})

describe('PUT /debug/flags/v', () => {
  let flagged: KubeletServer
  const out = new PassThrough()
  const log = streamLog('kubelet', out)

  beforeAll(async () => {
    const tls = await issueKubeletServingCert(dir, 'node-2', ['127.0.0.1'])
    flagged = await startKubeletServer({
      config: { host: '127.0.0.1', port: 0, cert: tls.cert, key: tls.key, allowedTokens: [TOKEN] },
      nodeName: 'node-2',
      runtime: rt,
      log
    })
  })
  afterAll(async () => {
    await flagged?.close()
  })

  const put = (body: string, method = 'PUT', token: string | null = TOKEN) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: flagged.port,
          path: '/debug/flags/v',
          method,
          ca,
          headers: token ? { Authorization: `Bearer ${token}` } : {}
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8').on('data', (c: string) => (text += c))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text })
          )
        }
      )
      req.on('error', reject)
      req.end(body)
    })

  it.each([
    {
      what: 'a level',
      body: '4',
      status: 200,
      text: 'successfully set klog.logging.verbosity to 4',
      level: 4
    },
    { what: 'a level with a newline', body: '3\n', status: 200, text: 'to 3', level: 3 },
    {
      what: 'not a number',
      body: 'loud',
      status: 400,
      text: 'strconv.ParseInt: parsing "loud": invalid syntax',
      level: 3
    },
    {
      what: 'GET',
      body: '',
      method: 'GET',
      status: 406,
      text: 'unsupported http method',
      level: 3
    },
    { what: 'no token', body: '9', token: null, status: 401, text: 'Unauthorized', level: 3 }
  ])('$what → $status', async (c) => {
    const answer = await put(c.body, c.method, c.token === null ? null : TOKEN)
    expect(answer.status).toBe(c.status)
    expect(answer.body).toContain(c.text)
    expect(log.verbosity).toBe(c.level)
  })

  it('logs V(n) lines only up to the verbosity set', () => {
    log.setVerbosity(2)
    out.read() // what the requests above logged
    log.v(3)?.info('hidden')
    log.v(2)?.info('shown')
    const written = String(out.read() ?? '')
    expect(written).toMatch(/"shown"/)
    expect(written).not.toMatch(/"hidden"/)
  })
})
