/**
 * The scheduler's attempt hook (what the metrics history charts as scheduling throughput and
 * latency): one `scheduled` attempt per bound pod, `unschedulable` for a pod no node fits, each
 * with a latency that includes the binding.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../src/main/apiserver/server'
import { startScheduler, type SchedulingAttempt } from '../../src/main/scheduler/scheduler'
import { openStore, type Store } from '../../src/main/store'
import { makeNode, makePod } from './helpers'

let dir: string
let store: Store
let server: ApiServer
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubedesk-attempts-'))
  const pki = await ensurePki(dir, { sans: [] })
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: { authenticate: () => undefined }
  })
})

afterAll(async () => {
  await server?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('onAttempt', () => {
  it('reports each scheduled and unschedulable attempt with its latency', async () => {
    const client = server.client
    await client.create(makeNode('w1', { cpu: '1' }))
    const attempts: SchedulingAttempt[] = []
    const scheduler = startScheduler({ client, log: quiet, onAttempt: (a) => attempts.push(a) })
    try {
      await scheduler.ready
      for (const name of ['a', 'b', 'c']) await client.create(makePod(name, { cpu: '100m' }))
      await client.create(makePod('huge', { cpu: '8' }))
      const deadline = Date.now() + 10_000
      while (Date.now() < deadline) {
        const scheduled = attempts.filter((a) => a.result === 'scheduled').length
        if (scheduled === 3 && attempts.some((a) => a.result === 'unschedulable')) break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(attempts.filter((a) => a.result === 'scheduled')).toHaveLength(3)
      expect(attempts.some((a) => a.result === 'unschedulable')).toBe(true)
      expect(attempts.every((a) => a.latencyMs >= 0 && a.latencyMs < 10_000)).toBe(true)
      const pods = await client.list({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'default' })
      const bound = pods.items.filter((p) => (p.spec as { nodeName?: string }).nodeName === 'w1')
      expect(bound.map((p) => p.metadata.name).sort()).toEqual(['a', 'b', 'c'])
    } finally {
      scheduler.stop()
    }
  })
})
