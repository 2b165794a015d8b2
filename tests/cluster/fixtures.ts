/**
 * Shared pieces of the node end-to-end tests: pod manifests, polling, reading objects through
 * kubectl, `kubedesk node …` from source, and a watcher that records when a pod's restart count
 * moves (to measure CrashLoopBackOff's growing delays).
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify as stringifyYaml } from 'yaml'
import { REPO_ROOT, type Cluster } from '../helpers/cluster'
import { waitUntil } from '../helpers/wait-until'

export { waitUntil }

/** The flags that make nodes and back-off quick enough for tests. */
export const QUICK_FLAGS = [
  '--node-heartbeat',
  '1s',
  '--node-monitor-grace-period',
  '4s',
  '--crash-loop-backoff',
  '1s,8s'
]

/** A finished `kubedesk` run. */
export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `kubedesk <args>` from source (tsx), with `$KUBECONFIG` pointing into the test's tmp. */
export function kubedesk(cluster: Cluster, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: cluster.userKubeconfig }
  delete env.KUBEDESK_HOME
  const cli = join(REPO_ROOT, 'src/main/cli.ts')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** A container status, as much of it as the tests read. */
export interface ContainerStatusView {
  name: string
  restartCount: number
  containerID?: string
  state?: {
    running?: { startedAt?: string }
    waiting?: { reason?: string; message?: string }
    terminated?: { exitCode?: number; reason?: string; finishedAt?: string }
  }
  lastState?: { terminated?: { exitCode?: number; finishedAt?: string } }
}

/** A pod, as much of it as the tests read. */
export interface PodView {
  metadata: { name: string; uid: string }
  spec: { nodeName?: string }
  status?: {
    phase?: string
    podIP?: string
    containerStatuses?: ContainerStatusView[]
  }
}

/** A node, as much of it as the tests read. */
export interface NodeView {
  metadata: { name: string; labels?: Record<string, string> }
  spec: { taints?: { key: string; value?: string; effect: string }[] }
  status: {
    capacity?: Record<string, string>
    conditions?: { type: string; status: string }[]
  }
}

/**
 * Waits until every node in `names` exists (kubelets register a moment after `up` says the
 * node was created), then `kubectl wait --for=condition=Ready node --all`.
 */
export async function waitNodesReady(
  cluster: Cluster,
  names: string[],
  timeoutMs = 60_000
): Promise<void> {
  await waitUntil(
    `nodes ${names.join(', ')} registered`,
    async () => {
      const nodes = await nodesByName(cluster)
      return names.every((n) => nodes.has(n)) ? true : undefined
    },
    timeoutMs,
    500
  )
  const res = await cluster.kubectl(
    ['wait', '--for=condition=Ready', 'node', '--all', `--timeout=${timeoutMs / 1000}s`],
    { timeoutMs: timeoutMs + 5000 }
  )
  if (res.code !== 0) throw new Error(`nodes not Ready: ${res.stdout}\n${res.stderr}`)
}

/** An event, as much of it as the tests read. */
export interface EventView {
  reason?: string
  message?: string
  involvedObject: { name?: string; kind?: string }
}

/** `kubectl get <args> -o json`, parsed; throws with kubectl's stderr when it fails. */
export async function getJson<T>(cluster: Cluster, args: string[]): Promise<T> {
  const res = await cluster.kubectl(['get', ...args, '-o', 'json'])
  if (res.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${res.stderr}`)
  return JSON.parse(res.stdout) as T
}

/** One pod through the API (cheaper than a kubectl process, for tight polling). */
export async function readPod(cluster: Cluster, name: string, ns = 'default'): Promise<PodView> {
  const res = await cluster.request({ path: `/api/v1/namespaces/${ns}/pods/${name}` })
  if (res.status !== 200) throw new Error(`GET pod ${name}: ${res.status} ${res.body}`)
  return res.json as PodView
}

/** Every node by name. */
export async function nodesByName(cluster: Cluster): Promise<Map<string, NodeView>> {
  const list = await getJson<{ items: NodeView[] }>(cluster, ['nodes'])
  return new Map(list.items.map((n) => [n.metadata.name, n]))
}

/** The status of a node's Ready condition ('True', 'False', 'Unknown'), or undefined. */
export function readyStatus(node: NodeView | undefined): string | undefined {
  return node?.status.conditions?.find((c) => c.type === 'Ready')?.status
}

/** Events about the object named `name`. */
export async function eventsFor(cluster: Cluster, name: string): Promise<EventView[]> {
  const list = await getJson<{ items: EventView[] }>(cluster, ['events'])
  return list.items.filter((e) => e.involvedObject.name === name)
}

/** Bytes of a Kubernetes memory quantity (Ki, Mi, Gi, or plain bytes). */
export function memoryBytes(quantity: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(quantity ?? '')
  if (!m) return NaN
  const unit: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9
  }
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1)
}

/** Cores of a Kubernetes CPU quantity ('2', '500m'). */
export function cpuCores(quantity: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity ?? '')
  if (!m) return NaN
  return m[2] ? Number(m[1]) / 1000 : Number(m[1])
}

/** Options of one test pod. */
export interface PodSpecOptions {
  name: string
  node: string
  /** The shell script run by `sh -c`. */
  script: string
  image?: string
  restartPolicy?: 'Always' | 'OnFailure' | 'Never'
  env?: Record<string, unknown>[]
  livenessProbe?: Record<string, unknown>
}

/** A Pod bound to `node` running `sh -c script`, with NODE_NAME from spec.nodeName. */
export function podManifest(o: PodSpecOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, namespace: 'default' },
    spec: {
      nodeName: o.node,
      restartPolicy: o.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: 'main',
          image: o.image ?? 'busybox:latest',
          command: ['sh', '-c', o.script],
          env: [
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            ...(o.env ?? [])
          ],
          ...(o.livenessProbe ? { livenessProbe: o.livenessProbe } : {})
        }
      ]
    }
  }
}

/**
 * `kubectl apply` of several objects at once, as a multi-document YAML stream (a `kind: List`
 * would make kubectl validate against /openapi/v2); throws with kubectl's output.
 */
export async function applyAll(cluster: Cluster, items: Record<string, unknown>[]): Promise<void> {
  const res = await cluster.kubectl(['apply', '-f', '-'], {
    stdin: items.map((item) => stringifyYaml(item)).join('---\n')
  })
  if (res.code !== 0) throw new Error(`kubectl apply failed: ${res.stdout}\n${res.stderr}`)
}

/** A script printing `hello from <node>` then `tick N` every second, forever. */
export const HELLO_SCRIPT =
  'echo hello from $(NODE_NAME); i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'

/** Waits until the pod's first container is running; returns the pod. */
export function waitRunning(cluster: Cluster, name: string, timeoutMs = 30_000): Promise<PodView> {
  return waitUntil(
    `pod ${name} running`,
    async () => {
      const pod = await readPod(cluster, name)
      const running = pod.status?.containerStatuses?.[0]?.state?.running
      return pod.status?.phase === 'Running' && running ? pod : undefined
    },
    timeoutMs
  )
}

/** What a RestartWatch saw. */
export interface RestartRecord {
  /** [restartCount, ms since epoch when first seen] in the order seen. */
  changes: [number, number][]
  /** Every waiting reason seen on the container. */
  waitingReasons: Set<string>
}

/** Polls a pod's first container every 200 ms, recording when its restartCount moves. */
export interface RestartWatch {
  record: RestartRecord
  /** Resolves once restartCount ≥ count. */
  until(count: number, timeoutMs: number): Promise<void>
  stop(): void
}

/** Starts watching the pod `name`'s restart count (polling the API). */
export function watchRestarts(cluster: Cluster, name: string): RestartWatch {
  const record: RestartRecord = { changes: [], waitingReasons: new Set() }
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const poll = async (): Promise<void> => {
    try {
      const pod = await readPod(cluster, name)
      const status = pod.status?.containerStatuses?.[0]
      if (status) {
        const last = record.changes[record.changes.length - 1]
        if (!last || last[0] !== status.restartCount) {
          record.changes.push([status.restartCount, Date.now()])
        }
        const reason = status.state?.waiting?.reason
        if (reason) record.waitingReasons.add(reason)
      }
    } catch {
      // Not created yet, or the API is restarting: try again on the next tick.
    }
    if (!stopped) timer = setTimeout(() => void poll(), 200)
  }
  void poll()
  const current = (): number => record.changes[record.changes.length - 1]?.[0] ?? 0
  return {
    record,
    until: (count, timeoutMs) =>
      waitUntil(
        `${name} restartCount ≥ ${count} (seen ${JSON.stringify(record.changes)})`,
        async () => (current() >= count ? true : undefined),
        timeoutMs
      ).then(() => undefined),
    stop() {
      stopped = true
      clearTimeout(timer)
    }
  }
}

/**
 * The gaps (ms) between successive restarts in `changes`, counting only counts seen to move
 * by exactly one (so a missed observation never fakes a gap).
 */
export function restartGaps(changes: [number, number][]): { from: number; gapMs: number }[] {
  const gaps: { from: number; gapMs: number }[] = []
  for (let i = 1; i < changes.length; i++) {
    const [prevCount, prevAt] = changes[i - 1]
    const [count, at] = changes[i]
    if (count === prevCount + 1 && prevCount >= 1)
      gaps.push({ from: prevCount, gapMs: at - prevAt })
  }
  return gaps
}

/**
 * SIGKILLs every process whose command line contains `marker` (a unique temporary path of the
 * test), by pid: pod processes a process node failed to stop must not outlive the test.
 * Returns the command lines it killed.
 */
export function killProcessesMentioning(marker: string): string[] {
  const killed: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    let cmdline: string
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
    } catch {
      continue
    }
    if (!cmdline.includes(marker)) continue
    try {
      process.kill(Number(entry), 'SIGKILL')
      killed.push(`${entry}: ${cmdline}`)
    } catch {
      // Gone already.
    }
  }
  return killed
}
