/**
 * The assembled desktop host (`createDesktopHost`) as the transports serve it: topics reach
 * their parts, a topic that does not exist or a bad parameter ends the subscription with a
 * readable message, the startup topic starts with the state now, calls answer, and `close()`
 * ends every live subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDesktopHost } from '../../src/main/desktop/host/desktop-host'
import type {
  DesktopHostApi,
  ListUpdate,
  NodeSummary,
  PodSummary,
  ResourcesUpdate,
  StartupState
} from '../../src/shared/desktop-api'
import {
  applyUpdates,
  podManifest,
  Recorder,
  startHostCluster,
  type HostCluster
} from './host-fixture'

let cluster: HostCluster
let host: DesktopHostApi & { close(): void }

describe('createDesktopHost', () => {
  beforeAll(async () => {
    cluster = await startHostCluster({ nodes: 1 })
    host = createDesktopHost(cluster.ctx)
  }, 60_000)

  afterAll(async () => {
    host?.close()
    await cluster?.stop()
  }, 60_000)

  it('routes list topics to the read side', async () => {
    const rec = new Recorder<ListUpdate<NodeSummary>>()
    const stop = host.subscribe('nodes', {}, rec.emit, rec.fail)
    await rec.until('the worker', () => applyUpdates(rec.updates).has('kubedesk-worker'))
    stop()
    stop() // idempotent
    expect(rec.errors).toEqual([])
  })

  it('ends a subscription to an unknown topic or with a bad parameter, readably', () => {
    const unknown = new Recorder<unknown>()
    host.subscribe('widgets' as never, {} as never, unknown.emit, unknown.fail)
    expect(unknown.errors).toHaveLength(1)
    expect(unknown.errors[0]).toMatch(/^unknown topic "widgets" \(one of status, startup, /)

    const bad = new Recorder<ResourcesUpdate>()
    host.subscribe('resources', { kind: 'Pod', labelSelector: 'a b' }, bad.emit, bad.fail)
    expect(bad.errors).toEqual([
      `invalid label selector "a b": unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt`
    ])
    expect(bad.updates).toEqual([])
  })

  it('startup: the state now first', async () => {
    const rec = new Recorder<StartupState>()
    const stop = host.subscribe('startup', {}, rec.emit, rec.fail)
    await rec.until('the state', () => rec.updates.length > 0)
    stop()
    expect(rec.updates[0].phase).toBe('running')
  })

  it('calls: namespaces, status, a resource', async () => {
    expect(await host.listNamespaces()).toEqual(expect.arrayContaining(['default', 'kube-system']))
    expect((await host.getStatus()).store.backend).toBe('memory')
    const detail = await host.getResource({ ref: { kind: 'Namespace', name: 'default' } })
    expect(detail.yaml).toMatch(/^kind: Namespace$/m)
    await expect(host.getResource({ ref: { kind: 'Pod', name: 'x' } })).rejects.toThrow(
      'Pod x: a namespace is needed (Pod is namespaced)'
    )
  })

  it('close() ends live subscriptions and refuses new ones', async () => {
    const other = createDesktopHost(cluster.ctx)
    const rec = new Recorder<ListUpdate<PodSummary>>()
    other.subscribe('pods', {}, rec.emit, rec.fail)
    await rec.until('the reset', () => rec.updates.length > 0)
    other.close()
    const count = rec.updates.length
    // A pod the live host sees; the closed one must not.
    const live = new Recorder<ListUpdate<PodSummary>>()
    const stopLive = host.subscribe('pods', {}, live.emit, live.fail)
    await live.until('the reset', () => live.updates.length > 0)
    await cluster.controlPlane.apiClient!.create(podManifest('after-close'))
    await live.until('the pod', () => live.updates.some((u) => !u.reset))
    stopLive()
    const late = new Recorder<unknown>()
    other.subscribe('status', {}, late.emit, late.fail)
    expect(late.errors).toEqual(['the desktop host is closed'])
    expect(rec.updates.length).toBe(count)
  })
})
