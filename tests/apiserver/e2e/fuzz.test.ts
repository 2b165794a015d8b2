/**
 * Hostile and malformed requests at every endpoint of an in-process API server: bad JSON and
 * YAML, wrong kinds, huge bodies, deep nesting, wrong content types, path traversal, odd methods,
 * non-UTF-8, bad query parameters, missing or wrong credentials, foreign Host headers.
 *
 * Every answer must be the right status family with a `Status` body (no stack traces), the
 * server must keep answering, and the store must hold exactly what it held before, apart from
 * what the few requests that legitimately succeeded wrote. Seeded PRNG, bounded counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startInProcessServer,
  type InProcessServer,
  type RawRequest,
  type RawResponse
} from '../../helpers/cluster'

const SEED = 0x6b756265
const CONCURRENCY = 8
const MiB = 1024 * 1024

let server: InProcessServer

beforeAll(async () => {
  server = await startInProcessServer()
})

afterAll(async () => {
  await server?.stop()
})

/** mulberry32: small, seedable, good enough to pick cases reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Endpoint {
  /** A collection path, e.g. `/api/v1/namespaces/default/configmaps`. */
  collection: string
  /** An item path under it. */
  item: string
  kind: string
  apiVersion: string
  subresources: string[]
}

/** What a case expects: a status family, or a set of exact codes. */
type Expect = '4xx' | 'ok-or-4xx' | 'redirect-or-4xx' | number[]

interface Case {
  name: string
  req: RawRequest
  expect: Expect
}

/** Every resource the server's discovery lists, as collection and item paths. */
async function discoverEndpoints(): Promise<Endpoint[]> {
  const groupVersions = ['/api/v1']
  const apis = (await server.request({ path: '/apis' })).json as {
    groups: { preferredVersion: { groupVersion: string } }[]
  }
  for (const g of apis.groups) groupVersions.push(`/apis/${g.preferredVersion.groupVersion}`)
  const endpoints: Endpoint[] = []
  for (const base of groupVersions) {
    const list = (await server.request({ path: base })).json as {
      groupVersion: string
      resources: { name: string; kind: string; namespaced: boolean }[]
    }
    const subs = new Map<string, string[]>()
    for (const r of list.resources) {
      const [plural, sub] = r.name.split('/')
      if (sub) subs.set(plural, [...(subs.get(plural) ?? []), sub])
    }
    for (const r of list.resources) {
      if (r.name.includes('/')) continue
      const collection = r.namespaced ? `${base}/namespaces/default/${r.name}` : `${base}/${r.name}`
      endpoints.push({
        collection,
        item: `${collection}/fuzz-target`,
        kind: r.kind,
        apiVersion: list.groupVersion,
        subresources: subs.get(r.name) ?? []
      })
    }
  }
  return endpoints
}

const DISCOVERY = [
  '/version',
  '/api',
  '/api/v1',
  '/apis',
  '/apis/apps/v1',
  '/openapi/v2',
  '/openapi/v3',
  '/healthz',
  '/livez',
  '/readyz'
]

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256)
  return b
}

/** Bodies that are not a valid object of `ep`'s kind. */
function badBodies(
  ep: Endpoint,
  rand: () => number
): { name: string; body: string | Buffer; type?: string }[] {
  const meta = { name: 'fuzz-target', namespace: 'default' }
  return [
    {
      name: 'truncated JSON',
      body: `{"apiVersion":"${ep.apiVersion}","kind":"${ep.kind}","metadata":{`
    },
    { name: 'JSON null', body: 'null' },
    { name: 'JSON array', body: '[1,2,3]' },
    { name: 'JSON string', body: '"ConfigMap"' },
    { name: 'empty body', body: '' },
    {
      name: 'wrong kind',
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: ep.kind === 'Secret' ? 'Pod' : 'Secret',
        metadata: meta
      })
    },
    {
      name: 'unknown kind',
      body: JSON.stringify({ apiVersion: ep.apiVersion, kind: 'Widget', metadata: meta })
    },
    {
      name: 'wrong apiVersion',
      body: JSON.stringify({ apiVersion: 'nope/v9', kind: ep.kind, metadata: meta })
    },
    {
      name: 'traversal name',
      body: JSON.stringify({
        apiVersion: ep.apiVersion,
        kind: ep.kind,
        metadata: { name: '../../etc', namespace: 'default' }
      })
    },
    {
      name: 'name too long',
      body: JSON.stringify({
        apiVersion: ep.apiVersion,
        kind: ep.kind,
        metadata: { name: 'a'.repeat(300), namespace: 'default' }
      })
    },
    {
      name: 'metadata is a string',
      body: JSON.stringify({ apiVersion: ep.apiVersion, kind: ep.kind, metadata: 'x' })
    },
    {
      name: 'non-UTF-8 bytes',
      body: Buffer.concat([
        Buffer.from('{"kind":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}')
      ])
    },
    { name: 'random bytes', body: randomBytes(rand, 64 + Math.floor(rand() * 512)) },
    {
      name: 'malformed YAML',
      body: 'kind: ConfigMap\n  metadata: [oops\n',
      type: 'application/yaml'
    },
    { name: 'YAML alias bomb', body: yamlBomb(), type: 'application/yaml' },
    { name: 'deep JSON nesting', body: '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) },
    {
      // Moderate depth here; the depths that threaten the process itself are in
      // hostile-bodies.test.ts, against a separate `kubedesk up` process.
      name: 'deep YAML nesting',
      body: '['.repeat(2_000) + ']'.repeat(2_000),
      type: 'application/yaml'
    },
    { name: 'XML', body: '<Pod><name>x</name></Pod>', type: 'application/xml' },
    {
      name: 'text/plain',
      body: JSON.stringify({ apiVersion: ep.apiVersion, kind: ep.kind, metadata: meta }),
      type: 'text/plain'
    }
  ]
}

/** The billion-laughs shape: a few lines of YAML that expand enormously if aliases are expanded. */
function yamlBomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  const names = 'bcdefghij'.split('')
  let prev = 'a'
  for (const n of names) {
    lines.push(
      `${n}: &${n} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`
    )
    prev = n
  }
  lines.push(`kind: ConfigMap\napiVersion: v1\nmetadata: {name: bomb}\ndata: *${prev}`)
  return lines.join('\n')
}

const BAD_QUERIES = [
  'limit=-1',
  'limit=abc',
  'resourceVersion=abc',
  'resourceVersionMatch=Sometimes&resourceVersion=1',
  'labelSelector=a%20in%20(',
  'labelSelector=%3D%3D%3D',
  'fieldSelector=no.such.field%3Dx',
  'fieldSelector=%3D',
  'continue=bm90LWEtdG9rZW4',
  'watch=maybe',
  // Long, but under Node's 16 KiB header limit so the server's own code answers.
  `labelSelector=${'a'.repeat(12_000)}`
]

const BAD_MUTATION_QUERIES = [
  'dryRun=Maybe',
  'fieldValidation=Loose',
  'propagationPolicy=Sideways',
  `fieldManager=${'m'.repeat(200)}`
]

/** Builds the bounded, seeded list of cases for every endpoint. */
function buildCases(endpoints: Endpoint[], rand: () => number): Case[] {
  const pick = <T>(xs: T[], n: number): T[] => {
    const copy = [...xs]
    const out: T[] = []
    while (out.length < n && copy.length)
      out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0])
    return out
  }
  const json = { 'content-type': 'application/json' }
  const cases: Case[] = []
  for (const ep of endpoints) {
    for (const b of pick(badBodies(ep, rand), 6)) {
      const headers = { 'content-type': b.type ?? 'application/json' }
      cases.push({
        name: `POST ${ep.collection} ${b.name}`,
        req: { method: 'POST', path: ep.collection, headers, body: b.body },
        expect: '4xx'
      })
      cases.push({
        name: `PUT ${ep.item} ${b.name}`,
        req: { method: 'PUT', path: ep.item, headers, body: b.body },
        expect: '4xx'
      })
    }
    for (const type of ['application/json', 'text/plain', 'application/xml']) {
      cases.push({
        name: `PATCH ${ep.item} as ${type}`,
        req: {
          method: 'PATCH',
          path: ep.item,
          headers: { 'content-type': type },
          body: '{"metadata":{"labels":{"a":"b"}}}'
        },
        expect: '4xx'
      })
    }
    cases.push({
      name: `PATCH ${ep.item} bad JSON patch`,
      req: {
        method: 'PATCH',
        path: ep.item,
        headers: { 'content-type': 'application/json-patch+json' },
        body: '[{"op":"explode","path":"/x"}]'
      },
      expect: '4xx'
    })
    cases.push({
      name: `PATCH ${ep.item} apply without fieldManager`,
      req: {
        method: 'PATCH',
        path: ep.item,
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: 'kind: ['
      },
      expect: '4xx'
    })
    for (const q of pick(BAD_QUERIES, 3)) {
      cases.push({
        name: `GET ${ep.collection}?${q.slice(0, 40)}`,
        req: { path: `${ep.collection}?${q}` },
        expect: '4xx'
      })
    }
    for (const q of pick(BAD_MUTATION_QUERIES, 1)) {
      cases.push({
        name: `DELETE ${ep.item}?${q.slice(0, 40)}`,
        req: { method: 'DELETE', path: `${ep.item}?${q}` },
        expect: '4xx'
      })
    }
    for (const method of pick(['TRACE', 'PROPFIND', 'MKCOL', 'LOCK', 'PURGE'], 1)) {
      cases.push({ name: `${method} ${ep.item}`, req: { method, path: ep.item }, expect: '4xx' })
    }
    for (const sub of ep.subresources) {
      cases.push({
        name: `POST ${ep.item}/${sub} garbage`,
        req: { method: 'POST', path: `${ep.item}/${sub}`, headers: json, body: '{"kind":' },
        expect: '4xx'
      })
      cases.push({
        name: `GET ${ep.item}/${sub} missing object`,
        req: { path: `${ep.item}/${sub}` },
        expect: '4xx'
      })
    }
    cases.push({
      name: `GET ${ep.collection} without credentials`,
      req: { path: ep.collection, auth: false },
      expect: [401]
    })
    cases.push({
      name: `DELETE ${ep.collection} without credentials`,
      req: { method: 'DELETE', path: ep.collection, auth: false },
      expect: [401]
    })
    cases.push({
      name: `POST ${ep.collection} wrong token`,
      req: {
        method: 'POST',
        path: ep.collection,
        auth: false,
        headers: { ...json, authorization: 'Bearer not-a-token' },
        body: '{}'
      },
      expect: [401]
    })
  }
  for (const path of DISCOVERY) {
    cases.push({ name: `DELETE ${path}`, req: { method: 'DELETE', path }, expect: '4xx' })
    cases.push({
      name: `POST ${path}`,
      req: { method: 'POST', path, headers: json, body: '{}' },
      expect: '4xx'
    })
    cases.push({
      name: `GET ${path} foreign Host`,
      req: { path, host: 'evil.example.com' },
      expect: '4xx'
    })
    cases.push({
      name: `GET ${path} rebinding Host`,
      req: { path, host: '127.0.0.1.evil.example.com' },
      expect: '4xx'
    })
    cases.push({
      name: `GET ${path} no credentials`,
      req: { path, auth: false },
      expect: path === '/version' || path.endsWith('z') ? 'ok-or-4xx' : [401]
    })
  }
  const traversal = [
    '/api/v1/namespaces/../../../etc/passwd',
    '/api/v1/namespaces/default/configmaps/..%2f..%2fsecrets',
    '/api/v1/namespaces/default/configmaps/%2e%2e',
    '/api/v1/namespaces/fuzz-victim/configmaps/%2e%2e',
    '/api/v1/namespaces/fuzz-victim/configmaps/..',
    '/api/v1/namespaces/default/configmaps/a%00b',
    '/api/v1/namespaces/%ff%fe/configmaps',
    '//api//v1//namespaces',
    '/apis/../api/v1/secrets',
    '/api/v1/namespaces/default/pods/x/exec/../../../../secrets',
    `/api/v1/namespaces/default/configmaps/${'x'.repeat(8000)}`,
    '/apis/no.such.group/v1/widgets',
    '/api/v2/pods',
    '/nope'
  ]
  // Dot segments must never reach another resource than the path names: a client (or a proxy
  // that authorizes by path) sees `configmaps/..`, not the namespace above it. Go's mux answers a
  // redirect to the cleaned path; an error is fine too; serving the other resource is not.
  for (const path of traversal) {
    const expect: Expect = path.includes('..') || path.includes('%2e') ? 'redirect-or-4xx' : '4xx'
    cases.push({ name: `GET ${path.slice(0, 60)}`, req: { path }, expect })
    cases.push({
      name: `PUT ${path.slice(0, 60)}`,
      req: { method: 'PUT', path, headers: json, body: '{}' },
      expect
    })
    cases.push({ name: `DELETE ${path.slice(0, 60)}`, req: { method: 'DELETE', path }, expect })
  }
  cases.push({
    name: 'authorization Basic',
    req: {
      path: '/api/v1/pods',
      auth: false,
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }
    },
    expect: [401]
  })
  cases.push({
    name: 'authorization empty Bearer',
    req: { path: '/api/v1/pods', auth: false, headers: { authorization: 'Bearer ' } },
    expect: [401]
  })
  return cases
}

/** Bodies over the 3 MiB limit, with and without a Content-Length. */
function hugeCases(): Case[] {
  const big = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'huge' },
    data: { x: 'x'.repeat(4 * MiB) }
  })
  const path = '/api/v1/namespaces/default/configmaps'
  return [
    {
      name: 'POST 4 MiB ConfigMap',
      req: { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: big },
      expect: [413]
    },
    {
      name: 'POST 4 MiB ConfigMap chunked',
      req: {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: big
      },
      expect: [413]
    },
    {
      name: 'PUT 4 MiB ConfigMap',
      req: {
        method: 'PUT',
        path: `${path}/huge`,
        headers: { 'content-type': 'application/json' },
        body: big
      },
      expect: [413]
    },
    {
      name: 'PATCH 4 MiB merge patch',
      req: {
        method: 'PATCH',
        path: `${path}/huge`,
        headers: { 'content-type': 'application/merge-patch+json' },
        body: big
      },
      expect: [413]
    }
  ]
}

function checkResponse(c: Case, res: RawResponse): string[] {
  const problems: string[] = []
  const family = Math.floor(res.status / 100)
  if (res.status >= 500 || res.status < 100) problems.push(`answered ${res.status}`)
  else if (Array.isArray(c.expect) && !c.expect.includes(res.status))
    problems.push(`answered ${res.status}, expected ${c.expect.join('|')}`)
  else if (c.expect === '4xx' && family !== 4) problems.push(`answered ${res.status}, expected 4xx`)
  else if (c.expect === 'redirect-or-4xx' && family !== 3 && family !== 4)
    problems.push(`answered ${res.status}, expected a redirect or 4xx`)
  if (res.status >= 400 && c.req.method !== 'HEAD') {
    const s = res.json as
      | { kind?: string; apiVersion?: string; status?: string; code?: number; reason?: string }
      | undefined
    if (
      !s ||
      s.kind !== 'Status' ||
      s.apiVersion !== 'v1' ||
      s.status !== 'Failure' ||
      s.code !== res.status ||
      !s.reason
    ) {
      problems.push(
        `body is not a Failure Status with code ${res.status}: ${res.body.slice(0, 160)}`
      )
    }
  }
  if (/\n\s+at .+\(.*:\d+:\d+\)/.test(res.body)) problems.push('body carries a stack trace')
  return problems
}

async function runAll(cases: Case[]): Promise<{ failures: string[]; succeeded: Case[] }> {
  const failures: string[] = []
  const succeeded: Case[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]
      let res: RawResponse
      try {
        res = await server.request({ ...c.req, timeoutMs: 20_000 })
      } catch (err) {
        // A closed connection is an acceptable answer only for bodies over the limit.
        if (!(Array.isArray(c.expect) && c.expect.includes(413)))
          failures.push(`${c.name}: ${String(err)}`)
        continue
      }
      if (res.status < 300) succeeded.push(c)
      for (const p of checkResponse(c, res)) failures.push(`${c.name}: ${p}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return { failures, succeeded }
}

describe('API server under malformed and hostile requests', () => {
  it('answers every case with the right status and a Status, keeps serving, and leaves the store alone', async () => {
    // A namespace of our own: a request that escapes its path could delete it.
    const victim = await server.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'fuzz-victim' }
      })
    })
    expect(victim.status).toBe(201)
    const before = await server.snapshot()
    const endpoints = await discoverEndpoints()
    expect(endpoints.length).toBeGreaterThanOrEqual(18)
    const cases = [...buildCases(endpoints, prng(SEED)), ...hugeCases()]

    const { failures, succeeded } = await runAll(cases)
    expect.soft(failures, `${failures.length} of ${cases.length} cases failed`).toEqual([])

    // Still serving: health, discovery, and an ordinary write.
    expect((await server.request({ path: '/readyz' })).status).toBe(200)
    expect((await server.request({ path: '/api/v1' })).status).toBe(200)
    const mutated = succeeded.filter((c) => (c.req.method ?? 'GET') !== 'GET')
    expect.soft(mutated.map((c) => c.name)).toEqual([])
    const after = await server.snapshot()
    expect.soft(after).toEqual(before)

    const create = await server.request({
      method: 'POST',
      path: '/api/v1/namespaces/default/configmaps',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'after-fuzz' }
      })
    })
    expect(create.status).toBe(201)
  })
})
