/**
 * A real API server for tests: memory store, a fresh PKI in a temp dir, a static admin token,
 * and a kubeconfig for the real kubectl (with its cache in the temp dir).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensurePki } from '../../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../../src/main/apiserver/server'
import type { MetricsSource } from '../../../src/main/apiserver/metrics/metrics-source'
import { openStore, type Store } from '../../../src/main/store'
import { KUBECTL } from '../../helpers/cluster'

/** Decoded JSON answers: tests read their fields freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** The admin token the test server accepts. */
export const ADMIN_TOKEN = 'test-admin-token'

/** A started server and what talks to it. */
export interface TestServer {
  server: ApiServer
  store: Store
  dir: string
  kubeconfig: string
  caCert: string
  /** The serving certificate and key. */
  tls: { cert: string; key: string }
  /** An HTTPS request with the admin token (unless `token` is given as null). */
  http(
    method: string,
    path: string,
    opts?: {
      body?: string | Buffer
      contentType?: string
      accept?: string
      token?: string | null
      host?: string
    }
  ): Promise<{
    status: number
    headers: Record<string, string | string[] | undefined>
    text: string
    json: Json
  }>
  /** Opens a watch stream; events arrive in `events`, `next()` waits for the next one. */
  stream(path: string): Promise<WatchStream>
  /** Runs the real kubectl; resolves with its exit code and output (never rejects on failure). */
  kubectl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>
  close(): Promise<void>
}

/** A watch response being read. */
export interface WatchStream {
  status: number
  events: { type: string; object: Json }[]
  /** Resolves with the next unread event (rejects after 10 s). */
  next(): Promise<{ type: string; object: Json }>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close(): void
}

/** Starts a server on 127.0.0.1, a free port. */
export async function startTestServer(
  extra: {
    bookmarkIntervalMs?: number
    /** More bearer tokens and whom they authenticate (e.g. a kubelet's). */
    users?: Record<string, { username: string; groups: string[] }>
    /** What `metrics.k8s.io` serves (absent: the group is not served). */
    metrics?: MetricsSource
  } = {}
): Promise<TestServer> {
  const { users = {}, ...serverExtra } = extra
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-apiserver-'))
  const pki = await ensurePki(dir, { sans: [] })
  const store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  const server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: {
      authenticate: (headers) =>
        headers.authorization === `Bearer ${ADMIN_TOKEN}`
          ? { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }
          : users[headers.authorization?.replace(/^Bearer /, '') ?? '']
    },
    ...serverExtra
  })
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: test',
      '  cluster:',
      `    server: ${server.url}`,
      `    certificate-authority-data: ${Buffer.from(pki.caCert).toString('base64')}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${ADMIN_TOKEN}`,
      'contexts:',
      '- name: test',
      '  context: {cluster: test, user: admin}',
      'current-context: test',
      ''
    ].join('\n')
  )
  const http: TestServer['http'] = (method, path, opts = {}) =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Host: opts.host ?? `127.0.0.1:${server.port}` }
      if (opts.token !== null) headers.Authorization = `Bearer ${opts.token ?? ADMIN_TOKEN}`
      if (opts.contentType) headers['Content-Type'] = opts.contentType
      if (opts.accept) headers.Accept = opts.accept
      if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body))
      const req = request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: server.port,
          method,
          path,
          headers,
          ca: pki.caCert
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let json: unknown
            try {
              json = JSON.parse(text)
            } catch {
              json = undefined
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
          })
          res.on('error', reject)
        }
      )
      req.on('error', reject)
      req.end(opts.body)
    })
  const stream: TestServer['stream'] = (path) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: server.port,
          path,
          headers: { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${ADMIN_TOKEN}` },
          ca: pki.caCert
        },
        (res) => {
          const events: { type: string; object: Json }[] = []
          let read = 0
          let buffer = ''
          let wake: (() => void) | undefined
          let done!: () => void
          const ended = new Promise<void>((r) => (done = r))
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            buffer += chunk
            let i: number
            while ((i = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, i)
              buffer = buffer.slice(i + 1)
              if (line.trim()) events.push(JSON.parse(line))
            }
            wake?.()
          })
          res.on('end', () => {
            done()
            wake?.()
          })
          res.on('error', () => done())
          resolve({
            status: res.statusCode ?? 0,
            events,
            ended,
            close: () => req.destroy(),
            async next() {
              const deadline = Date.now() + 10_000
              while (read >= events.length) {
                if (Date.now() > deadline) throw new Error(`no watch event after ${events.length}`)
                await new Promise<void>((r) => {
                  wake = r
                  setTimeout(r, 200)
                })
              }
              return events[read++]
            }
          })
        }
      )
      req.on('error', reject)
      req.end()
    })
  const kubectl: TestServer['kubectl'] = (args, stdin) =>
    new Promise((resolve) => {
      const child = execFile(
        KUBECTL,
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kube-cache'), ...args],
        { timeout: 30_000, env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig } },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
          resolve({ code, stdout, stderr })
        }
      )
      if (stdin !== undefined) child.stdin?.end(stdin)
    })
  return {
    server,
    store,
    dir,
    kubeconfig,
    caCert: pki.caCert,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    http,
    stream,
    kubectl,
    async close() {
      await server.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A JSON request body for `TestServer.http`. */
export const json = (body: unknown) => ({
  body: JSON.stringify(body),
  contentType: 'application/json'
})

/** A small ConfigMap named `name`. */
export const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { a: '1' },
  ...extra
})

/** A Deployment of nginx labelled and selected by `app: <name>`. */
export const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] }
    }
  }
})
