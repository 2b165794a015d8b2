/**
 * The metrics scenarios, written once and run on process nodes (tests/cluster/metrics.test.ts)
 * and real Docker nodes (tests/cluster/docker-nodes.test.ts): `kubectl top nodes` lists every
 * Ready node with its usage, and a pod burning CPU (`while :; do :; done`) shows in
 * `kubectl top pods -A`, `kubectl top pod --containers` and on its node, with figures bounded
 * by what the node can give it. The scraper reads kubelets every 15 s (metrics-server's
 * resolution), so each scenario polls for up to a few scrapes.
 */
import { expect, it } from 'vitest'
import type { Cluster } from '../helpers/cluster'
import {
  applyAll,
  cpuCores,
  getJson,
  memoryBytes,
  podManifest,
  waitRunning,
  waitUntil,
  type NodeView
} from './fixtures'

/** What the scenarios need from the test file. */
export interface MetricsEnv {
  cluster(): Cluster
  /** A Ready worker whose runtime runs `sh` for real (process or docker). */
  burnerNode: string
  /** Called after the scenarios created pods (e.g. to remember their uids for clean-up). */
  created?: () => Promise<void>
}

const BURNER = 'metrics-burner'
/** How long the scraper may take to show something: a few 15 s scrapes. */
const SCRAPES_MS = 90_000
/** Rates are measured over wall-clock windows: allow a little jitter above the node's cores. */
const JITTER = 1.1

/** `kubectl top …` as rows of columns (header first); undefined when kubectl failed. */
async function top(c: Cluster, args: string[]): Promise<string[][] | undefined> {
  const res = await c.kubectl(['top', ...args])
  if (res.code !== 0) return undefined
  return res.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
}

async function readyNodes(c: Cluster): Promise<NodeView[]> {
  const list = await getJson<{ items: NodeView[] }>(c, ['nodes'])
  return list.items.filter((n) =>
    n.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')
  )
}

/** Registers the scenarios as `it`s of the caller's describe. */
export function registerMetricsScenarios(env: MetricsEnv): void {
  it('metrics: kubectl top nodes lists every Ready node with its usage', async () => {
    const c = env.cluster()
    const nodes = await readyNodes(c)
    expect(nodes.length).toBeGreaterThan(0)
    const rows = await waitUntil(
      `kubectl top nodes listing ${nodes.map((n) => n.metadata.name).join(', ')}`,
      async () => {
        const table = await top(c, ['nodes'])
        const known = table?.filter((r) => r[1] !== '<unknown>')
        return nodes.every((n) => known?.some((r) => r[0] === n.metadata.name)) ? table : undefined
      },
      SCRAPES_MS,
      2000
    )
    expect(rows[0]).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'])
    for (const node of nodes) {
      const row = rows.find((r) => r[0] === node.metadata.name)!
      const cores = cpuCores(row[1])
      const memory = memoryBytes(row[3])
      expect(cores, row.join(' ')).toBeGreaterThanOrEqual(0)
      expect(cores, row.join(' ')).toBeLessThanOrEqual(cpuCores(node.status.capacity?.cpu) * JITTER)
      expect(memory, row.join(' ')).toBeGreaterThan(0)
      expect(memory, row.join(' ')).toBeLessThanOrEqual(memoryBytes(node.status.capacity?.memory))
    }
  }, 120_000)

  it('metrics: a pod burning CPU shows in kubectl top with plausible numbers', async () => {
    const c = env.cluster()
    await applyAll(c, [
      podManifest({ name: BURNER, node: env.burnerNode, script: 'while :; do :; done' })
    ])
    await env.created?.()
    try {
      await waitRunning(c, BURNER, 60_000)
      const node = (await readyNodes(c)).find((n) => n.metadata.name === env.burnerNode)
      const capacity = cpuCores(node?.status.capacity?.cpu)
      expect(capacity).toBeGreaterThan(0)

      // The first window may still hold the start; a busy loop reaches well over 200m after.
      const rows = await waitUntil(
        `kubectl top pod ${BURNER} --containers showing at least 200m`,
        async () => {
          const table = await top(c, ['pod', BURNER, '--containers'])
          const cpu = cpuCores(table?.[1]?.[2])
          return cpu >= 0.2 ? table : undefined
        },
        SCRAPES_MS,
        2000
      )
      expect(rows[0]).toEqual(['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'])
      expect(rows[1].slice(0, 2)).toEqual([BURNER, 'main'])
      // One shell loop uses at most one core, and never more than the node has.
      expect(cpuCores(rows[1][2])).toBeLessThanOrEqual(Math.min(1, capacity) * JITTER)
      // kubectl prints whole Mi, so a shell's few hundred Ki may read 0Mi (checked raw below).
      expect(rows[1][3]).toMatch(/^\d+Mi$/)

      const all = await top(c, ['pods', '-A'])
      expect(all?.[0]).toEqual(['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'])
      const row = all?.find((r) => r[0] === 'default' && r[1] === BURNER)
      expect(row, JSON.stringify(all)).toBeDefined()
      expect(cpuCores(row![2])).toBeGreaterThanOrEqual(0.2)

      // Its node carries the loop too.
      const nodeRow = (await top(c, ['node', env.burnerNode]))?.[1]
      expect(cpuCores(nodeRow?.[1]), nodeRow?.join(' ')).toBeGreaterThanOrEqual(0.2)
      expect(cpuCores(nodeRow?.[1])).toBeLessThanOrEqual(capacity * JITTER)

      // The object itself, as metrics-server shapes it.
      const raw = await c.request({
        path: `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${BURNER}`
      })
      expect(raw.status, raw.body).toBe(200)
      const metrics = raw.json as {
        kind: string
        timestamp: string
        window: string
        containers: { name: string; usage: { cpu: string; memory: string } }[]
      }
      expect(metrics.kind).toBe('PodMetrics')
      expect(metrics.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(metrics.window).toMatch(/^\d+(\.\d+)?s$/)
      expect(metrics.containers.map((x) => x.name)).toEqual(['main'])
      expect(metrics.containers[0].usage.cpu).toMatch(/^\d+[num]?$/)
      expect(metrics.containers[0].usage.memory).toMatch(/^\d+(Ki|Mi|Gi)?$/)
      expect(memoryBytes(metrics.containers[0].usage.memory)).toBeGreaterThan(0)
    } finally {
      await c.kubectl(['delete', 'pod', BURNER, '--now', '--wait=false'])
    }
  }, 180_000)
}
