/**
 * kube-apiserver's `/debug/flags/v` and request log on an API server in this process: who may
 * change the verbosity, the plain-text answers kube-apiserver gives, and the "HTTP" line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensurePki } from '../../src/main/apiserver/pki'
import { formatLatency } from '../../src/main/apiserver/http-log'
import { startApiServer, type ApiServer } from '../../src/main/apiserver/server'
import { openStore } from '../../src/main/store'
import type { Store } from '../../src/main/store/types'
import { createComponentLog, type ComponentLogger } from '../../src/main/observe/component-log'
import { rawRequest, type ClusterAccess } from '../helpers/cluster'

const USERS: Record<string, { username: string; groups: string[] }> = {
  admin: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
  bob: { username: 'bob', groups: ['system:authenticated'] }
}

let dir: string
let store: Store
let server: ApiServer
let log: ComponentLogger
let access: ClusterAccess

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-debugflags-'))
  const pki = await ensurePki(dir, { sans: [] })
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  log = createComponentLog(dir, 'kube-apiserver')
  server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: {
      authenticate: (h) => USERS[(h.authorization ?? '').replace(/^Bearer /, '')]
    },
    log
  })
  access = { server: server.url, ca: pki.caCert }
})
afterAll(async () => {
  await server?.close()
  await store?.close()
  log?.close()
  rmSync(dir, { recursive: true, force: true })
})

const as = (user: string, method: string, body?: string) =>
  rawRequest(
    { ...access, token: user },
    { method, path: '/debug/flags/v', body, headers: { 'content-type': 'text/plain' } }
  )

describe('PUT /debug/flags/v', () => {
  it.each([
    ['admin', 'PUT', '4', 200, 'successfully set klog.logging.verbosity to 4\n', 4],
    ['admin', 'PUT', '2\n', 200, 'successfully set klog.logging.verbosity to 2\n', 2],
    [
      'admin',
      'PUT',
      'loud',
      400,
      'failed set klog.logging.verbosity loud: strconv.ParseInt: parsing "loud": invalid syntax\n',
      2
    ],
    ['admin', 'GET', undefined, 406, 'unsupported http method\n', 2]
  ])('%s %s %j → %i %j', async (user, method, body, status, text, verbosity) => {
    const res = await as(user, method, body)
    expect(res.status).toBe(status)
    expect(res.headers['content-type']).toBe('text/plain')
    expect(res.body).toBe(text)
    expect(log.verbosity).toBe(verbosity)
  })

  it('is forbidden to anyone but the admin, and unauthorized without credentials', async () => {
    const res = await as('bob', 'PUT', '9')
    expect(res.status).toBe(403)
    expect(res.json).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message: 'forbidden: User "bob" cannot put path "/debug/flags/v"'
    })
    expect((await as('nobody', 'PUT', '9')).status).toBe(401)
    expect(log.verbosity).toBe(2)
  })
})

describe('request log', () => {
  const httpLines = (): string[] => {
    log.close()
    return readFileSync(log.file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('] "HTTP" '))
  }

  it('writes one line per request from verbosity 3 on, none below', async () => {
    log.setVerbosity(2)
    const before = httpLines().length
    await rawRequest({ ...access, token: 'bob' }, { path: '/api/v1/namespaces/default' })
    expect(httpLines()).toHaveLength(before)

    log.setVerbosity(3)
    await rawRequest(
      { ...access, token: 'bob' },
      { path: '/api/v1/namespaces/default/pods/nope', headers: { 'user-agent': 'test/1.0' } }
    )
    const line = httpLines().at(-1)!
    expect(line).toMatch(
      /"HTTP" verb="GET" URI="\/api\/v1\/namespaces\/default\/pods\/nope" latency="[\d.]+(µs|ms)" userAgent="test\/1.0" user="bob" resource="pods" srcIP="127.0.0.1:\d+" resp=404$/
    )
  })

  it.each([
    [0.000812, '812ns'],
    [0.0453, '45.3µs'],
    [2.345, '2.345ms'],
    [1500, '1.5s'],
    [90_000, '1m30s']
  ])('latency %f ms prints as %s, as Go prints a Duration', (ms, text) => {
    expect(formatLatency(ms)).toBe(text)
  })
})
