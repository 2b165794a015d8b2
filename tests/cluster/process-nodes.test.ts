/**
 * Worker nodes on the process provider, end to end: `kubedesk up --nodes 2 --provider process`
 * from source, driven with the real kubectl and `kubedesk node`. The process runtime runs a
 * container's `command` directly on the host (the image is only recorded), so the pods here run
 * `sh -c` scripts that work on the host, with files under a temporary directory of their own.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import {
  applyAll,
  eventsFor,
  HELLO_SCRIPT,
  kubedesk,
  killProcessesMentioning,
  nodesByName,
  podManifest,
  QUICK_FLAGS,
  readPod,
  readyStatus,
  restartGaps,
  waitNodesReady,
  waitRunning,
  waitUntil,
  watchRestarts,
  type RestartWatch
} from './fixtures'

const WORKERS = ['kubedesk-worker', 'kubedesk-worker2']
const files = mkdtempSync(join(tmpdir(), `kd-proc-pods-${randomBytes(3).toString('hex')}-`))
const healthy = join(files, 'healthy')
const beat = join(files, 'beat')
let cluster: Cluster | undefined
let restarts: RestartWatch | undefined

function live(): Cluster {
  if (!cluster) throw new Error('no cluster (beforeAll failed)')
  return cluster
}

describe('worker nodes on the process provider', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2, provider: 'process', extraArgs: QUICK_FLAGS })
    const c = cluster
    await waitNodesReady(c, [...WORKERS, 'kubedesk-control-plane'])
    await applyAll(c, [
      podManifest({ name: 'hello', node: WORKERS[0], script: HELLO_SCRIPT }),
      podManifest({ name: 'crash', node: WORKERS[0], script: 'echo crash-run; exit 1' }),
      podManifest({
        name: 'liveness',
        node: WORKERS[1],
        script: `touch ${healthy}; sleep 2; rm -f ${healthy}; sleep 3600`,
        livenessProbe: {
          exec: { command: ['cat', healthy] },
          periodSeconds: 1,
          failureThreshold: 1
        }
      }),
      podManifest({
        name: 'beat',
        node: WORKERS[1],
        script: `while true; do date +%s%N > ${beat}; sleep 0.2; done`
      })
    ])
    restarts = watchRestarts(c, 'crash')
  }, 120_000)

  afterAll(async () => {
    restarts?.stop()
    await cluster?.stop()
    const leftovers = killProcessesMentioning(files)
    if (leftovers.length) console.warn(`pod processes left after stop:\n${leftovers.join('\n')}`)
    rmSync(files, { recursive: true, force: true })
  }, 60_000)

  it('runs 2 Ready workers of the default size', async () => {
    const nodes = await nodesByName(live())
    for (const name of WORKERS) {
      expect(readyStatus(nodes.get(name)), name).toBe('True')
      expect(nodes.get(name)?.status.capacity?.pods).toBe('110')
    }
  })

  it('runs a pod printing a line, visible with kubectl logs and logs -f', async () => {
    const c = live()
    await waitRunning(c, 'hello')
    const logs = await waitUntil('hello logs', async () => {
      const res = await c.kubectl(['logs', 'hello'])
      return res.code === 0 && res.stdout.includes('hello from') ? res.stdout : undefined
    })
    expect(logs.split('\n')[0]).toBe(`hello from ${WORKERS[0]}`)
    const follow = c.kubectlSpawn(['logs', '-f', 'hello'])
    try {
      await follow.waitFor(/tick \d+/, 15_000)
      const ticks = [...follow.stdout().matchAll(/tick (\d+)/g)].map((m) => Number(m[1]))
      await follow.waitFor(new RegExp(`tick ${Math.max(...ticks) + 2}\\b`), 15_000)
    } finally {
      await follow.kill()
    }
  }, 60_000)

  it('backs off a crashing container with growing delays; logs --previous shows the last run', async () => {
    const c = live()
    const watch = restarts!
    await watch.until(4, 60_000)
    const gaps = restartGaps(watch.record.changes)
    expect(gaps.length, JSON.stringify(watch.record.changes)).toBeGreaterThanOrEqual(2)
    expect(gaps[gaps.length - 1].gapMs, JSON.stringify(gaps)).toBeGreaterThan(gaps[0].gapMs)
    expect([...watch.record.waitingReasons]).toContain('CrashLoopBackOff')
    expect((await eventsFor(c, 'crash')).map((e) => e.reason)).toContain('BackOff')
    const prev = await c.kubectl(['logs', 'crash', '--previous'])
    expect(prev.code, prev.stderr).toBe(0)
    expect(prev.stdout).toContain('crash-run')
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
    const unhealthy = (await eventsFor(c, 'liveness')).filter((e) => e.reason === 'Unhealthy')
    expect(unhealthy.map((e) => e.message).join('\n')).toContain('Liveness probe failed')
  }, 60_000)

  it('schedules a Deployment over both workers and rolls out a change', async () => {
    const c = live()
    const create = await c.kubectl([
      'create',
      'deployment',
      'web',
      '--image=busybox',
      '--replicas=4',
      '--',
      'sleep',
      '3600'
    ])
    expect(create.code, create.stderr).toBe(0)
    const first = await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const placed = await c.kubectl([
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}'
    ])
    const perNode = new Map<string, number>()
    for (const node of placed.stdout.trim().split('\n'))
      perNode.set(node, (perNode.get(node) ?? 0) + 1)
    expect(Object.fromEntries(perNode)).toEqual({ [WORKERS[0]]: 2, [WORKERS[1]]: 2 })

    const change = await c.kubectl(['set', 'env', 'deployment/web', 'ROLLOUT=2'])
    expect(change.code, change.stderr).toBe(0)
    const second = await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s'])
    expect(second.code, second.stdout + second.stderr).toBe(0)
    const history = await c.kubectl(['rollout', 'history', 'deployment/web'])
    expect(history.stdout).toMatch(/^1 /m)
    expect(history.stdout).toMatch(/^2 /m)
    const rs = await c.kubectl([
      'get',
      'rs',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[*].spec.replicas}'
    ])
    expect(rs.stdout.split(' ').map(Number).sort()).toEqual([0, 4])
    const del = await c.kubectl(['delete', 'deployment', 'web', '--wait=false'])
    expect(del.code, del.stderr).toBe(0)
  }, 150_000)

  it('stops a node with its pods (NotReady once the lease expires) and starts it again', async () => {
    const c = live()
    const node = WORKERS[1]
    await waitRunning(c, 'beat')
    const stop = await kubedesk(c, ['node', 'stop', node, '--data-dir', c.dataDir])
    expect(stop.code, stop.stderr).toBe(0)
    // A stopped node must not keep running its pods: the beat file stops changing.
    const stoppedAt = statSync(beat).mtimeMs
    await new Promise((r) => setTimeout(r, 1500))
    expect(statSync(beat).mtimeMs, 'the pod still runs on the stopped node').toBe(stoppedAt)
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
    await waitRunning(c, 'beat', 30_000)
    await waitUntil(
      'beat file written again',
      async () => (statSync(beat).mtimeMs > Date.now() - 1000 ? true : undefined),
      15_000
    )
  }, 90_000)

  it('leaves no pod process behind when kubedesk up stops', async () => {
    const c = live()
    await waitRunning(c, 'hello')
    await c.stop()
    await new Promise((r) => setTimeout(r, 500))
    expect(killProcessesMentioning(files)).toEqual([])
  }, 60_000)
})
