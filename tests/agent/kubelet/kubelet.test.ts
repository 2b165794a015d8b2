/**
 * The kubelet against a real in-process API server and the fake runtime: node registration and
 * lease, pods running with status and events, restarts with back-off, init containers, env
 * resolution, probes, image pull failures, deletion, adoption after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kubelet } from '../../../src/agent/kubelet/kubelet'
import type { FakeRuntime } from '../../../src/agent/runtime/fake/fake-runtime'
import {
  eventsOf,
  getPod,
  pod,
  startFixture,
  until,
  type Fixture,
  type Json
} from './kubelet-fixture'

const NODE = 'n1'
const POD = { apiVersion: 'v1', kind: 'Pod' }
let f: Fixture
let runtime: FakeRuntime
let kubelet: Kubelet

beforeAll(async () => {
  f = await startFixture()
  ;({ kubelet, runtime } = await f.startKubelet(NODE))
})
afterAll(async () => {
  await f?.close()
})

const status =
  (name: string, c = 'c') =>
  async () => {
    const p = await getPod(f, name)
    return p.status?.containerStatuses?.find((s: Json) => s.name === c)
  }

describe('kubelet', () => {
  it('registers its node with labels, capacity, conditions and renews its lease', async () => {
    const node: Json = await f.admin.get({ apiVersion: 'v1', kind: 'Node' }, undefined, NODE)
    expect(node.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': NODE,
      'kubernetes.io/os': 'linux',
      'node-role.kubernetes.io/worker': '',
      'kubedesk.io/pool': 'test'
    })
    expect(node.status.capacity).toMatchObject({ cpu: '2', memory: '4Gi', pods: '110' })
    expect(node.status.allocatable.cpu).toBe('2')
    const ready = node.status.conditions.find((c: Json) => c.type === 'Ready')
    expect(ready).toMatchObject({ status: 'True', reason: 'KubeletReady' })
    expect(node.status.conditions.find((c: Json) => c.type === 'MemoryPressure').status).toBe(
      'False'
    )
    expect(node.status.nodeInfo.containerRuntimeVersion).toBe('fake://0.1.0')
    expect(node.status.nodeInfo.kubeletVersion).toMatch(/^v1\.32\./)
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '172.30.0.5' })
    const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }
    const first: Json = await f.admin.get(LEASE, 'kube-node-lease', NODE)
    expect(first.spec.holderIdentity).toBe(NODE)
    expect(first.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    expect(first.metadata.ownerReferences[0]).toMatchObject({
      kind: 'Node',
      uid: node.metadata.uid
    })
    const renewed = await until(async () => {
      const l: Json = await f.admin.get(LEASE, 'kube-node-lease', NODE)
      return l.spec.renewTime !== first.spec.renewTime && l
    })
    expect(renewed.spec.renewTime > first.spec.renewTime).toBe(true)
  })

  it('runs a pod: Running, podIP, Ready, events Pulled/Created/Started', async () => {
    await f.admin.create(pod('web', NODE))
    const p = await until(async () => {
      const x = await getPod(f, 'web')
      return (
        x.status?.phase === 'Running' &&
        x.status.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True') &&
        x
      )
    })
    const cs = p.status.containerStatuses[0]
    expect(cs).toMatchObject({
      name: 'c',
      ready: true,
      started: true,
      restartCount: 0,
      image: 'busybox:1.36'
    })
    expect(cs.state.running.startedAt).toBeTruthy()
    expect(cs.containerID).toMatch(/^fake:\/\//)
    expect(p.status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    expect(p.status.hostIP).toBe('172.30.0.5')
    const reasons = await until(async () => {
      const r = (await eventsOf(f, 'web')).map((e) => e.reason)
      return r.includes('Started') && r
    })
    expect(reasons).toEqual(expect.arrayContaining(['Pulling', 'Pulled', 'Created', 'Started']))
    const started = (await eventsOf(f, 'web')).find((e) => e.reason === 'Started')
    expect(started).toMatchObject({
      message: 'Started container c',
      source: { component: 'kubelet', host: NODE },
      involvedObject: { fieldPath: 'spec.containers{c}' }
    })
    // Nothing changes, so nothing is written: the pod's resourceVersion stays.
    const rv = (await getPod(f, 'web')).metadata.resourceVersion
    await new Promise((r) => setTimeout(r, 1500))
    expect((await getPod(f, 'web')).metadata.resourceVersion).toBe(rv)
  })

  it('crash loops a failing container with growing delays (restartPolicy Always)', async () => {
    const env = [{ name: 'KUBEDESK_FAKE_EXIT_CODE', value: '1' }]
    await f.admin.create(
      pod('crash', NODE, { containers: [{ name: 'c', image: 'busybox:1.36', env }] })
    )
    const seen: Json[] = []
    const runs = new Map<number, { startedAt: number; finishedAt?: number }>()
    const cs = await until(async () => {
      const s = await status('crash')()
      if (s) seen.push(s)
      for (const c of await runtime.listContainers({
        labels: { 'io.kubernetes.pod.name': 'crash' }
      }))
        if (c.startedAt)
          runs.set(c.attempt, {
            startedAt: +c.startedAt,
            finishedAt: c.finishedAt && +c.finishedAt
          })
      return s?.restartCount >= 4 && s.state.waiting?.reason === 'CrashLoopBackOff' && s
    }, 20_000)
    // The pause before each restart grows: 0, then 0.2 s, 0.4 s, 0.8 s (doubling up to 1 s).
    const gaps = [1, 2, 3].map((k) => runs.get(k + 1)!.startedAt - runs.get(k)!.finishedAt!)
    expect(gaps[0]).toBeGreaterThanOrEqual(150)
    expect(gaps[1]).toBeGreaterThanOrEqual(350)
    expect(gaps[2]).toBeGreaterThan(gaps[0] + 200)
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' })
    expect(seen.some((s) => s.state.waiting?.reason === 'CrashLoopBackOff')).toBe(true)
    const p = await getPod(f, 'crash')
    expect(p.status.phase).toBe('Running')
    const all = await runtime.listContainers({ podUid: p.metadata.uid })
    expect(all.length).toBeLessThanOrEqual(3) // the running/last one and the previous one
    const backoff = (await eventsOf(f, 'crash')).find((e) => e.reason === 'BackOff')
    expect(backoff.count).toBeGreaterThan(1) // the same event again bumps its count
    expect(backoff.message).toBe(
      `Back-off restarting failed container c in pod crash_default(${p.metadata.uid})`
    )
  })

  it('marks a pod Failed with restartPolicy Never and keeps the exit code', async () => {
    const env = [{ name: 'KUBEDESK_FAKE_EXIT_CODE', value: '3' }]
    await f.admin.create(
      pod('once', NODE, {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox:1.36', env }]
      })
    )
    const p = await until(async () => {
      const x = await getPod(f, 'once')
      return x.status?.phase === 'Failed' && x
    })
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error'
    })
    expect(p.status.containerStatuses[0].restartCount).toBe(0)
  })

  it('runs init containers in order before the containers', async () => {
    const quick = [{ name: 'KUBEDESK_FAKE_RUN_SECONDS', value: '0.1' }]
    await f.admin.create(
      pod('init', NODE, {
        initContainers: [
          { name: 'first', image: 'busybox:1.36', env: quick },
          { name: 'second', image: 'busybox:1.36', env: quick }
        ]
      })
    )
    const p = await until(async () => {
      const x = await getPod(f, 'init')
      return x.status?.phase === 'Running' && x
    })
    const [a, b] = p.status.initContainerStatuses
    expect(a.state.terminated.reason).toBe('Completed')
    expect(b.state.terminated.reason).toBe('Completed')
    expect(Date.parse(b.state.terminated.startedAt)).toBeGreaterThanOrEqual(
      Date.parse(a.state.terminated.finishedAt)
    )
    expect(p.status.conditions.find((c: Json) => c.type === 'Initialized').status).toBe('True')
  })

  it('resolves env from ConfigMap, Secret and fieldRef and expands $(VAR)', async () => {
    await f.admin.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'default' },
      data: { mode: 'fast' }
    })
    await f.admin.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sec', namespace: 'default' },
      data: { token: Buffer.from('s3cret').toString('base64') }
    })
    await f.admin.create(
      pod('env', NODE, {
        volumes: [{ name: 'conf', configMap: { name: 'cfg' } }],
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            command: ['echo', '$(MODE)', '$$(MODE)'],
            volumeMounts: [{ name: 'conf', mountPath: '/etc/conf' }],
            resources: { limits: { cpu: '500m', memory: '64Mi' } },
            env: [
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'token' } } },
              {
                name: 'MISSING',
                valueFrom: { secretKeyRef: { name: 'nope', key: 'x', optional: true } }
              },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'GREETING', value: 'hi $(POD)' }
            ]
          }
        ]
      })
    )
    const cs = await until(status('env'))
    await until(async () => (await status('env')())?.state?.running)
    const id = (await status('env')()).containerID.replace('fake://', '')
    const config = runtime.inspect(id)!
    const env = Object.fromEntries(config.env.map((e) => [e.name, e.value]))
    expect(env).toMatchObject({
      MODE: 'fast',
      TOKEN: 's3cret',
      POD: 'env',
      NODE: NODE,
      GREETING: 'hi env'
    })
    expect(env.IP).toMatch(/^\d+\./)
    expect(env).not.toHaveProperty('MISSING')
    expect(config.command).toEqual(['echo', 'fast', '$(MODE)'])
    expect(config.resources).toEqual({ cpuMillis: 500, memoryBytes: 64 * 2 ** 20 })
    const mount = config.mounts.find((m) => m.containerPath === '/etc/conf')!
    const { readFileSync } = await import('node:fs')
    expect(readFileSync(`${mount.hostPath}/mode`, 'utf8')).toBe('fast')
    expect(cs.name).toBe('c')
  })

  it('reports FailedMount for a missing ConfigMap and starts once it exists', async () => {
    await f.admin.create(
      pod('mount', NODE, {
        volumes: [{ name: 'v', configMap: { name: 'later' } }],
        containers: [
          { name: 'c', image: 'busybox:1.36', volumeMounts: [{ name: 'v', mountPath: '/v' }] }
        ]
      })
    )
    const failed = await until(async () =>
      (await eventsOf(f, 'mount')).find((e) => e.reason === 'FailedMount')
    )
    expect(failed.message).toContain('configmap "later" not found')
    expect((await status('mount')())?.state.waiting.reason).toBe('ContainerCreating')
    await f.admin.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'later', namespace: 'default' },
      data: { a: '1' }
    })
    await until(async () => (await status('mount')())?.state?.running)
  })

  it('restarts a container whose liveness probe fails, with Unhealthy and Killing events', async () => {
    const probe = { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 }
    await f.admin.create(
      pod('live', NODE, {
        containers: [{ name: 'c', image: 'busybox:1.36', livenessProbe: probe }]
      })
    )
    await until(async () => (await status('live')())?.restartCount >= 1, 20_000)
    const events = await eventsOf(f, 'live')
    expect(events.find((e) => e.reason === 'Unhealthy')?.message).toMatch(/^Liveness probe failed/)
    expect(events.find((e) => e.reason === 'Killing')?.message).toBe(
      'Container c failed liveness probe, will be restarted'
    )
  })

  it('keeps Ready False while the readiness probe fails', async () => {
    const probe = {
      exec: { command: ['sh', '-c', 'exit 1'] },
      periodSeconds: 1,
      failureThreshold: 1
    }
    await f.admin.create(
      pod('unready', NODE, {
        containers: [{ name: 'c', image: 'busybox:1.36', readinessProbe: probe }]
      })
    )
    await until(async () => (await eventsOf(f, 'unready')).some((e) => e.reason === 'Unhealthy'))
    const p = await getPod(f, 'unready')
    expect(p.status.phase).toBe('Running')
    expect(p.status.containerStatuses[0].ready).toBe(false)
    expect(p.status.conditions.find((c: Json) => c.type === 'Ready').status).toBe('False')
    expect(p.status.conditions.find((c: Json) => c.type === 'ContainersReady').status).toBe('False')
  })

  it('reports ErrImagePull then ImagePullBackOff for an image that does not exist', async () => {
    await f.admin.create(
      pod('noimage', NODE, { containers: [{ name: 'c', image: 'example/does-not-exist:1' }] })
    )
    const reasons = new Set<string>()
    await until(async () => {
      const s = await status('noimage')()
      if (s?.state.waiting) reasons.add(s.state.waiting.reason)
      return reasons.has('ImagePullBackOff') && s
    })
    const s = await status('noimage')()
    expect(s.state.waiting.message).toContain('pull access denied for example/does-not-exist')
    const events = await eventsOf(f, 'noimage')
    expect(events.some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull')).toBe(
      true
    )
    expect((await getPod(f, 'noimage')).status.phase).toBe('Pending')
  })

  it('stops containers of a deleted pod and the pod disappears', async () => {
    const p = await getPod(f, 'web')
    await f.admin.delete(POD, 'default', 'web')
    await until(async () => {
      try {
        await getPod(f, 'web')
        return false
      } catch (err) {
        return (err as { code?: number }).code === 404
      }
    })
    expect(await runtime.listContainers({ podUid: p.metadata.uid })).toEqual([])
    expect(await runtime.listPodSandboxes({ podUid: p.metadata.uid })).toEqual([])
    expect(
      (await eventsOf(f, 'web')).some(
        (e) => e.reason === 'Killing' && e.message === 'Stopping container c'
      )
    ).toBe(true)
  })

  it('completes a pod with restartPolicy OnFailure once its container exits 0', async () => {
    const env = [{ name: 'KUBEDESK_FAKE_RUN_SECONDS', value: '0.2' }]
    await f.admin.create(
      pod('job', NODE, {
        restartPolicy: 'OnFailure',
        containers: [{ name: 'c', image: 'busybox:1.36', env }]
      })
    )
    const p = await until(async () => {
      const x = await getPod(f, 'job')
      return x.status?.phase === 'Succeeded' && x
    })
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed'
    })
    // Finished containers stay (for logs) until the pod is deleted.
    expect(await runtime.listContainers({ podUid: p.metadata.uid })).toHaveLength(1)
  })

  it('kills the containers of a pod force-deleted from the API', async () => {
    await f.admin.create(pod('forced', NODE))
    await until(async () => (await status('forced')())?.state?.running)
    const uid = (await getPod(f, 'forced')).metadata.uid
    await f.admin.delete(POD, 'default', 'forced', { gracePeriodSeconds: 0 })
    await until(async () => (await runtime.listPodSandboxes({ podUid: uid })).length === 0)
    expect(await runtime.listContainers({ podUid: uid })).toEqual([])
  })

  it('runs the preStop hook before stopping a deleted pod', async () => {
    const preStop = { exec: { command: ['sh', '-c', 'exit 1'] } }
    await f.admin.create(
      pod('hooked', NODE, {
        containers: [{ name: 'c', image: 'busybox:1.36', lifecycle: { preStop } }]
      })
    )
    await until(async () => (await status('hooked')())?.state?.running)
    await f.admin.delete(POD, 'default', 'hooked')
    const hook = await until(async () =>
      (await eventsOf(f, 'hooked')).find((e) => e.reason === 'FailedPreStopHook')
    )
    expect(hook.involvedObject.fieldPath).toBe('spec.containers{c}')
    await until(async () =>
      getPod(f, 'hooked').then(
        () => false,
        (err) => err.code === 404
      )
    )
  })

  it('restarts a container when the pod spec changes its image', async () => {
    await f.admin.create(pod('retag', NODE))
    const before = await until(async () => {
      const s = await status('retag')()
      return s?.state?.running && s
    })
    await f.admin.patch(POD, 'default', 'retag', 'strategic', {
      spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] }
    })
    const after = await until(async () => {
      const s = await status('retag')()
      return s?.state?.running && s.containerID !== before.containerID && s
    })
    expect(after).toMatchObject({ image: 'busybox:1.37', restartCount: 1 })
    const killing = (await eventsOf(f, 'retag')).find((e) => e.reason === 'Killing')
    expect(killing.message).toBe('Container c definition changed, will be restarted')
  })

  it('puts its pod status back when another writer changes it', async () => {
    await f.admin.create(pod('overwritten', NODE))
    const running = await until(async () => {
      const p = await getPod(f, 'overwritten')
      return p.status?.phase === 'Running' && p
    })
    // Twice: the first overwrite may meet a sync the kubelet had coming anyway.
    for (let round = 0; round < 2; round++) {
      const current = await getPod(f, 'overwritten')
      await f.admin.updateStatus({
        ...current,
        status: { ...current.status, phase: 'Pending', containerStatuses: [] }
      })
      const restored = await until(async () => {
        const p = await getPod(f, 'overwritten')
        return p.status?.phase === 'Running' && p.status.containerStatuses?.length === 1 && p
      })
      expect(restored.status.containerStatuses[0]).toMatchObject({
        name: 'c',
        ready: true,
        containerID: running.status.containerStatuses[0].containerID
      })
    }
  })

  it('does not sync again on the echo of its own status write', async () => {
    await f.admin.create(pod('echoed', NODE))
    await until(async () => (await getPod(f, 'echoed')).status?.phase === 'Running')
    await new Promise((r) => setTimeout(r, 500))
    const uid = (await getPod(f, 'echoed')).metadata.uid
    // Pod worker syncs list the pod's containers by uid; the relist lists by node label.
    const list = runtime.listContainers.bind(runtime)
    let syncs = 0
    runtime.listContainers = async (filter) => {
      if (filter?.podUid === uid) syncs++
      return list(filter)
    }
    try {
      // Another writer's change: one sync, which writes the status back; its echo wakes nothing.
      const current = await getPod(f, 'echoed')
      await f.admin.updateStatus({ ...current, status: { ...current.status, phase: 'Pending' } })
      await until(async () => (await getPod(f, 'echoed')).status?.phase === 'Running')
      await new Promise((r) => setTimeout(r, 1000))
      expect(syncs).toBe(1)
    } finally {
      runtime.listContainers = list
    }
  })

  it('ignores pods of other nodes', async () => {
    await f.admin.create(pod('elsewhere', 'n2'))
    await new Promise((r) => setTimeout(r, 1500))
    const p = await getPod(f, 'elsewhere')
    expect(p.status.containerStatuses).toBeUndefined()
    expect(
      await runtime.listContainers({ labels: { 'io.kubernetes.pod.name': 'elsewhere' } })
    ).toEqual([])
  })

  it('adopts running containers after a restart and removes those of vanished pods', async () => {
    await f.admin.create(pod('adopt', NODE))
    const before = await until(async () => {
      const s = await status('adopt')()
      return s?.state?.running && s
    })
    await kubelet.stop()
    const gone = await getPod(f, 'init')
    await f.admin.delete(POD, 'default', 'init', { gracePeriodSeconds: 0 })
    ;({ kubelet } = await f.startKubelet(NODE, runtime))
    await until(
      async () => (await runtime.listContainers({ podUid: gone.metadata.uid })).length === 0
    )
    const after = await status('adopt')()
    expect(after.containerID).toBe(before.containerID)
    expect(after.restartCount).toBe(0)
    const running = await runtime.listContainers({
      podUid: (await getPod(f, 'adopt')).metadata.uid
    })
    expect(running.map((c) => c.id)).toEqual([before.containerID.replace('fake://', '')])
  })
})
