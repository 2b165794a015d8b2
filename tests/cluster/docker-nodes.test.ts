/**
 * Worker nodes on the real Docker engine, end to end: `kubedesk up --nodes 3 --provider docker`
 * from source with the current kubelet bundle, driven with the real kubectl and `kubedesk node`.
 * Docker container names are global (`kubedesk-worker`, …), so the docker-provider cluster tests
 * live in this one file and hold the docker node lock (../helpers/docker-node-lock) while they
 * run, as the desktop's docker node test does. afterAll force-removes the node containers
 * labelled with this cluster's data directory and the pod containers of this test's pods.
 * Skipped, with the reason printed, only when no Docker engine answers.
 */
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LABELS } from '../../src/agent/runtime/types'
import { REPO_ROOT, startCluster, type Cluster } from '../helpers/cluster'
import {
  BUSYBOX_IMAGE,
  dockerAvailable,
  ensureBusyboxImage,
  localDocker
} from '../helpers/docker-images'
import { LOCK_WAIT_MS, lockDockerNodes } from '../helpers/docker-node-lock'
import {
  applyAll,
  cpuCores,
  eventsFor,
  getJson,
  HELLO_SCRIPT,
  kubedesk,
  memoryBytes,
  nodesByName,
  podManifest,
  readPod,
  readyStatus,
  restartGaps,
  QUICK_FLAGS,
  waitRunning,
  waitNodesReady,
  waitUntil,
  watchRestarts,
  type PodView,
  type RestartWatch
} from './fixtures'
import { registerEventsScenarios } from './events-scenarios'
import { registerExecScenarios } from './exec-scenarios'
import { registerWorkloadScenarios } from './workload-scenarios'
import { registerLogsScenarios } from './logs-scenarios'
import { registerMetricsScenarios } from './metrics-scenarios'
import { registerServicesScenarios } from './services-scenarios'

const run = promisify(execFile)
const available = await dockerAvailable()
if (!available) {
  console.warn('Skipping the docker node tests: no Docker engine answers on /var/run/docker.sock')
}

const CLUSTER_LABEL = 'io.kubedesk.cluster'
const WORKERS = ['kubedesk-worker', 'kubedesk-worker2', 'kubedesk-worker3']
const BIG = 'big'
const docker = localDocker()
let cluster: Cluster | undefined
let restarts: RestartWatch | undefined
/** UIDs of every pod this test created: afterAll removes only their containers. */
const podUids = new Set<string>()

/** The running (or, with `all`, every) docker container labelled `label`. */
async function containersLabelled(label: string, all = false) {
  return docker.listContainers({ all, filters: { label: [label] } })
}

function live(): Cluster {
  if (!cluster) throw new Error('no cluster (beforeAll failed)')
  return cluster
}

async function rememberUids(c: Cluster): Promise<void> {
  const list = await getJson<{ items: PodView[] }>(c, ['pods', '-A'])
  for (const p of list.items) podUids.add(p.metadata.uid)
}

/** Node and pod container ids of the cluster, and the pods' restart counts. */
async function snapshot(c: Cluster, pods: string[]) {
  const nodes = await containersLabelled(`${CLUSTER_LABEL}=${c.dataDir}`)
  const podContainers = (
    await Promise.all(WORKERS.map((n) => containersLabelled(`${LABELS.node}=${n}`)))
  )
    .flat()
    .filter((ct) => pods.includes(ct.Labels[LABELS.podName]))
  const restartCounts: Record<string, number> = {}
  const phases: Record<string, string | undefined> = {}
  for (const name of pods) {
    const pod = await readPod(c, name)
    restartCounts[name] = pod.status?.containerStatuses?.[0]?.restartCount ?? -1
    phases[name] = pod.status?.phase
  }
  return {
    nodeIds: Object.fromEntries(nodes.map((n) => [n.Names[0], n.Id])),
    podIds: podContainers.map((ct) => `${ct.Names[0]} ${ct.Id}`).sort(),
    restartCounts,
    phases
  }
}

/**
 * Waits (up to a minute) until no container of another cluster holds one of our node names:
 * names are global on the engine, and another run may still be finishing.
 */
async function waitForFreeNodeNames(): Promise<void> {
  const names = [...WORKERS, BIG]
  const taken = async () =>
    (await docker.listContainers({ all: true }))
      .filter((ct) => ct.Names.some((n) => names.includes(n.replace(/^\//, ''))))
      .map((ct) => `${ct.Names[0]} (${CLUSTER_LABEL}=${ct.Labels[CLUSTER_LABEL] ?? '-'})`)
  await waitUntil(
    'node names free',
    async () => {
      const busy = await taken()
      if (busy.length) throw new Error(`held by another cluster: ${busy.join(', ')}`)
      return true
    },
    60_000,
    2000
  )
}

let unlock: (() => void) | undefined

describe.skipIf(!available)('worker nodes on docker', () => {
  beforeAll(async () => {
    unlock = await lockDockerNodes(LOCK_WAIT_MS)
    await waitForFreeNodeNames()
    await ensureBusyboxImage(docker)
    // The rollout scenario's second revision: the same local image under a tag of its own.
    await docker.getImage(BUSYBOX_IMAGE).tag({ repo: 'busybox', tag: 'v2' })
    await run(process.execPath, ['scripts/build-agent.mjs'], { cwd: REPO_ROOT })
    cluster = await startCluster({
      nodes: 3,
      provider: 'docker',
      keepData: true,
      extraArgs: QUICK_FLAGS
    })
    const c = cluster
    await waitNodesReady(c, [...WORKERS, 'kubedesk-control-plane'])
    // Every pod at once: they run in parallel while the tests below look at them one by one.
    await applyAll(c, [
      ...WORKERS.map((node, i) =>
        podManifest({ name: `hello-${i + 1}`, node, script: HELLO_SCRIPT })
      ),
      podManifest({ name: 'crash', node: WORKERS[1], script: 'echo crash-run; exit 1' }),
      podManifest({
        name: 'liveness',
        node: WORKERS[0],
        script: 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600',
        livenessProbe: {
          exec: { command: ['cat', '/tmp/healthy'] },
          periodSeconds: 1,
          failureThreshold: 1
        }
      }),
      podManifest({
        name: 'web',
        node: WORKERS[0],
        script: 'mkdir -p /www && echo served-by-web > /www/file && exec httpd -f -p 8080 -h /www'
      })
    ])
    restarts = watchRestarts(c, 'crash')
    await rememberUids(c)
  }, LOCK_WAIT_MS + 240_000)

  afterAll(async () => {
    try {
      restarts?.stop()
      if (!cluster) return
      await rememberUids(cluster).catch(() => undefined)
      await cluster.stop()
      // Docker nodes outlive `up`: remove the node containers first (their kubelets stop
      // restarting pods), then the containers of this test's pods, and nothing else.
      const nodes = await containersLabelled(`${CLUSTER_LABEL}=${cluster.dataDir}`, true)
      for (const n of nodes) await docker.getContainer(n.Id).remove({ force: true, v: true })
      for (const node of [...WORKERS, BIG]) {
        for (const ct of await containersLabelled(`${LABELS.node}=${node}`, true)) {
          if (!podUids.has(ct.Labels[LABELS.podUid])) continue
          await docker
            .getContainer(ct.Id)
            .remove({ force: true, v: true })
            .catch(() => undefined)
        }
      }
      const network = await docker
        .getNetwork('kubedesk')
        .inspect()
        .catch(() => undefined)
      if (network && Object.keys(network.Containers ?? {}).length === 0) {
        await docker
          .getNetwork('kubedesk')
          .remove()
          .catch(() => undefined)
      }
      rmSync(cluster.tmp, { recursive: true, force: true })
    } finally {
      unlock?.()
    }
  }, 90_000)

  it('runs 3 Ready workers and a tainted control plane; node add gives a node of the asked size', async () => {
    const c = live()
    const nodes = await nodesByName(c)
    for (const name of [...WORKERS, 'kubedesk-control-plane']) {
      expect(readyStatus(nodes.get(name)), `${name}: ${JSON.stringify(nodes.get(name))}`).toBe(
        'True'
      )
    }
    expect(nodes.get('kubedesk-control-plane')?.spec.taints).toContainEqual(
      expect.objectContaining({
        key: 'node-role.kubernetes.io/control-plane',
        effect: 'NoSchedule'
      })
    )
    for (const name of WORKERS) {
      const capacity = nodes.get(name)?.status.capacity
      expect(cpuCores(capacity?.cpu), `${name} cpu`).toBe(2)
      expect(memoryBytes(capacity?.memory), `${name} memory`).toBe(2 * 1024 ** 3)
      expect(capacity?.pods).toBe('110')
    }

    const add = await kubedesk(c, [
      'node',
      'add',
      BIG,
      '--cpu',
      '1',
      '--memory',
      '1Gi',
      '--data-dir',
      c.dataDir
    ])
    expect(add.code, add.stderr).toBe(0)
    await waitNodesReady(c, [BIG], 30_000)
    const big = (await nodesByName(c)).get(BIG)
    expect(cpuCores(big?.status.capacity?.cpu)).toBe(1)
    expect(memoryBytes(big?.status.capacity?.memory)).toBe(1024 ** 3)
    const inspect = await docker.getContainer(BIG).inspect()
    expect(inspect.HostConfig.NanoCpus).toBe(1e9)
    expect(inspect.HostConfig.Memory).toBe(1024 ** 3)
    // The kubelet's own log, collected from the node container.
    const registered = new RegExp(`kubelet\\] "registered node" node="${BIG}"`)
    await waitUntil(`kubedesk logs kubelet/${BIG} to show the registration`, async () => {
      const out = await kubedesk(c, ['logs', `kubelet/${BIG}`, '--data-dir', c.dataDir])
      return out.code === 0 && registered.test(out.stdout) ? true : undefined
    })
  }, 60_000)

  it('runs a pod on every node: kubectl logs, logs -f and crictl ps', async () => {
    const c = live()
    await Promise.all(WORKERS.map((_, i) => waitRunning(c, `hello-${i + 1}`)))
    for (const [i, node] of WORKERS.entries()) {
      const pod = await readPod(c, `hello-${i + 1}`)
      expect(pod.spec.nodeName).toBe(node)
      const logs = await waitUntil(`hello-${i + 1} logs`, async () => {
        const res = await c.kubectl(['logs', `hello-${i + 1}`])
        return res.code === 0 && res.stdout.includes('hello from') ? res.stdout : undefined
      })
      expect(logs.split('\n')[0]).toBe(`hello from ${node}`)
    }

    const follow = c.kubectlSpawn(['logs', '-f', 'hello-1'])
    try {
      await follow.waitFor(/tick \d+/, 15_000)
      const seen = Math.max(
        ...[...follow.stdout().matchAll(/tick (\d+)/g)].map((m) => Number(m[1]))
      )
      await follow.waitFor(new RegExp(`tick ${seen + 2}\\b`), 15_000)
    } finally {
      await follow.kill()
    }

    const { stdout } = await run('docker', ['exec', WORKERS[0], 'crictl', 'ps'])
    expect(stdout).toMatch(/\bRunning\b.*\bmain\b.*\bhello-1\b/)
  }, 60_000)

  it('backs off a crashing container with growing delays (CrashLoopBackOff, BackOff event, logs --previous)', async () => {
    const c = live()
    const watch = restarts!
    // Back-off 1s, 2s, 4s, 8s: the gap from restart 3 to 4 must exceed the one from 1 to 2.
    await watch.until(4, 60_000)
    const gaps = restartGaps(watch.record.changes)
    expect(gaps.length, JSON.stringify(watch.record.changes)).toBeGreaterThanOrEqual(2)
    expect(gaps[gaps.length - 1].gapMs, JSON.stringify(gaps)).toBeGreaterThan(gaps[0].gapMs)
    expect([...watch.record.waitingReasons]).toContain('CrashLoopBackOff')

    const events = await eventsFor(c, 'crash')
    expect(events.map((e) => e.reason)).toContain('BackOff')

    const prev = await c.kubectl(['logs', 'crash', '--previous'])
    expect(prev.code, prev.stderr).toBe(0)
    expect(prev.stdout).toContain('crash-run')
    const pod = await readPod(c, 'crash')
    expect(pod.status?.containerStatuses?.[0].lastState?.terminated?.exitCode).toBe(1)
  }, 90_000)

  it('restarts a container whose liveness probe fails', async () => {
    const c = live()
    await waitUntil(
      'liveness restarted',
      async () => {
        const pod = await readPod(c, 'liveness')
        return (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? pod : undefined
      },
      30_000
    )
    const events = await eventsFor(c, 'liveness')
    const unhealthy = events.filter((e) => e.reason === 'Unhealthy')
    expect(unhealthy.map((e) => e.message).join('\n')).toContain('Liveness probe failed')
  }, 60_000)

  it('lets pods on two nodes reach each other by pod IP', async () => {
    const c = live()
    const web = await waitRunning(c, 'web')
    const ip = web.status?.podIP
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    await applyAll(c, [
      podManifest({
        name: 'client',
        node: WORKERS[1],
        restartPolicy: 'Never',
        script: `wget -qO- http://${ip}:8080/file`
      })
    ])
    await rememberUids(c)
    const done = await waitUntil(
      'client finished',
      async () => {
        const pod = await readPod(c, 'client')
        return ['Succeeded', 'Failed'].includes(pod.status?.phase ?? '') ? pod : undefined
      },
      30_000
    )
    const logs = await c.kubectl(['logs', 'client'])
    expect(logs.stdout, logs.stderr).toContain('served-by-web')
    expect(done.status?.phase).toBe('Succeeded')
  }, 60_000)

  it('stops a node with its pods, marks it NotReady, and brings both back on start', async () => {
    const c = live()
    const node = WORKERS[2]
    await waitRunning(c, 'hello-3')
    const stop = await kubedesk(c, ['node', 'stop', node, '--data-dir', c.dataDir])
    expect(stop.code, stop.stderr).toBe(0)
    const running = await containersLabelled(`${LABELS.node}=${node}`)
    expect(running.map((ct) => ct.Names[0])).toEqual([])
    await waitUntil(
      `${node} Ready=Unknown`,
      async () => (readyStatus((await nodesByName(c)).get(node)) === 'Unknown' ? true : undefined),
      20_000
    )

    const start = await kubedesk(c, ['node', 'start', node, '--data-dir', c.dataDir])
    expect(start.code, start.stderr).toBe(0)
    await waitUntil(
      `${node} Ready=True`,
      async () => (readyStatus((await nodesByName(c)).get(node)) === 'True' ? true : undefined),
      30_000
    )
    await waitRunning(c, 'hello-3', 30_000)
    await waitUntil(
      'hello-3 container running on docker',
      async () => {
        const cts = await containersLabelled(`${LABELS.node}=${node}`)
        return cts.some(
          (ct) => ct.Labels[LABELS.podName] === 'hello-3' && ct.Labels[LABELS.type] === 'container'
        )
          ? true
          : undefined
      },
      30_000
    )
  }, 90_000)

  registerMetricsScenarios({
    cluster: live,
    burnerNode: WORKERS[0],
    created: () => rememberUids(live())
  })

  // The scheduler and controllers on real containers (the same scenarios run on simulated nodes).
  registerWorkloadScenarios({
    cluster: live,
    image2: 'busybox:v2',
    graceSeconds: Number(
      QUICK_FLAGS[QUICK_FLAGS.indexOf('--node-monitor-grace-period') + 1].replace('s', '')
    ),
    // Kubernetes' DefaultTolerationSeconds admission, as KubeDesk sets it by default.
    tolerationSeconds: 30,
    // Not the nodes of the bare pods the adoption test below expects to find unchanged.
    stoppable: [WORKERS[2], BIG],
    created: () => rememberUids(live())
  })
  registerExecScenarios({ cluster: live, node: WORKERS[0] })
  registerLogsScenarios({
    cluster: live,
    node: WORKERS[0],
    dockerEvents: true,
    created: () => rememberUids(live())
  })
  registerEventsScenarios({ cluster: live, node: WORKERS[0], created: () => rememberUids(live()) })
  registerServicesScenarios({
    cluster: live,
    replicas: 2,
    containerPort: 8080,
    created: () => rememberUids(live())
  })

  it('adopts nodes and pods unchanged after the control plane is SIGKILLed and restarted', async () => {
    const c = live()
    const stable = ['hello-1', 'hello-2', 'web']
    await Promise.all(stable.map((p) => waitRunning(c, p)))
    const before = await snapshot(c, stable)
    expect(Object.keys(before.nodeIds).length).toBe(4)
    expect(before.podIds.length).toBeGreaterThanOrEqual(stable.length * 2)

    const port = Number(new URL(c.access.server).port)
    await c.kill('SIGKILL')
    expect(c.alive()).toBe(false)
    cluster = await startCluster({
      nodes: 3,
      provider: 'docker',
      tmp: c.tmp,
      port,
      keepData: true,
      extraArgs: QUICK_FLAGS
    })
    const again = cluster
    expect(again.access.server).toBe(c.access.server)
    await waitNodesReady(again, [...WORKERS, BIG, 'kubedesk-control-plane'], 30_000)
    // Give the re-connected kubelets a few heartbeats to act (wrongly) if they were going to.
    await new Promise((r) => setTimeout(r, 3000))
    const after = await snapshot(again, stable)
    expect(after.nodeIds).toEqual(before.nodeIds)
    expect(after.podIds).toEqual(before.podIds)
    expect(after.restartCounts).toEqual(before.restartCounts)
    expect(Object.values(after.phases)).toEqual(stable.map(() => 'Running'))
    expect(again.log()).toMatch(/kubedesk-worker: adopted/)
  }, 120_000)
})
