/**
 * The taint eviction controller against a real API server: pods on a node with a NoExecute taint
 * go at once, after their toleration, or never, and a taint removed in time cancels. The server
 * runs with `--default-unreachable-toleration-seconds 1`, so the pod defaults reach eviction too.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Taint, Toleration } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../../src/main/apiserver/client'
import { ensurePki } from '../../src/main/apiserver/pki'
import { startApiServer, type ApiServer } from '../../src/main/apiserver/server'
import { createInformerFactory } from '../../src/main/controllers/shared/informer-factory'
import type { RunningController } from '../../src/main/controllers/shared/run-workers'
import {
  startTaintEvictionController,
  tolerationSecondsFor
} from '../../src/main/controllers/taint-eviction-controller'
import { openStore, type Store } from '../../src/main/store'
import { memoryLog, until, type Json } from './fixture'

const POD = { apiVersion: 'v1', kind: 'Pod' }
const NODE = { apiVersion: 'v1', kind: 'Node' }
const EVENT = { apiVersion: 'v1', kind: 'Event' }
const NS = 'default'
const UNREACHABLE = 'node.kubernetes.io/unreachable'
const DRAIN = 'example.com/drain'

let dir: string
let store: Store
let server: ApiServer
let client: ApiClient
let controller: RunningController
const log = memoryLog()
const informers = (): ReturnType<typeof createInformerFactory> => createInformerFactory(client)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubedesk-taint-eviction-'))
  const pki = await ensurePki(dir, { sans: [] })
  store = await openStore({ backend: 'memory', compaction: { enabled: false } })
  server = await startApiServer({
    store,
    port: 0,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    authenticator: { authenticate: () => undefined },
    admission: { defaultUnreachableTolerationSeconds: 1 }
  })
  client = server.clientFor(
    { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
    'kube-controller-manager'
  )
  controller = startTaintEvictionController({ client, log, informers: informers() })
  await controller.ready
})
afterAll(async () => {
  await controller?.stop()
  await server?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const stamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

const createNode = (name: string): Promise<Json> =>
  client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } })

const setTaints = (node: string, taints: Taint[]): Promise<Json> =>
  client.patch(NODE, undefined, node, 'merge', { spec: { taints } })

const createPod = (name: string, nodeName: string, tolerations?: Toleration[]): Promise<Json> =>
  client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      nodeName,
      containers: [{ name: 'c', image: 'busybox' }],
      ...(tolerations ? { tolerations } : {})
    }
  })

/** True once the pod is gone or terminating (a bound pod is deleted gracefully). */
const deleted = async (name: string): Promise<boolean> => {
  try {
    return Boolean((await client.get<Json>(POD, NS, name)).metadata.deletionTimestamp)
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true
    throw err
  }
}

const messagesAbout = async (name: string): Promise<string[]> =>
  (await client.list<Json>(EVENT, { namespace: NS })).items
    .filter((e) => e.involvedObject.name === name && e.reason === 'TaintManagerEviction')
    .map((e) => e.message)

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('tolerationSecondsFor (getMinTolerationTime of the tolerations used)', () => {
  const taint: Taint = { key: DRAIN, effect: 'NoExecute' }
  it.each<[string, Toleration[], number | undefined]>([
    ['no toleration', [], undefined],
    ['another key', [{ key: 'other', operator: 'Exists' }], undefined],
    ['for ever', [{ key: DRAIN, operator: 'Exists', effect: 'NoExecute' }], Infinity],
    ['5 s', [{ key: DRAIN, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }], 5],
    [
      'the shortest of two',
      [
        { operator: 'Exists', tolerationSeconds: 60 },
        { key: DRAIN, operator: 'Exists', tolerationSeconds: 7 }
      ],
      7
    ],
    ['negative is now', [{ key: DRAIN, operator: 'Exists', tolerationSeconds: -3 }], 0],
    ['a value mismatch', [{ key: DRAIN, operator: 'Equal', value: 'x' }], undefined]
  ])('%s', (_name, tolerations, expected) => {
    expect(tolerationSecondsFor(taint, tolerations)).toBe(expected)
  })
})

describe('taint eviction controller', () => {
  it('evicts an intolerant pod at once, a 1 s one after 1 s, and leaves one tolerating for ever', async () => {
    await createNode('drained')
    await createPod('intolerant', 'drained')
    await createPod('brief', 'drained', [
      { key: DRAIN, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }
    ])
    await createPod('forever', 'drained', [{ key: DRAIN, operator: 'Exists' }])
    await sleep(100) // the informers see the pods
    const tainted = Date.now()
    await setTaints('drained', [{ key: DRAIN, effect: 'NoExecute', timeAdded: stamp() }])

    await until('intolerant pod deleted', () => deleted('intolerant'), 3000)
    expect(Date.now() - tainted).toBeLessThan(900)
    expect(await deleted('brief')).toBe(false)
    await until('1 s pod deleted', () => deleted('brief'), 4000)
    expect(Date.now() - tainted).toBeGreaterThanOrEqual(1000)

    await sleep(1000)
    expect(await deleted('forever')).toBe(false)
    expect(
      await until(
        'event',
        async () => (await messagesAbout('brief')).length > 0 && messagesAbout('brief')
      )
    ).toEqual(['Marking for deletion Pod default/brief'])
    const pod = await client.get<Json>(POD, NS, 'intolerant')
    expect(pod.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint'
      })
    )
  })

  it('an unreachable node: the default toleration (1 s here) runs out, then the pod goes', async () => {
    await createNode('lost')
    const pod = await createPod('defaulted', 'lost')
    expect(pod.spec.tolerations).toContainEqual({
      key: UNREACHABLE,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: 1
    })
    await sleep(100)
    const tainted = Date.now()
    await setTaints('lost', [
      { key: UNREACHABLE, effect: 'NoSchedule' },
      { key: UNREACHABLE, effect: 'NoExecute', timeAdded: stamp() }
    ])
    await sleep(500)
    expect(await deleted('defaulted')).toBe(false)
    await until('defaulted pod deleted', () => deleted('defaulted'), 4000)
    expect(Date.now() - tainted).toBeGreaterThanOrEqual(1000)
  })

  it('a taint removed before the toleration runs out cancels the eviction', async () => {
    await createNode('flaky')
    await createPod('patient', 'flaky', [
      { key: DRAIN, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }
    ])
    await sleep(100)
    await setTaints('flaky', [{ key: DRAIN, effect: 'NoExecute', timeAdded: stamp() }])
    await sleep(500)
    await setTaints('flaky', [])
    const cancelled = await until('cancel event', async () => {
      const m = await messagesAbout('patient')
      return m.length > 0 && m
    })
    expect(cancelled).toEqual(['Cancelling deletion of Pod default/patient'])
    await sleep(2000)
    expect(await deleted('patient')).toBe(false)
  })
})
