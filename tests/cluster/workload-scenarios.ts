/**
 * The workload scenarios of the scheduler and controller manager, written once and run on two
 * kinds of cluster: simulated nodes (tests/cluster/workloads-simulated.test.ts) and real Docker
 * nodes (tests/cluster/docker-nodes.test.ts). `registerWorkloadScenarios` adds the `it`s to the
 * caller's `describe`; they run in order and share the `web` Deployment, as a user's session
 * would: create, scale, roll out, undo, lose a node, delete; then a pod too big for any node, a
 * Job, and a namespace deleted with its contents.
 */
import { expect, it } from 'vitest'
import { stringify as stringifyYaml } from 'yaml'
import type { Cluster } from '../helpers/cluster'
import { watchPath } from '../helpers/watch'
import { getJson, kubedesk, waitUntil, type PodView } from './fixtures'

/** What the scenarios need from the test file. */
export interface WorkloadEnv {
  cluster(): Cluster
  /** An image the nodes can run for the rollout's second revision (no registry is reachable). */
  image2: string
  /** `--node-monitor-grace-period` and the unreachable toleration the cluster runs with. */
  graceSeconds: number
  tolerationSeconds: number
  /** Nodes the node-loss scenario may stop (default any); bare pods on it are evicted too. */
  stoppable?: string[]
  /** Called after the scenarios created pods (e.g. to remember their uids for clean-up). */
  created?: () => Promise<void>
}

interface PodCondition {
  type: string
  status: string
  reason?: string
  message?: string
}

interface PodItem extends PodView {
  metadata: PodView['metadata'] & { deletionTimestamp?: string; labels?: Record<string, string> }
  spec: PodView['spec'] & { containers: { name: string; image: string }[] }
  status?: PodView['status'] & { conditions?: PodCondition[] }
}

interface NodeItem {
  metadata: { name: string }
  spec: { unschedulable?: boolean; taints?: { effect: string }[] }
  status: { conditions?: { type: string; status: string }[] }
}

interface DeploymentItem {
  metadata: { generation?: number }
  status?: {
    observedGeneration?: number
    replicas?: number
    updatedReplicas?: number
    readyReplicas?: number
    availableReplicas?: number
  }
}

const isReady = (p: PodItem): boolean =>
  p.status?.phase === 'Running' &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')

/** Pods matching `selector` that are not being deleted. */
async function activePods(c: Cluster, selector: string, ns = 'default'): Promise<PodItem[]> {
  const list = await getJson<{ items: PodItem[] }>(c, ['pods', '-n', ns, '-l', selector])
  return list.items.filter((p) => !p.metadata.deletionTimestamp)
}

/** Ready nodes a plain pod can land on (no NoSchedule taint, not cordoned). */
async function schedulableWorkers(c: Cluster): Promise<string[]> {
  const list = await getJson<{ items: NodeItem[] }>(c, ['nodes'])
  return list.items
    .filter(
      (n) =>
        !n.spec.unschedulable &&
        !(n.spec.taints ?? []).some((t) => t.effect === 'NoSchedule') &&
        n.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')
    )
    .map((n) => n.metadata.name)
}

/** Waits until the Deployment's status shows `replicas` updated, ready pods and no others. */
async function waitDeployment(
  c: Cluster,
  name: string,
  replicas: number,
  timeoutMs = 90_000
): Promise<PodItem[]> {
  return waitUntil(
    `deployment ${name} at ${replicas} ready replicas`,
    async () => {
      const d = await getJson<DeploymentItem>(c, ['deployment', name])
      const s = d.status ?? {}
      const settled =
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
        [s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas].every(
          (n) => (n ?? 0) === replicas
        )
      if (!settled) return undefined
      const pods = await activePods(c, `app=${name}`)
      return pods.length === replicas && pods.every(isReady) ? pods : undefined
    },
    timeoutMs,
    500
  )
}

async function ok(c: Cluster, args: string[], stdin?: string): Promise<string> {
  const res = await c.kubectl(args, { stdin, timeoutMs: 150_000 })
  expect(res.code, `kubectl ${args.join(' ')}: ${res.stderr}`).toBe(0)
  return res.stdout
}

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>()
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1)
  return m
}

/** Registers the scenarios (in order) in the current `describe`. */
export function registerWorkloadScenarios(env: WorkloadEnv): void {
  it('spreads `kubectl create deployment web --replicas=6` over the workers', async () => {
    const c = env.cluster()
    // A node started a moment ago keeps its unreachable taint until the next lifecycle pass.
    const workers = await waitUntil(
      'every worker schedulable',
      async () => {
        const nodes = await getJson<{ items: NodeItem[] }>(c, ['nodes'])
        const all = nodes.items
          .map((n) => n.metadata.name)
          .filter((n) => !n.endsWith('-control-plane'))
        const ready = await schedulableWorkers(c)
        return all.every((n) => ready.includes(n)) ? ready : undefined
      },
      30_000
    )
    await ok(
      c,
      ['create', 'deployment', 'web', '--image=busybox', '--replicas=6', '--'].concat([
        'sleep',
        '3600'
      ])
    )
    const pods = await waitDeployment(c, 'web', 6)
    await env.created?.()
    const perNode = countBy(pods, (p) => p.spec.nodeName ?? '')
    expect([...perNode.keys()].every((n) => workers.includes(n))).toBe(true)
    const counts = workers.map((w) => perNode.get(w) ?? 0)
    expect(Math.min(...counts), JSON.stringify([...perNode])).toBeGreaterThan(0)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
  }, 120_000)

  it('scales 6 → 10 → 2', async () => {
    const c = env.cluster()
    await ok(c, ['scale', 'deployment', 'web', '--replicas=10'])
    await waitDeployment(c, 'web', 10)
    await env.created?.()
    await ok(c, ['scale', 'deployment', 'web', '--replicas=2'])
    await waitDeployment(c, 'web', 2)
  }, 150_000)

  it('rolls out an image change without dropping below replicas - maxUnavailable available', async () => {
    const c = env.cluster()
    await ok(c, ['scale', 'deployment', 'web', '--replicas=4'])
    await waitDeployment(c, 'web', 4)
    // Default RollingUpdate: maxUnavailable 25% of 4 rounds down to 1.
    const floor = 4 - 1
    const list = await c.request({
      path: '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb'
    })
    const initial = list.json as { metadata: { resourceVersion: string }; items: PodItem[] }
    const available = new Map(initial.items.map((p) => [p.metadata.name, isReady(p)]))
    const count = (): number => [...available.values()].filter(Boolean).length
    let lowest = count()
    let events = 0
    const watch = watchPath<PodItem>(
      c.access,
      `/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&resourceVersion=${initial.metadata.resourceVersion}`,
      (e) => {
        if (e.type === 'BOOKMARK' || e.type === 'ERROR') return
        events++
        const gone = e.type === 'DELETED' || !!e.object.metadata.deletionTimestamp
        available.set(e.object.metadata.name, !gone && isReady(e.object))
        lowest = Math.min(lowest, count())
      }
    )
    await watch.opened
    try {
      await ok(c, ['set', 'image', 'deployment/web', `busybox=${env.image2}`])
      await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=120s'])
      const pods = await waitDeployment(c, 'web', 4)
      await env.created?.()
      expect(pods.map((p) => p.spec.containers[0].image)).toEqual(pods.map(() => env.image2))
    } finally {
      watch.stop()
    }
    // Four old pods went and four new ones came: at least that many changes were seen.
    expect(events).toBeGreaterThanOrEqual(8)
    expect(lowest).toBeGreaterThanOrEqual(floor)
  }, 180_000)

  it('rolls back with `kubectl rollout undo`', async () => {
    const c = env.cluster()
    await ok(c, ['rollout', 'undo', 'deployment/web'])
    await ok(c, ['rollout', 'status', 'deployment/web', '--timeout=120s'])
    await waitUntil(
      'the pods back on busybox',
      async () => {
        const pods = await waitDeployment(c, 'web', 4)
        return pods.every((p) => p.spec.containers[0].image === 'busybox') ? true : undefined
      },
      60_000
    )
    await env.created?.()
    // Revision 1 came back as revision 3.
    const history = await ok(c, ['rollout', 'history', 'deployment/web'])
    const revisions = history
      .split('\n')
      .map((l) => /^(\d+)\s/.exec(l)?.[1])
      .filter(Boolean)
    expect(revisions).toEqual(['2', '3'])
  }, 180_000)

  it('brings a stopped node’s pods back on other nodes within grace + toleration + 10 s', async () => {
    const c = env.cluster()
    const pods = await waitDeployment(c, 'web', 4)
    const perNode = [...countBy(pods, (p) => p.spec.nodeName ?? '')]
      .filter(([node]) => !env.stoppable || env.stoppable.includes(node))
      .sort((a, b) => b[1] - a[1])
    expect(perNode.length, 'a stoppable node runs a web pod').toBeGreaterThan(0)
    const [victim] = perNode[0]
    const stop = await kubedesk(c, ['node', 'stop', victim, '--data-dir', c.dataDir])
    expect(stop.code, stop.stderr).toBe(0)
    const stoppedAt = Date.now()
    try {
      const limitMs = (env.graceSeconds + env.tolerationSeconds + 10) * 1000
      await waitUntil(
        `4 web pods Ready on nodes other than ${victim}`,
        async () => {
          const elsewhere = (await activePods(c, 'app=web')).filter(
            (p) => p.spec.nodeName !== victim && isReady(p)
          )
          return elsewhere.length >= 4 ? true : undefined
        },
        limitMs + 30_000,
        500
      )
      const tookMs = Date.now() - stoppedAt
      expect(tookMs, `took ${tookMs} ms`).toBeLessThanOrEqual(limitMs)
      // The evicted pods are marked for deletion (they finish once the node's kubelet is back).
      const left = (await activePods(c, 'app=web')).filter((p) => p.spec.nodeName === victim)
      expect(left.map((p) => p.metadata.name)).toEqual([])
      await env.created?.()
    } finally {
      const start = await kubedesk(c, ['node', 'start', victim, '--data-dir', c.dataDir])
      expect(start.code, start.stderr).toBe(0)
      await ok(c, ['wait', '--for=condition=Ready', `node/${victim}`, '--timeout=60s'])
      // The node lifecycle controller lifts the unreachable taints on its next pass.
      await waitUntil(
        `${victim} schedulable again`,
        async () => ((await schedulableWorkers(c)).includes(victim) ? true : undefined),
        30_000
      )
    }
  }, 180_000)

  it('removes the replica sets and pods of a deleted deployment', async () => {
    const c = env.cluster()
    await ok(c, ['delete', 'deployment', 'web'])
    await waitUntil(
      'no web replica sets or pods',
      async () => {
        const rs = await getJson<{ items: unknown[] }>(c, ['replicasets', '-l', 'app=web'])
        const pods = await getJson<{ items: unknown[] }>(c, ['pods', '-l', 'app=web'])
        return rs.items.length + pods.items.length === 0 ? true : undefined
      },
      120_000,
      1000
    )
  }, 150_000)

  it('keeps a pod too big for any node Pending, saying why', async () => {
    const c = env.cluster()
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'too-big' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sleep', '3600'],
            resources: { requests: { cpu: '512' } }
          }
        ]
      }
    }
    await ok(c, ['apply', '-f', '-'], stringifyYaml(pod))
    const nodes = (await getJson<{ items: NodeItem[] }>(c, ['nodes'])).items.length
    const workers = (await schedulableWorkers(c)).length
    const condition = await waitUntil(
      'too-big Unschedulable',
      async () => {
        const p = await getJson<PodItem>(c, ['pod', 'too-big'])
        const cond = (p.status?.conditions ?? []).find((x) => x.type === 'PodScheduled')
        return cond?.reason === 'Unschedulable' ? { phase: p.status?.phase, ...cond } : undefined
      },
      30_000
    )
    expect(condition.phase).toBe('Pending')
    expect(condition.message).toMatch(new RegExp(`^0/${nodes} nodes are available: `))
    expect(condition.message, condition.message).toContain(`${workers} Insufficient cpu`)
    const describe = await ok(c, ['describe', 'pod', 'too-big'])
    expect(describe).toMatch(/FailedScheduling .*0\/\d+ nodes are available/)
    await ok(c, ['delete', 'pod', 'too-big', '--wait=false'])
  }, 60_000)

  it('runs a Job to completion', async () => {
    const c = env.cluster()
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'hello-job' },
      spec: {
        completions: 2,
        parallelism: 1,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'hello',
                image: 'busybox',
                command: ['sh', '-c', 'echo job-done'],
                // Simulated nodes' fake runtime: run a second, print the line, exit 0.
                env: [
                  { name: 'KUBEDESK_FAKE_RUN_SECONDS', value: '1' },
                  { name: 'KUBEDESK_FAKE_EXIT_CODE', value: '0' },
                  { name: 'KUBEDESK_FAKE_LOG', value: 'job-done' }
                ]
              }
            ]
          }
        }
      }
    }
    await ok(c, ['apply', '-f', '-'], stringifyYaml(job))
    await ok(c, ['wait', '--for=condition=complete', 'job/hello-job', '--timeout=90s'])
    await env.created?.()
    const done = await getJson<{ status: { succeeded?: number } }>(c, ['job', 'hello-job'])
    expect(done.status.succeeded).toBe(2)
    expect(await ok(c, ['logs', 'job/hello-job'])).toContain('job-done')
  }, 120_000)

  it('empties a deleted namespace, then removes it', async () => {
    const c = env.cluster()
    await ok(c, ['create', 'namespace', 'scratch'])
    await ok(
      c,
      ['-n', 'scratch', 'create', 'deployment', 'app', '--image=busybox', '--replicas=2'].concat([
        '--',
        'sleep',
        '3600'
      ])
    )
    await ok(c, ['-n', 'scratch', 'create', 'configmap', 'settings', '--from-literal=a=b'])
    await ok(c, ['-n', 'scratch', 'create', 'service', 'clusterip', 'app', '--tcp=80:8080'])
    await waitUntil(
      'scratch pods Ready',
      async () => {
        const pods = await activePods(c, 'app=app', 'scratch')
        return pods.length === 2 && pods.every(isReady) ? true : undefined
      },
      90_000
    )
    await env.created?.()
    // kubectl waits until the namespace is gone.
    await ok(c, ['delete', 'namespace', 'scratch', '--timeout=120s'])
    const gone = await c.kubectl(['get', 'namespace', 'scratch'])
    expect(gone.code).not.toBe(0)
    expect(gone.stderr).toContain('namespaces "scratch" not found')
    const left = await getJson<{ items: unknown[] }>(c, [
      'pods,replicasets,configmaps',
      '-n',
      'scratch'
    ])
    expect(left.items).toEqual([])
  }, 180_000)
}
