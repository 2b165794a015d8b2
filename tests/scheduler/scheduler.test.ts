/**
 * The scheduler against a real in-process API server (memory store): Nodes created by the test,
 * pods without nodeName, and what a user would see — placements, events, PodScheduled.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Pod } from 'kubernetes-types/core/v1'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ApiClient } from '../../src/main/apiserver/client'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../src/main/apiserver/server'
import type { KubeObject } from '../../src/main/apiserver/types'
import { startScheduler } from '../../src/main/scheduler/scheduler'
import { openStore, type Store } from '../../src/main/store'
import { makeNode, makePod } from './helpers'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const NODE = { apiVersion: 'v1', kind: 'Node' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }

let dir: string
let store: Store
let server: ApiServer
let client: ApiClient
const lines: string[] = []
const log = {
  info: (m: string, v?: unknown) => lines.push(`${m} ${JSON.stringify(v ?? {})}`),
  warn: (m: string, v?: unknown) => lines.push(`WARN ${m} ${JSON.stringify(v ?? {})}`),
  error: (m: string, v?: unknown) => lines.push(`ERROR ${m} ${JSON.stringify(v ?? {})}`)
}
let stopScheduler: (() => void) | undefined

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubedesk-scheduler-'))
  const pki = await ensurePki(dir, { sans: [] })
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: { authenticate: () => undefined }
  })
  client = server.client
})

afterEach(async () => {
  stopScheduler?.()
  stopScheduler = undefined
  for (const p of (await client.list<Pod & KubeObject>(POD, { namespace: 'default' })).items) {
    await client.delete(POD, 'default', p.metadata.name!, { gracePeriodSeconds: 0 })
  }
  for (const n of (await client.list(NODE)).items)
    await client.delete(NODE, undefined, n.metadata.name!)
})

afterAll(async () => {
  await server?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/**
 * The client with watch events of bound pods held back until `release()`: the scheduler must
 * account its own bindings without waiting for the watch.
 */
function heldWatchClient(): { client: ApiClient; release(): void } {
  let held: (() => void)[] | undefined = []
  return {
    client: {
      ...client,
      watch: (type, opts, onEvent, onEnd) =>
        client.watch(
          type,
          opts,
          (e) => {
            const bound = (e.object as { spec?: { nodeName?: string } }).spec?.nodeName
            if (held && type.kind === 'Pod' && bound) held.push(() => onEvent(e))
            else onEvent(e)
          },
          onEnd
        )
    },
    release() {
      const list = held ?? []
      held = undefined
      for (const f of list) f()
    }
  }
}

async function start(schedulerClient = client): Promise<void> {
  const s = startScheduler({
    client: schedulerClient,
    log,
    queue: { initialBackoffMs: 100, maxBackoffMs: 400 }
  })
  stopScheduler = () => s.stop()
  await s.ready
}

async function eventually<T>(
  fn: () => Promise<T | undefined>,
  what: string,
  ms = 10_000
): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}\n${lines.slice(-10).join('\n')}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function placements(names: string[]): Promise<Record<string, string>> {
  return eventually(async () => {
    const out: Record<string, string> = {}
    for (const name of names) {
      const pod = await client.get<Pod & KubeObject>(POD, 'default', name)
      if (!pod.spec?.nodeName) return undefined
      out[name] = pod.spec.nodeName
    }
    return out
  }, `${names.length} pods bound`)
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) out[v] = (out[v] ?? 0) + 1
  return out
}

async function eventsOf(pod: string): Promise<KubeObject[]> {
  const list = await client.list(EVENT, { namespace: 'default' })
  return list.items.filter((e) => (e.involvedObject as { name: string }).name === pod)
}

const controlPlane = () =>
  makeNode('kubedesk-control-plane', {
    labels: { 'node-role.kubernetes.io/control-plane': '' },
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]
  })

describe('scheduler', () => {
  it('spreads 6 pods of one workload 2 per worker, never on the tainted control plane', async () => {
    for (const n of [controlPlane(), makeNode('w1'), makeNode('w2'), makeNode('w3')])
      await client.create(n)
    await start()
    const names = Array.from({ length: 6 }, (_, i) => `web-${i}`)
    for (const name of names)
      await client.create(makePod(name, { cpu: '100m', labels: { app: 'web' } }))
    const placed = await placements(names)
    expect(countBy(Object.values(placed))).toEqual({ w1: 2, w2: 2, w3: 2 })
    const events = await eventually(async () => {
      const e = await eventsOf('web-0')
      return e.length > 0 ? e : undefined
    }, 'a Scheduled event')
    expect(events[0]).toMatchObject({
      reason: 'Scheduled',
      type: 'Normal',
      message: `Successfully assigned default/web-0 to ${placed['web-0']}`,
      source: { component: 'default-scheduler' },
      reportingComponent: 'default-scheduler',
      count: 1
    })
    expect(lines.some((l) => l.startsWith('pod scheduled') && l.includes('default/web-0'))).toBe(
      true
    )
  })

  it('logs each decision with why the other nodes were not chosen', async () => {
    await client.create(makeNode('open', { cpu: '2' }))
    await client.create(makeNode('small', { cpu: '100m' }))
    await client.create(makeNode('cordoned', { unschedulable: true }))
    await start()
    await client.create(makePod('picky', { cpu: '500m' }))
    const line = await eventually(
      async () => lines.find((l) => l.startsWith('pod scheduled') && l.includes('default/picky')),
      'the decision logged'
    )
    const values = JSON.parse(line.slice('pod scheduled '.length)) as Record<string, unknown>
    expect(values).toMatchObject({
      pod: 'default/picky',
      node: 'open',
      rejected: {
        small: 'Insufficient cpu',
        cordoned: 'node(s) were unschedulable'
      }
    })
  })

  it('a burst of 30 pods respects capacity before the watch catches up', async () => {
    // 1 cpu per worker; 30 pods of 100m: 10 per node exactly fills all three.
    for (const n of [
      makeNode('w1', { cpu: '1' }),
      makeNode('w2', { cpu: '1' }),
      makeNode('w3', { cpu: '1' })
    ]) {
      await client.create(n)
    }
    const held = heldWatchClient()
    await start(held.client)
    const names = Array.from({ length: 31 }, (_, i) => `burst-${i}`)
    await Promise.all(names.map((n) => client.create(makePod(n, { cpu: '100m' }))))
    const placed = await eventually(async () => {
      const pods = (await client.list<Pod & KubeObject>(POD, { namespace: 'default' })).items
      const bound = pods.filter((p) => p.spec?.nodeName)
      return bound.length >= 30 ? bound : undefined
    }, '30 pods bound')
    expect(countBy(placed.map((p) => p.spec!.nodeName!))).toEqual({ w1: 10, w2: 10, w3: 10 })
    held.release()
    // The 31st stays pending with the resources message.
    const pending = (await client.list<Pod & KubeObject>(POD, { namespace: 'default' })).items.find(
      (p) => !p.spec?.nodeName
    )!
    const cond = await eventually(async () => {
      const p = await client.get<Pod & KubeObject>(POD, 'default', pending.metadata.name!)
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')
    }, 'PodScheduled=False')
    expect(cond.message).toBe(
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.'
    )
  })

  it('a pod too big for every node stays Pending with FailedScheduling, then goes to a bigger new node', async () => {
    for (const n of [controlPlane(), makeNode('w1'), makeNode('w2'), makeNode('w3')])
      await client.create(n)
    await start()
    await client.create(makePod('big', { cpu: '8' }))
    const message =
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. ' +
      'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.'
    const failed = await eventually(async () => {
      const e = (await eventsOf('big')).find((x) => x.reason === 'FailedScheduling')
      return e
    }, 'FailedScheduling')
    expect(failed).toMatchObject({
      type: 'Warning',
      message,
      source: { component: 'default-scheduler' }
    })
    const pod = await client.get<Pod & KubeObject>(POD, 'default', 'big')
    expect(pod.spec?.nodeName).toBeUndefined()
    expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message
    })
    await client.create(makeNode('big-worker', { cpu: '16' }))
    expect(await placements(['big'])).toEqual({ big: 'big-worker' })
  })

  it('puts a pod on the control plane only when it tolerates the taint, and honours nodeSelector', async () => {
    for (const n of [controlPlane(), makeNode('w1', { labels: { disk: 'ssd' } }), makeNode('w2')]) {
      await client.create(n)
    }
    await start()
    await client.create(
      makePod('admin', {
        spec: {
          nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
          tolerations: [
            {
              key: 'node-role.kubernetes.io/control-plane',
              operator: 'Exists',
              effect: 'NoSchedule'
            }
          ]
        }
      })
    )
    const fast = Array.from({ length: 4 }, (_, i) => `fast-${i}`)
    for (const n of fast)
      await client.create(makePod(n, { spec: { nodeSelector: { disk: 'ssd' } } }))
    await client.create(
      makePod('untolerating', {
        spec: { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } }
      })
    )
    const placed = await placements(['admin', ...fast])
    expect(placed.admin).toBe('kubedesk-control-plane')
    for (const n of fast) expect(placed[n]).toBe('w1')
    const failed = await eventually(
      async () => (await eventsOf('untolerating')).find((x) => x.reason === 'FailedScheduling'),
      'FailedScheduling'
    )
    expect(failed.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.'
    )
  })

  it('ignores pods for another scheduler and retries after a pod is deleted', async () => {
    await client.create(makeNode('w1', { pods: '1' }))
    await start()
    await client.create(makePod('other', { spec: { schedulerName: 'my-scheduler' } }))
    await client.create(makePod('first'))
    expect(await placements(['first'])).toEqual({ first: 'w1' })
    await client.create(makePod('second'))
    await eventually(
      async () => (await eventsOf('second')).find((x) => x.reason === 'FailedScheduling'),
      'failure'
    )
    await client.delete(POD, 'default', 'first', { gracePeriodSeconds: 0 })
    expect(await placements(['second'])).toEqual({ second: 'w1' })
    const other = await client.get<Pod & KubeObject>(POD, 'default', 'other')
    expect(other.spec?.nodeName).toBeUndefined()
  })
})
