/**
 * The desktop host's periodic topics against a real control plane (two simulated nodes): the
 * cluster overview has the control-plane components and a kubelet and runtime per node, the
 * metrics snapshot has a series per node and pods by phase, the status topic pushes the status,
 * and while the control plane is still starting getStatus rejects readably and lists wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ControlPlane } from '../../src/main/control-plane'
import type { HostContext } from '../../src/main/desktop/host/host-context'
import { createReadTopics, type ReadTopics } from '../../src/main/desktop/host/read-topics'
import { getStatus } from '../../src/main/desktop/host/status'
import type {
  ClusterOverview,
  ListUpdate,
  MetricsSnapshot,
  NodeSummary,
  StartupState
} from '../../src/shared/desktop-api'
import type { ClusterStatus } from '../../src/shared/status'
import { podManifest, Recorder, startHostCluster, type HostCluster } from './host-fixture'

let cluster: HostCluster
let topics: ReadTopics

const WORKERS = ['kubedesk-worker', 'kubedesk-worker2']

describe('desktop host overview, metrics and status', () => {
  beforeAll(async () => {
    cluster = await startHostCluster({ nodes: 2 })
    // Short periods so the test need not wait for the UI's 2 s and 5 s.
    topics = createReadTopics(cluster.ctx, { statusIntervalMs: 200, metricsIntervalMs: 200 })
  }, 60_000)

  afterAll(async () => {
    topics?.close()
    await cluster?.stop()
  }, 60_000)

  it('cluster: the control-plane components, and a kubelet and runtime per node', async () => {
    const rec = new Recorder<ClusterOverview>()
    const stop = topics.cluster(rec.emit, rec.fail)
    try {
      const kubeletsRunning = () => {
        const last = rec.updates.at(-1)
        return WORKERS.every((n) =>
          last?.components.some(
            (c) => c.name === `kubelet-${n}` && c.role === 'kubelet' && c.state === 'running'
          )
        )
      }
      await rec.until('kubelets running', kubeletsRunning)
      const overview = rec.updates.at(-1)!
      const roles = new Map(overview.components.map((c) => [c.name, c.role]))
      expect(roles.get('etcd')).toBe('store')
      expect(roles.get('kube-apiserver')).toBe('apiserver')
      expect(roles.get('kube-scheduler')).toBe('scheduler')
      expect(roles.get('kube-controller-manager')).toBe('controller-manager')
      expect(roles.get('kube-proxy')).toBe('proxy')
      for (const node of WORKERS) {
        const runtime = overview.components.find((c) => c.role === 'runtime' && c.node === node)
        expect(runtime?.state).toBe('running')
      }
      expect(overview.components.find((c) => c.name === 'kube-apiserver')?.state).toBe('running')
      expect(overview.rates.apiRequestsPerSecond).toBeGreaterThanOrEqual(0)
      expect(rec.errors).toEqual([])
    } finally {
      stop()
    }
  })

  it('cluster: events written in the last minute are counted', async () => {
    await cluster.controlPlane.apiClient!.create(podManifest('counted'))
    const rec = new Recorder<ClusterOverview>()
    const stop = topics.cluster(rec.emit, rec.fail)
    try {
      // The pod's Scheduled, Pulled, Created, Started … events.
      await rec.until('events counted', () => (rec.updates.at(-1)?.rates.eventsPerMinute ?? 0) > 0)
    } finally {
      stop()
    }
  })

  it('metrics: a series per node, pods by phase and the API server series', async () => {
    const rec = new Recorder<MetricsSnapshot>()
    const stop = topics.metrics(rec.emit, rec.fail)
    try {
      await rec.until('node points and a pods-by-phase sample', () => {
        const last = rec.updates.at(-1)
        return (
          !!last &&
          WORKERS.every((n) => (last.nodes.find((s) => s.name === n)?.cpuCores.length ?? 0) > 0) &&
          last.podsByPhase.some((p) => p.points.length > 0)
        )
      })
      const snapshot = rec.updates.at(-1)!
      for (const name of WORKERS) {
        const node = snapshot.nodes.find((n) => n.name === name)!
        expect(node.memoryBytes.length).toBeGreaterThan(0)
      }
      expect(snapshot.podsByPhase.map((p) => p.phase)).toEqual([
        'Pending',
        'Running',
        'Succeeded',
        'Failed',
        'Unknown'
      ])
      const running = snapshot.podsByPhase.find((p) => p.phase === 'Running')!.points.at(-1)!
      // At least the pod the previous test made.
      expect(running.value).toBeGreaterThanOrEqual(1)
      expect(Array.isArray(snapshot.apiserver.requestRate)).toBe(true)
      expect(Array.isArray(snapshot.scheduler.throughput)).toBe(true)
    } finally {
      stop()
    }
  })

  it('nodes: once scraped, each node carries its usage', async () => {
    // The metrics test above waited for the first scrape of every worker.
    const rec = new Recorder<ListUpdate<NodeSummary>>()
    const stop = topics.nodes(rec.emit, rec.fail)
    try {
      await rec.until('the reset', () => rec.updates.length > 0)
      const reset = rec.updates[0]
      const workers = reset.reset ? reset.items.filter((n) => WORKERS.includes(n.name)) : []
      expect(workers).toHaveLength(2)
      for (const node of workers) {
        // Simulated containers use next to nothing, but the scrape's figures are there.
        expect(node.usage).toBeDefined()
        expect(node.usage!.memoryBytes).toBeGreaterThanOrEqual(0)
        expect(node.usage!.cpuMillis).toBeGreaterThanOrEqual(0)
      }
    } finally {
      stop()
    }
  })

  it('status: pushed at once and then periodically; getStatus answers', async () => {
    const rec = new Recorder<ClusterStatus>()
    const stop = topics.status(rec.emit)
    try {
      await rec.until('two statuses', () => rec.updates.length >= 2)
      expect(rec.updates[0].components.map((c) => c.name)).toContain('kube-apiserver')
      expect(rec.updates[0].nodeProvider?.name).toBe('simulated')
    } finally {
      stop()
    }
    const status = await getStatus(cluster.ctx)
    expect(status.store.backend).toBe('memory')
  })

  it('while the control plane starts, getStatus rejects readably and lists wait', async () => {
    const state: StartupState = {
      phase: 'starting',
      steps: [{ id: 'apiserver', title: 'API server', state: 'running', log: [] }]
    }
    const starting: HostContext = {
      controlPlane: {
        apiClient: undefined,
        metricsHistory: cluster.controlPlane.metricsHistory,
        status: () => cluster.controlPlane.status()
      } as unknown as ControlPlane,
      startup: { current: () => state, subscribe: () => () => undefined },
      dataDir: cluster.ctx.dataDir
    }
    await expect(getStatus(starting)).rejects.toThrow(
      'The cluster is starting (API server); try again in a moment'
    )
    const pollMs = 20
    const early = createReadTopics(starting, { pollMs })
    const rec = new Recorder<ListUpdate<NodeSummary>>()
    const stop = early.nodes(rec.emit, rec.fail)
    try {
      // Nothing yet, and no failure, however often it looked: the list waits for the API.
      await new Promise((r) => setTimeout(r, 10 * pollMs))
      expect(rec.updates).toEqual([])
      expect(rec.errors).toEqual([])
      // The API appears: the reset follows.
      ;(starting.controlPlane as unknown as { apiClient: unknown }).apiClient =
        cluster.controlPlane.apiClient
      await rec.until('the reset', () => rec.updates.length > 0)
      expect(rec.updates[0].reset).toBe(true)
    } finally {
      stop()
      early.close()
    }
  })

  it('a list fails readably when the control plane failed to start', async () => {
    const failed: HostContext = {
      controlPlane: { apiClient: undefined } as unknown as ControlPlane,
      startup: {
        current: () => ({ phase: 'failed', steps: [], error: 'port 6443 is taken' }),
        subscribe: () => () => undefined
      },
      dataDir: cluster.ctx.dataDir
    }
    const dead = createReadTopics(failed)
    const rec = new Recorder<ListUpdate<NodeSummary>>()
    dead.nodes(rec.emit, rec.fail)
    await rec.until('the failure', () => rec.errors.length > 0)
    expect(rec.errors).toEqual(['The cluster failed to start: port 6443 is taken'])
    dead.close()
  })
})
