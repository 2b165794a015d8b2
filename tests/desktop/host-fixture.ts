/**
 * What the desktop host tests share: an in-process control plane (memory store, port 0, the
 * user's kubeconfig left alone) with a host context and a running start-up source, waiting for a
 * node's Ready condition, recorders of one subscription's updates, and polling.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ControlPlane, type NodeProviderName } from '../../src/main/control-plane'
import type { ApiClient } from '../../src/main/apiserver/client'
import type { HostContext, StartupSource } from '../../src/main/desktop/host/host-context'
import { NODE_TYPE } from '../../src/main/desktop/host/resource-types'
import type { Store } from '../../src/main/store/types'
import type { ListUpdate, LogLine, StartupState } from '../../src/shared/desktop-api'
import { waitUntil } from '../helpers/wait-until'

/** A running cluster for one test file. */
export interface HostCluster {
  controlPlane: ControlPlane
  ctx: HostContext
  client: ApiClient
  dataDir: string
  /** The control plane's store, to force compaction (410 Expired). */
  store(): Store
  stop(): Promise<void>
}

/** What cluster a test file needs. */
export interface HostClusterOptions {
  /** Workers (default 2). */
  nodes?: number
  /** Their provider (default simulated). */
  provider?: NodeProviderName
  /**
   * Heartbeats every second and a 4 s lease and grace period, so a failed node turns NotReady
   * within seconds (for node actions; the default keeps the control plane's own periods).
   */
  quickNodeHealth?: boolean
}

/** A start-up source that says the cluster is running. */
export const runningStartup: StartupSource = {
  current: (): StartupState => ({ phase: 'running', steps: [] }),
  subscribe: () => () => undefined
}

/** Starts a control plane with the workers `options` asks for. */
export async function startHostCluster(options: HostClusterOptions = {}): Promise<HostCluster> {
  const { nodes = 2, provider = 'simulated', quickNodeHealth = false } = options
  const dataDir = mkdtempSync(join(tmpdir(), 'kd-host-'))
  const controlPlane = new ControlPlane({
    dataDir,
    store: 'memory',
    nodes,
    provider,
    port: 0,
    ...(quickNodeHealth
      ? {
          kubelet: { heartbeatSeconds: 1, leaseDurationSeconds: 4 },
          nodeMonitorGracePeriodSeconds: 4
        }
      : {}),
    mergeUserKubeconfig: false,
    env: { HOME: dataDir, KUBECONFIG: join(dataDir, 'user-kubeconfig') }
  })
  try {
    await controlPlane.start()
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  return {
    controlPlane,
    ctx: { controlPlane, startup: runningStartup, dataDir },
    client: controlPlane.apiClient!,
    dataDir,
    // Private on purpose: only a test needs to compact the store by hand.
    store: () => (controlPlane as unknown as { store: Store }).store,
    async stop() {
      await controlPlane.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** The Ready condition's status of node `name`. */
async function nodeReady(client: ApiClient, name: string): Promise<string | undefined> {
  const node = await client.get(NODE_TYPE, undefined, name)
  const conditions = (node.status as { conditions?: { type: string; status: string }[] })
    ?.conditions
  return conditions?.find((c) => c.type === 'Ready')?.status
}

/** Waits until node `name` is Ready (its Ready condition True) or, for `NotReady`, is not. */
export async function waitForNode(
  cluster: HostCluster,
  name: string,
  state: 'Ready' | 'NotReady',
  timeoutMs?: number
): Promise<void> {
  await eventually(
    `${name} ${state}`,
    async () =>
      ((await nodeReady(cluster.client, name)) === 'True') === (state === 'Ready')
        ? true
        : undefined,
    timeoutMs
  )
}

/** Records what one subscription pushed. */
export class Recorder<T> {
  readonly updates: T[] = []
  readonly errors: string[] = []
  private waiters: (() => void)[] = []

  readonly emit = (update: T): void => {
    this.updates.push(update)
    this.wake()
  }

  readonly fail = (message: string): void => {
    this.errors.push(message)
    this.wake()
  }

  /** Resolves once `check` holds for what was recorded (rejects after `timeoutMs`). */
  async until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; got ${this.updates.length} updates`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500))
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}

/** Records one log subscription's pushes (each a batch of lines). */
export class LogRecorder extends Recorder<LogLine[]> {
  /** Every line pushed so far, in order. */
  lines(): LogLine[] {
    return this.updates.flat()
  }
}

/** A list as the renderer keeps it: updates applied in order. */
export function applyUpdates<T extends { key: string }>(updates: ListUpdate<T>[]): Map<string, T> {
  const items = new Map<string, T>()
  for (const u of updates) {
    if (u.reset) {
      items.clear()
      for (const item of u.items) items.set(item.key, item)
    } else {
      for (const key of u.deletes) items.delete(key)
      for (const item of u.upserts) items.set(item.key, item)
    }
  }
  return items
}

/** The items of the list `updates` build, as an array. */
export function listItems<T extends { key: string }>(updates: ListUpdate<T>[]): T[] {
  return [...applyUpdates(updates).values()]
}

/** Polls `check` (every 100 ms) until it answers something other than undefined. */
export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000
): Promise<T> {
  return waitUntil(what, check, timeoutMs, 100)
}

/** A small pod manifest; `spec` and `env` add to it. */
export function podManifest(
  name: string,
  labels: Record<string, string> = {},
  namespace = 'default',
  extra: { spec?: Record<string, unknown>; env?: { name: string; value: string }[] } = {}
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      ...extra.spec,
      containers: [
        {
          name: 'app',
          image: 'busybox',
          resources: { requests: { cpu: '100m', memory: '64Mi' } },
          ...(extra.env ? { env: extra.env } : {})
        }
      ]
    }
  }
}
