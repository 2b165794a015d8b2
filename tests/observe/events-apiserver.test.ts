/**
 * Events through a real API server (memory store, `eventTtlSeconds` short): the control plane's
 * recorder and the kubelet's, repeating an event, leave one Event with the count; an Event
 * expires its TTL after its last write, and a repeat after that creates it afresh.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Pod } from 'kubernetes-types/core/v1'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEventRecorder as kubeletRecorder } from '../../src/agent/kubelet/events'
import { silentLog } from '../../src/agent/log'
import type { ApiClient } from '../../src/main/apiserver/client'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../src/main/apiserver/server'
import type { KubeObject } from '../../src/main/apiserver/types'
import { createEventRecorder } from '../../src/main/observe/event-recorder'
import { openStore, type Store } from '../../src/main/store'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const EVENT = { apiVersion: 'v1', kind: 'Event' }
const TTL_SECONDS = 3

let dir: string
let store: Store
let server: ApiServer
let client: ApiClient

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubedesk-events-'))
  const pki = await ensurePki(dir, { sans: [] })
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: { authenticate: () => undefined },
    eventTtlSeconds: TTL_SECONDS
  })
  client = server.client
})

afterAll(async () => {
  await server?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function createPod(name: string): Promise<Pod> {
  return (await client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox' }] }
  } as KubeObject)) as Pod
}

async function eventsAbout(pod: string, reason?: string): Promise<Json[]> {
  const selector = [`involvedObject.name=${pod}`, ...(reason ? [`reason=${reason}`] : [])]
  const list = await client.list<Json>(EVENT, {
    namespace: 'default',
    fieldSelector: selector.join(',')
  })
  return list.items
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Records one event about `pod` as the named component would. */
type Emit = (pod: Pod) => { flush(): Promise<void> }

function scheduler(): Emit {
  const recorder = createEventRecorder(client, 'default-scheduler')
  return (pod) => {
    recorder.event(
      { ...pod, apiVersion: 'v1', kind: 'Pod' } as KubeObject,
      'Warning',
      'FailedScheduling',
      '0/3 nodes are available: 3 Insufficient cpu.'
    )
    return recorder
  }
}

function kubelet(reason: string, message: string): Emit {
  const recorder = kubeletRecorder(client, 'node-1', silentLog)
  return (pod) => {
    recorder.record(pod, 'Warning', reason, message, 'app')
    return recorder
  }
}

describe('events through the API server', () => {
  const cases = [
    { name: 'FailedScheduling from the scheduler', reason: 'FailedScheduling', emit: scheduler },
    {
      name: 'BackOff from the kubelet',
      reason: 'BackOff',
      emit: () => kubelet('BackOff', 'Back-off restarting failed container app')
    },
    {
      name: 'Unhealthy from the kubelet',
      reason: 'Unhealthy',
      emit: () => kubelet('Unhealthy', 'Readiness probe failed: ')
    }
  ]

  it.each(cases)('a repeated $name is one Event with the count', async ({ reason, emit }) => {
    const pod = await createPod(`repeat-${reason.toLowerCase()}`)
    const record = emit()
    const times = 4
    for (let i = 0; i < times; i++) {
      // The first two at once (writes about one Event must stay in order), then spread out.
      if (i > 1) await sleep(300)
      record(pod)
    }
    await record(pod).flush()
    const events = await eventsAbout(pod.metadata!.name!, reason)
    expect(events).toHaveLength(1)
    expect(events[0].count).toBe(times + 1)
    expect(events[0].involvedObject.uid).toBe(pod.metadata!.uid)
    expect(Date.parse(events[0].lastTimestamp)).toBeGreaterThanOrEqual(
      Date.parse(events[0].firstTimestamp)
    )
  })

  it('expires an Event --event-ttl after its last write; a repeat then creates it afresh', async () => {
    const pod = await createPod('expiring')
    const record = kubelet('BackOff', 'Back-off restarting failed container app')
    await record(pod).flush()
    await sleep(2000)
    await record(pod).flush() // a repeat renews the TTL
    const lastWrite = Date.now()
    await sleep(1500) // past the first write's TTL, within the repeat's
    expect(await eventsAbout('expiring')).toHaveLength(1)

    for (;;) {
      if ((await eventsAbout('expiring')).length === 0) break
      if (Date.now() - lastWrite > (TTL_SECONDS + 5) * 1000) throw new Error('never expired')
      await sleep(100)
    }
    expect(Date.now() - lastWrite).toBeGreaterThanOrEqual(TTL_SECONDS * 1000 - 100)

    await record(pod).flush()
    const [again] = await eventsAbout('expiring')
    expect(again.count).toBe(3)
  })
})
