/**
 * 410 Expired after a forced compaction, as clients see it. kubectl: a watch from a compacted
 * resourceVersion is refused with the words kubectl prints. A `@kubernetes/client-node` informer keeps its cache right across a forced 410: while its
 * connection is down, objects change and the store compacts past the informer's
 * resourceVersion; when it reconnects the watch is answered 410 Expired, the informer re-lists,
 * and its cache ends with exactly the live objects (deletes it missed included).
 *
 * The server runs in-process so the test can call `store.compact()`; the informer talks to it
 * through a TCP relay on 127.0.0.1 that the test cuts to simulate a dropped connection.
 */
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { KubeConfig, KubernetesListObject, V1ConfigMap } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  kubectlAt,
  loadClientNode,
  startInProcessServer,
  writeKubeconfig,
  type InProcessServer
} from '../../helpers/cluster'

const NS = 'default'
const SELECTOR = 'informer-test=yes'

let k8s: Awaited<ReturnType<typeof loadClientNode>>
let server: InProcessServer
let relay: Relay

/** A TCP relay that can drop every connection and refuse new ones until restored. */
interface Relay {
  port: number
  cut(): void
  restore(): void
  close(): Promise<void>
}

async function startRelay(target: URL): Promise<Relay> {
  const sockets = new Set<Socket>()
  let open = true
  const srv: Server = createServer((client) => {
    if (!open) return client.destroy()
    const upstream = connect(Number(target.port), target.hostname)
    sockets.add(client).add(upstream)
    const drop = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream).pipe(client)
  })
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const address = srv.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut() {
      open = false
      for (const s of sockets) s.destroy()
      sockets.clear()
    },
    restore() {
      open = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        srv.close(() => resolve())
      })
  }
}

/** A KubeConfig for the server's admin credential, reaching it at `server` (the relay or direct). */
function kubeConfigFor(serverUrl: string): KubeConfig {
  const kc = new k8s.KubeConfig()
  kc.loadFromOptions({
    clusters: [
      { name: 'kd', server: serverUrl, caData: Buffer.from(server.access.ca).toString('base64') }
    ],
    users: [{ name: 'admin', token: server.access.token }],
    contexts: [{ name: 'kd', cluster: 'kd', user: 'admin' }],
    currentContext: 'kd'
  })
  return kc
}

const until = async (what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  k8s = await loadClientNode()
  server = await startInProcessServer()
  relay = await startRelay(new URL(server.access.server))
})

afterAll(async () => {
  await relay?.close()
  await server?.stop()
})

describe('client-node informer across a forced 410', () => {
  it('re-lists after the store compacted past its resourceVersion and ends with the live set', async () => {
    const direct = kubeConfigFor(server.access.server).makeApiClient(k8s.CoreV1Api)
    const create = (name: string, v = '1') =>
      direct.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name, labels: { 'informer-test': 'yes' } }, data: { v } }
      })
    await create('keep')
    await create('gone')

    const viaRelay = kubeConfigFor(`https://127.0.0.1:${relay.port}`)
    const api = viaRelay.makeApiClient(k8s.CoreV1Api)
    let lists = 0
    const informer = k8s.makeInformer<V1ConfigMap>(
      viaRelay,
      `/api/v1/namespaces/${NS}/configmaps`,
      async () => {
        lists++
        return (await api.listNamespacedConfigMap({
          namespace: NS,
          labelSelector: SELECTOR
        })) as KubernetesListObject<V1ConfigMap>
      },
      SELECTOR
    )
    const deleted: string[] = []
    informer.on('delete', (cm) => deleted.push(cm.metadata!.name!))
    // The documented client-node pattern: an informer stops on a connection error; restart it.
    let errors = 0
    let restartAllowed = false
    informer.on('error', () => {
      errors++
      const retry = (): void => {
        if (restartAllowed) void informer.start()
        else setTimeout(retry, 50)
      }
      setTimeout(retry, 50)
    })
    await informer.start()
    try {
      const names = () =>
        informer
          .list(NS)
          .map((c) => c.metadata!.name!)
          .sort()
      await until('the initial list', () => names().join() === 'gone,keep')
      expect(lists).toBe(1)

      // The watch is live: a change arrives without a re-list.
      await direct.patchNamespacedConfigMap(
        { namespace: NS, name: 'keep', body: { data: { v: '2' } } },
        mergePatch()
      )
      await until('the live MODIFIED event', () => informer.get('keep', NS)?.data?.v === '2')

      relay.cut()
      await until('the informer noticing the dropped connection', () => errors > 0)
      // Changes the informer cannot see, then history below them discarded.
      await direct.deleteNamespacedConfigMap({ namespace: NS, name: 'gone' })
      await direct.patchNamespacedConfigMap(
        { namespace: NS, name: 'keep', body: { data: { v: '3' } } },
        mergePatch()
      )
      await create('new')
      await server.store.compact(await server.store.revision())

      relay.restore()
      restartAllowed = true
      await until(
        'the re-listed cache',
        () => names().join() === 'keep,new' && informer.get('keep', NS)?.data?.v === '3'
      )
      expect(lists, 'the informer should re-list after a 410 Expired').toBe(2)
      expect(deleted).toContain('gone')

      // And it watches again from the fresh list.
      await create('after')
      await until('a watch event after the re-list', () => names().join() === 'after,keep,new')
    } finally {
      await informer.stop()
    }
  })
})

/** client-node v2 picks the patch content type through a header option. */
function mergePatch() {
  return k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
}

describe('kubectl and a compacted resourceVersion', () => {
  it('a watch from below the compaction point answers 410 Expired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-410-'))
    try {
      const kubeconfig = join(dir, 'kubeconfig')
      writeKubeconfig(server.access, kubeconfig)
      const cm = (name: string) =>
        server.request({
          method: 'POST',
          path: `/api/v1/namespaces/${NS}/configmaps`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } })
        })
      expect((await cm('before-compaction')).status).toBe(201)
      const old = (await server.request({ path: `/api/v1/namespaces/${NS}/configmaps` })).json as {
        metadata: { resourceVersion: string }
      }
      expect((await cm('after-compaction')).status).toBe(201)
      await server.store.compact(await server.store.revision())

      const watch = await kubectlAt(kubeconfig, join(dir, 'cache'), [
        'get',
        '--raw',
        `/api/v1/namespaces/${NS}/configmaps?watch=1&resourceVersion=${old.metadata.resourceVersion}&timeoutSeconds=5`
      ])
      // kube-apiserver answers either an HTTP 410 (kubectl prints the Status) or a 200 stream
      // whose only event is an ERROR carrying the same Status; both are in the wild.
      if (watch.code === 0) {
        const events = watch.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
        expect(events).toHaveLength(1)
        expect(events[0]).toMatchObject({
          type: 'ERROR',
          object: { kind: 'Status', code: 410, reason: 'Expired' }
        })
      } else {
        expect(watch.stderr).toMatch(/^Error from server \(Expired\): .+/)
      }

      // A list at the compacted revision is refused the same way (always an HTTP 410).
      const list = await kubectlAt(kubeconfig, join(dir, 'cache'), [
        'get',
        '--raw',
        `/api/v1/namespaces/${NS}/configmaps?resourceVersion=${old.metadata.resourceVersion}&resourceVersionMatch=Exact`
      ])
      expect(list.code).toBe(1)
      expect(list.stderr).toMatch(/^Error from server \(Expired\): .+/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
