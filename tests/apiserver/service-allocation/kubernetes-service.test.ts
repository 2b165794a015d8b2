/**
 * The `kubernetes` Service across API server restarts on one store: created once at
 * 10.96.0.1, its endpoints following the server's port, and a start that cannot write it (a
 * user's Service holds the address) still serving, with a warning in the log.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensurePki } from '../../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../../src/main/apiserver/server'
import { openStore, type Store } from '../../../src/main/store'
import { memoryLog } from '../../controllers/fixture'

const SVC = { apiVersion: 'v1', kind: 'Service' }
const EP = { apiVersion: 'v1', kind: 'Endpoints' }
const SLICE = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }

let dir: string
let store: Store
let tls: { cert: string; key: string }

async function serve(log = memoryLog('kube-apiserver')): Promise<ApiServer> {
  return startApiServer({
    store,
    port: 0,
    tls,
    authenticator: { authenticate: () => undefined },
    log
  })
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubedesk-kubernetes-svc-'))
  const pki = await ensurePki(dir, { sans: [] })
  tls = { cert: pki.serverCert, key: pki.serverKey }
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the kubernetes Service', () => {
  it('is created at 10.96.0.1 and its endpoints follow the API server port across restarts', async () => {
    const first = await serve()
    const svc = (await first.client.get(SVC, 'default', 'kubernetes')) as Json
    expect(svc.spec.clusterIP).toBe('10.96.0.1')
    expect(svc.spec.ports).toEqual([
      { name: 'https', port: 443, protocol: 'TCP', targetPort: first.port }
    ])
    await first.close()
    const second = await serve()
    const ep = (await second.client.get(EP, 'default', 'kubernetes')) as Json
    const slice = (await second.client.get(SLICE, 'default', 'kubernetes')) as Json
    expect(ep.subsets[0].ports[0].port).toBe(second.port)
    expect(slice.ports[0].port).toBe(second.port)
    expect(slice.endpoints[0].addresses).toEqual(['127.0.0.1'])
    expect(((await second.client.get(SVC, 'default', 'kubernetes')) as Json).metadata.uid).toBe(
      svc.metadata.uid
    )
    await second.close()
  })

  it('does not stop the API server when its address is taken; the squatter keeps it', async () => {
    const first = await serve()
    await first.client.delete(SVC, 'default', 'kubernetes')
    await first.client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'squatter', namespace: 'default' },
      spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }
    })
    await first.close()
    const log = memoryLog('kube-apiserver')
    const second = await serve(log)
    expect(log.lines.some((l) => l.startsWith('W cannot write the kubernetes Service'))).toBe(true)
    const squatter = (await second.client.get(SVC, 'default', 'squatter')) as Json
    expect(squatter.spec.clusterIP).toBe('10.96.0.1')
    await second.close()
  })
})
