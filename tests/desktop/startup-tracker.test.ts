import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ControlPlane, type ProgressEvent } from '../../src/main/control-plane'
import { StartupTracker } from '../../src/main/desktop/startup-tracker'
import type { StartupState, StartupStep } from '../../src/shared/desktop-api'
import { eventually } from './fake-host'

const WORKERS = ['kubedesk-worker', 'kubedesk-worker2']

function controlPlaneIn(dataDir: string, tracker: StartupTracker, nodes = 2): ControlPlane {
  const controlPlane: ControlPlane = new ControlPlane({
    dataDir,
    store: 'sqlite',
    nodes,
    provider: 'simulated',
    port: 0,
    mergeUserKubeconfig: false,
    env: { HOME: dataDir, KUBECONFIG: join(dataDir, 'user-kubeconfig') },
    onProgress: (event) => tracker.onProgress(event)
  })
  return controlPlane
}

const byId = (state: StartupState): Map<string, StartupStep> =>
  new Map(state.steps.map((s) => [s.id, s]))

describe('StartupTracker on a real control plane start (simulated nodes)', () => {
  let dataDir: string
  let tracker: StartupTracker
  let controlPlane: ControlPlane
  const seen: StartupState[] = []
  let beforeStart: StartupState

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kd-startup-'))
    tracker = new StartupTracker({
      nodes: 2,
      dataDir,
      apiClient: () => controlPlane?.apiClient,
      // Every change is heard, so the test sees each stage (the throttle has its own test).
      throttleMs: 0
    })
    tracker.subscribe((state) => seen.push(state))
    controlPlane = controlPlaneIn(dataDir, tracker)
    beforeStart = tracker.current()
    await controlPlane.start()
    tracker.markRunning()
  })

  afterAll(async () => {
    tracker?.close()
    await controlPlane?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('lists every step from the start, in order, with the store running', () => {
    expect(beforeStart.phase).toBe('starting')
    expect(beforeStart.steps.map((s) => [s.title, s.state])).toEqual([
      ['Store', 'running'],
      ['API server', 'pending'],
      ['Scheduler', 'pending'],
      ['Controllers', 'pending'],
      ['Node image', 'pending'],
      ['Node kubedesk-worker', 'pending'],
      ['Node kubedesk-worker2', 'pending']
    ])
  })

  it('showed the stages one after the other while starting', () => {
    const apiserverRunning = seen.find((s) => byId(s).get('apiserver')?.state === 'running')
    expect(apiserverRunning).toBeDefined()
    expect(byId(apiserverRunning!).get('store')?.state).toBe('done')
    expect(byId(apiserverRunning!).get('scheduler')?.state).toBe('pending')
    // The last thing subscribers heard: the cluster is up (the steps stay).
    const last = seen[seen.length - 1]
    expect(last.phase).toBe('running')
    expect(last.steps.length).toBe(beforeStart.steps.length)
  })

  it('says running with every control-plane step done and explained', () => {
    const state = tracker.current()
    expect(state.phase).toBe('running')
    const steps = byId(state)
    for (const id of ['store', 'apiserver', 'scheduler', 'controllers', 'node-image']) {
      expect(steps.get(id)?.state, id).toBe('done')
    }
    expect(steps.get('store')?.message).toMatch(/^sqlite at .*store/)
    expect(steps.get('apiserver')?.message).toMatch(/^serving on https:\/\/127\.0\.0\.1:\d+/)
    expect(steps.get('node-image')?.message).toMatch(/not needed: simulated nodes/)
    expect(steps.get('node-image')?.progress).toBe(1)
  })

  it("keeps each step's progress messages and its component's log lines", () => {
    const steps = byId(tracker.current())
    const store = steps.get('store')!
    expect(store.log.some((l) => l.includes('opened store'))).toBe(true)
    expect(store.log.some((l) => l.startsWith('sqlite at'))).toBe(true)
    expect(steps.get('scheduler')!.log.length).toBeGreaterThan(0)
    for (const step of steps.values()) expect(step.log.length).toBeLessThanOrEqual(50)
  })

  it('follows each node from created to Ready', async () => {
    await eventually(
      'both nodes Ready',
      () => WORKERS.every((n) => byId(tracker.current()).get(`node/${n}`)?.state === 'done'),
      30_000
    )
    const steps = byId(tracker.current())
    for (const name of WORKERS) {
      const step = steps.get(`node/${name}`)!
      expect(step.progress).toBe(1)
      expect(step.message).toBe('Ready')
      expect(step.log.some((l) => l.startsWith('created'))).toBe(true)
    }
    // Subscribers heard the way there (a part-way progress), not only the end.
    const partway = seen.some((s) => {
      const p = byId(s).get('node/kubedesk-worker')?.progress
      return p !== undefined && p > 0 && p < 1
    })
    expect(partway).toBe(true)
  })
})

describe('StartupTracker when start-up fails', () => {
  it('fails the running step with the readable error (data directory in use)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kd-startup-fail-'))
    const first = new StartupTracker()
    const running = controlPlaneIn(dataDir, first, 0)
    await running.start()
    const tracker = new StartupTracker({ nodes: 1, dataDir })
    const second = controlPlaneIn(dataDir, tracker, 1)
    try {
      const err = await second.start().then(
        () => undefined,
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(Error)
      tracker.markFailed(err)
      const state = tracker.current()
      expect(state.phase).toBe('failed')
      expect(state.error).toMatch(/in use|running|lock/i)
      const store = byId(state).get('store')!
      expect(store.state).toBe('failed')
      expect(store.message).toBe(state.error)
      expect(byId(state).get('apiserver')?.state).toBe('pending')
    } finally {
      tracker.close()
      await second.stop().catch(() => undefined)
      await running.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('StartupTracker from progress events', () => {
  const feed = (tracker: StartupTracker, events: ProgressEvent[]): void => {
    for (const event of events) tracker.onProgress(event)
  }

  it('shows the docker node image build, and a present image as done without a build', () => {
    const building = new StartupTracker({ throttleMs: 0 })
    feed(building, [
      { component: 'data directory', message: '/d' },
      { component: 'store', message: 'sqlite at /d/store.db (revision 1)' },
      { component: 'nodes', message: 'docker provider (a Docker engine answers)' },
      {
        component: 'nodes',
        message: 'building node image kubedesk-node:abc (assembling root filesystem…)'
      }
    ])
    let image = byId(building.current()).get('node-image')!
    expect(image).toMatchObject({ state: 'running', progress: 0 })
    expect(byId(building.current()).get('apiserver')?.state).toBe('pending')
    feed(building, [
      { component: 'nodes', message: 'node image kubedesk-node:abc imported in 4.2 s' }
    ])
    image = byId(building.current()).get('node-image')!
    expect(image).toMatchObject({ state: 'done', progress: 1 })
    expect(byId(building.current()).get('apiserver')?.state).toBe('running')

    const present = new StartupTracker({ throttleMs: 0 })
    feed(present, [
      { component: 'store', message: 'memory' },
      { component: 'nodes', message: 'docker provider (asked)' },
      { component: 'kube-apiserver', message: 'serving on https://127.0.0.1:6443' }
    ])
    expect(byId(present.current()).get('node-image')?.state).toBe('done')
    expect(byId(present.current()).get('scheduler')?.state).toBe('running')
  })

  it('marks warnings, and a stopped node, as warnings', () => {
    const tracker = new StartupTracker({ nodes: 1, throttleMs: 0 })
    feed(tracker, [
      { component: 'kube-apiserver', message: 'port 6443 is taken; using 6444', warning: true },
      { component: 'kubeconfig', message: 'not merged into your kubeconfig', warning: true },
      {
        component: 'nodes',
        message: "kubedesk-worker: stopped (start it with 'kubedesk node start kubedesk-worker')"
      }
    ])
    const steps = byId(tracker.current())
    expect(steps.get('apiserver')).toMatchObject({
      state: 'warning',
      message: 'kubeconfig: not merged into your kubeconfig'
    })
    expect(steps.get('node/kubedesk-worker')?.state).toBe('warning')
  })

  it('adds a step for a node it did not expect (an adopted one)', () => {
    const tracker = new StartupTracker({ nodes: 1, throttleMs: 0 })
    tracker.onProgress({
      component: 'nodes',
      message: 'kubedesk-worker7: adopted (2 CPU, 2 GiB memory)'
    })
    const step = byId(tracker.current()).get('node/kubedesk-worker7')
    expect(step).toMatchObject({ title: 'Node kubedesk-worker7', state: 'running' })
    expect(step?.progress).toBeCloseTo(1 / 3)
  })

  it('notifies at most once per throttle window, with the latest state', () => {
    vi.useFakeTimers()
    try {
      const tracker = new StartupTracker({ nodes: 0, throttleMs: 100 })
      const heard: StartupState[] = []
      tracker.subscribe((s) => heard.push(s))
      for (let i = 0; i < 200; i++) {
        tracker.onProgress({
          component: 'nodes',
          message: `kubedesk-worker${i + 2}: created (1 CPU)`
        })
      }
      expect(heard).toHaveLength(1)
      vi.advanceTimersByTime(100)
      expect(heard).toHaveLength(2)
      expect(heard[1].steps.filter((s) => s.id.startsWith('node/'))).toHaveLength(200)
      tracker.markRunning() // phase changes are told at once
      expect(heard).toHaveLength(3)
      expect(heard[2].phase).toBe('running')
      tracker.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
