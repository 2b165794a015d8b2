/**
 * A real API server on the memory store for the controller tests, its in-process admin client,
 * a log that keeps lines in memory, and a poll helper.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ApiClient } from '../../src/main/apiserver/client'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../src/main/apiserver/server'
import type { ComponentLog } from '../../src/main/observe/component-log'
import { openStore, type Store } from '../../src/main/store'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** A started server. */
export interface ControllerFixture {
  server: ApiServer
  store: Store
  client: ApiClient
  log: ComponentLog & { lines: string[] }
  close(): Promise<void>
}

/** A log keeping its lines (level, message, values) in memory. */
export function memoryLog(component = 'kube-controller-manager'): ComponentLog & {
  lines: string[]
} {
  const lines: string[] = []
  const add = (level: string) => (message: string, values?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(values ?? {})}`)
  return {
    component,
    file: '/dev/null',
    lines,
    info: add('I'),
    warn: add('W'),
    error: add('E'),
    close: () => undefined
  }
}

/** Starts the API server. */
export async function startControllerFixture(): Promise<ControllerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-controllers-'))
  const pki = await ensurePki(dir, { sans: [] })
  const store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  const server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: { authenticate: () => undefined }
  })
  const client = server.clientFor(
    { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
    'kube-controller-manager'
  )
  return {
    server,
    store,
    client,
    log: memoryLog(),
    async close() {
      await server.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Polls `check` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000
): Promise<Exclude<T, false | undefined | null | 0 | ''>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as Exclude<T, false | undefined | null | 0 | ''>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Marks a pod Running and Ready, as a kubelet would. */
export async function markReady(client: ApiClient, namespace: string, name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  await client.patch(
    { apiVersion: 'v1', kind: 'Pod' },
    namespace,
    name,
    'merge',
    {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }]
      }
    },
    { subresource: 'status' }
  )
}

/** Pods labelled `app=<app>` in `namespace` that are not being deleted. */
export async function activePods(
  client: ApiClient,
  namespace: string,
  app: string
): Promise<Json[]> {
  const list = await client.list<Json>(
    { apiVersion: 'v1', kind: 'Pod' },
    { namespace, labelSelector: `app=${app}` }
  )
  return list.items.filter((p: Json) => !p.metadata.deletionTimestamp)
}
