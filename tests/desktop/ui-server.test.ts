import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startUiServer, type UiServer } from '../../src/main/desktop/ui-server'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeHost } from './fake-host'

const STATUS: ClusterStatus = {
  version: '0.1.0',
  pid: 4242,
  dataDir: '/home/dev/.kubedesk',
  startedAt: '2025-01-01T00:00:00.000Z',
  store: { backend: 'sqlite', revision: 17, compactRevision: 3, location: 'store.db' },
  components: [{ name: 'etcd', state: 'running' }]
}

/** A host whose only call is getStatus. */
function statusHost() {
  return createFakeHost({ getStatus: async () => STATUS }).host
}

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** A raw GET: the path is sent exactly as given (no client-side `..` resolution). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: { Host: `127.0.0.1:${port}`, ...headers }
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

describe('UI server (browser mode)', () => {
  let dir: string
  let server: UiServer
  let port: number
  let token: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubedesk-ui-'))
    // A file next to the renderer folder that traversal would reach.
    writeFileSync(join(dir, 'package.json'), '{"secret":"TOP-SECRET"}')
    mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true })
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>KubeDesk</title>')
    writeFileSync(join(dir, 'renderer', 'assets', 'app.js'), 'console.log("hi")')
    writeFileSync(join(dir, 'renderer', 'assets', 'app.css'), 'body{}')
    server = await startUiServer({
      port: 0,
      rendererDir: join(dir, 'renderer'),
      host: statusHost()
    })
    const url = new URL(server.url)
    port = Number(url.port)
    token = url.searchParams.get('token') ?? ''
  })

  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('prints a loopback URL that carries a long random token', () => {
    const url = new URL(server.url)
    expect(url.hostname).toBe('127.0.0.1')
    expect(url.pathname).toBe('/')
    expect(token.length).toBeGreaterThanOrEqual(32)
  })

  it('refuses the API without a token', async () => {
    const answer = await get(port, '/api/status')
    expect(answer.status).toBe(401)
    expect(answer.headers['content-type']).toMatch(/application\/json/)
    expect(JSON.parse(answer.body).error).toMatch(/Unauthorized/)
  })

  it('refuses the API with a wrong Bearer token', async () => {
    const answer = await get(port, '/api/status', {
      Authorization: `Bearer ${'x'.repeat(token.length)}`
    })
    expect(answer.status).toBe(401)
  })

  it('serves the status as JSON with the Bearer token', async () => {
    const answer = await get(port, '/api/status', { Authorization: `Bearer ${token}` })
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toMatch(/application\/json/)
    expect(JSON.parse(answer.body)).toEqual(STATUS)
  })

  it('trades the link token for an HttpOnly SameSite=Strict cookie that opens the API', async () => {
    const first = await get(port, `/?token=${token}`)
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/')
    const setCookie = first.headers['set-cookie']?.[0] ?? ''
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)

    const cookie = setCookie.split(';')[0]
    const answer = await get(port, '/api/status', { Cookie: cookie })
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body).pid).toBe(4242)
  })

  it('sets no cookie for a wrong link token', async () => {
    const answer = await get(port, '/?token=not-the-token')
    expect(answer.status).toBe(401)
    expect(answer.headers['set-cookie']).toBeUndefined()
  })

  it.each(['evil.example:PORT', 'localhost.evil.example:PORT', '127.0.0.1:1'])(
    'answers 403 to Host %s (DNS rebinding guard)',
    async (host) => {
      const answer = await get(port, '/api/status', {
        Host: host.replace('PORT', String(port)),
        Authorization: `Bearer ${token}`
      })
      expect(answer.status).toBe(403)
    }
  )

  it.each(['127.0.0.1', 'localhost', '[::1]'])(
    'accepts Host %s with the right port',
    async (name) => {
      const answer = await get(port, '/api/status', {
        Host: `${name}:${port}`,
        Authorization: `Bearer ${token}`
      })
      expect(answer.status).toBe(200)
    }
  )

  it('serves the page with a strict CSP and nosniff', async () => {
    const answer = await get(port, '/')
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toMatch(/^text\/html/)
    const csp = String(answer.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(answer.headers['x-content-type-options']).toBe('nosniff')
  })

  it.each([
    ['/assets/app.js', /^text\/javascript/],
    ['/assets/app.css', /^text\/css/]
  ])('serves %s with its content type', async (path, type) => {
    const answer = await get(port, path)
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toMatch(type)
  })

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/assets/../../package.json',
    '/%2e%2e%2f%2e%2e%2fpackage.json'
  ])('refuses the traversal %s', async (path) => {
    const answer = await get(port, path)
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.body).not.toContain('TOP-SECRET')
  })

  it('answers 404 for a missing file', async () => {
    expect((await get(port, '/assets/missing.js')).status).toBe(404)
  })
})

describe('UI server failure modes', () => {
  it('answers a readable 503 page when the renderer is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kubedesk-ui-empty-'))
    const server = await startUiServer({ rendererDir: empty, host: statusHost() })
    try {
      const answer = await get(Number(new URL(server.url).port), '/')
      expect(answer.status).toBe(503)
      expect(answer.headers['content-type']).toMatch(/^text\/html/)
      expect(answer.body).toContain('npm run build')
    } finally {
      await server.close()
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it('reports a status failure as a JSON error, not a crash', async () => {
    const server = await startUiServer({
      rendererDir: tmpdir(),
      host: createFakeHost({
        getStatus: async () => {
          throw new Error('store is closed')
        }
      }).host
    })
    try {
      const url = new URL(server.url)
      const answer = await get(Number(url.port), '/api/status', {
        Authorization: `Bearer ${url.searchParams.get('token')}`
      })
      expect(answer.status).toBe(500)
      expect(JSON.parse(answer.body).error).toContain('store is closed')
    } finally {
      await server.close()
    }
  })

  it('fails with an error naming the port when the port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const address = blocker.address()
    const taken = typeof address === 'object' && address ? address.port : 0
    try {
      await expect(
        startUiServer({ port: taken, rendererDir: tmpdir(), host: statusHost() })
      ).rejects.toThrow(new RegExp(`port ${taken}.*in use`))
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })

  it('finds out/renderer under the package root by default', async () => {
    // Whether or not the renderer is built, the default must resolve without throwing.
    const server = await startUiServer({ host: statusHost() })
    try {
      const answer = await get(Number(new URL(server.url).port), '/')
      expect([200, 503]).toContain(answer.status)
    } finally {
      await server.close()
    }
  })
})
