/**
 * A real API server (memory store) plus kubelets on fake runtimes, with short intervals, for the
 * kubelet tests.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PodSpec } from 'kubernetes-types/core/v1'
import type { KubeletClient } from '../../../src/agent/api/types'
import type { KubeletConfig } from '../../../src/agent/config'
import { Kubelet } from '../../../src/agent/kubelet/kubelet'
import { createFakeRuntime, type FakeRuntime } from '../../../src/agent/runtime/fake/fake-runtime'
import { startApiServer, type ApiServer } from '../../../src/main/apiserver/server'
import { openStore, type Store } from '../../../src/main/store'
import { ensurePki } from '../../../src/main/apiserver/pki'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** A running API server and helpers. */
export interface Fixture {
  server: ApiServer
  store: Store
  dir: string
  admin: KubeletClient
  clientFor(node: string): KubeletClient
  config(node: string): KubeletConfig
  startKubelet(
    node: string,
    runtime?: FakeRuntime
  ): Promise<{ kubelet: Kubelet; runtime: FakeRuntime }>
  close(): Promise<void>
}

/** Starts the API server. */
export async function startFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-kubelet-'))
  const pki = await ensurePki(dir, { sans: [] })
  const store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  const server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: { authenticate: () => undefined }
  })
  const kubelets: Kubelet[] = []
  const clientFor = (node: string) =>
    server.clientFor(
      { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] },
      'kubelet'
    )
  const config = (node: string): KubeletConfig => ({
    nodeName: node,
    runtime: 'fake',
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    labels: { 'kubedesk.io/pool': 'test' },
    addresses: [
      { type: 'InternalIP', address: '172.30.0.5' },
      { type: 'Hostname', address: node }
    ],
    heartbeatSeconds: 1,
    leaseDurationSeconds: 40,
    nodeStatusReportSeconds: 60,
    backoff: { initialSeconds: 0.2, maxSeconds: 1 },
    qps: 50,
    burst: 100,
    rootDir: join(dir, node),
    hostRootDir: join(dir, node)
  })
  return {
    server,
    store,
    dir,
    admin: server.client,
    clientFor,
    config,
    async startKubelet(node, runtime = createFakeRuntime({ nodeName: node })) {
      const kubelet = new Kubelet({ config: config(node), client: clientFor(node), runtime })
      kubelets.push(kubelet)
      await kubelet.start()
      return { kubelet, runtime }
    },
    async close() {
      for (const k of kubelets) await k.stop()
      await server.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Polls `fn` until it returns a truthy value (rejects after `ms`). */
export async function until<T>(fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${ms} ms ${last ? String(last) : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A pod bound to `node`. */
export function pod(name: string, node: string, spec: Partial<PodSpec> = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      nodeName: node,
      containers: [{ name: 'c', image: 'busybox:1.36' }],
      terminationGracePeriodSeconds: 1,
      ...spec
    }
  }
}

/** The pod as the API has it. */
export async function getPod(f: Fixture, name: string): Promise<Json> {
  return f.admin.get({ apiVersion: 'v1', kind: 'Pod' }, 'default', name)
}

/** Events about pod `name`. */
export async function eventsOf(f: Fixture, name: string): Promise<Json[]> {
  const list = await f.admin.list({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'default' })
  return list.items.filter((e: Json) => e.involvedObject?.name === name)
}
