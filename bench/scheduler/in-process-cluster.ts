/**
 * The control plane pieces the scheduling shapes need, in this process, as `kubedesk up` opens
 * them: a sqlite store in a fresh temporary data directory, the API server over it
 * (`launchApiServer`: PKI, tokens, HTTPS on 127.0.0.1), and — when asked — the real scheduler
 * with its own component log and the client identity `up` gives it. No kubelets and no
 * controllers, as in Kubernetes' scheduler_perf: Nodes are API objects only.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Node, Pod } from 'kubernetes-types/core/v1'
import { launchApiServer } from '../../src/main/apiserver/launch'
import type { ApiClient } from '../../src/main/apiserver/client'
import type { ApiServer } from '../../src/main/apiserver/server'
import type { KubeObject } from '../../src/main/apiserver/types'
import { createComponentLog, type ComponentLog } from '../../src/main/observe/component-log'
import { startScheduler, type Scheduler } from '../../src/main/scheduler/scheduler'
import { openStore, type Store } from '../../src/main/store'

/** What the scheduler said about each pod it placed (from its `pod scheduled` log lines). */
export interface PlacementStats {
  /** Nodes run through Filter for each pod. */
  evaluated: number[]
  /** Feasible nodes scored for each pod. */
  feasible: number[]
}

/** One in-process control plane; `close()` must be called however the run ended. */
export class InProcessCluster {
  readonly placements: PlacementStats = { evaluated: [], feasible: [] }
  private scheduler?: Scheduler
  private schedulerLog?: ComponentLog

  private constructor(
    readonly dataDir: string,
    private readonly store: Store,
    private readonly apiLog: ComponentLog,
    readonly server: ApiServer
  ) {}

  /** Opens the store and serves the API (no scheduler yet). */
  static async start(): Promise<InProcessCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-sched-'))
    const store = await openStore({ backend: 'sqlite', dataDir })
    const apiLog = createComponentLog(dataDir, 'kube-apiserver')
    const launched = await launchApiServer({ dataDir, store, port: 0, log: apiLog })
    return new InProcessCluster(dataDir, store, apiLog, launched.server)
  }

  /** The client the benchmark's load generator uses (the admin's identity). */
  get client(): ApiClient {
    return this.server.clientFor(
      { username: 'kubernetes-admin', groups: ['system:masters'] },
      'kubectl'
    )
  }

  /** Starts the real scheduler as `up` does; resolves once it has listed Nodes and Pods. */
  async startScheduler(): Promise<void> {
    const log = createComponentLog(this.dataDir, 'kube-scheduler')
    this.schedulerLog = log
    const placements = this.placements
    // The real component log, plus the placement numbers its `pod scheduled` lines carry.
    const tap: Pick<ComponentLog, 'info' | 'warn' | 'error'> = {
      info(message, values) {
        if (message === 'pod scheduled' && values) {
          placements.evaluated.push(Number(values.evaluated))
          placements.feasible.push(Number(values.feasible))
        }
        log.info(message, values)
      },
      warn: (message, values) => log.warn(message, values),
      error: (message, values) => log.error(message, values)
    }
    this.scheduler = startScheduler({
      client: this.server.clientFor(
        { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
        'default-scheduler'
      ),
      log: tap
    })
    await this.scheduler.ready
  }

  /** Stops everything and removes the data directory. */
  async close(): Promise<void> {
    this.scheduler?.stop()
    this.scheduler = undefined
    await this.server.close().catch(() => undefined)
    await this.store.close().catch(() => undefined)
    this.schedulerLog?.close()
    this.apiLog.close()
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** scheduler_perf's `node-default.yaml`: 4 cpu, 32 Gi, 110 pods, Ready; no kubelet behind it. */
export function perfNode(name: string): Node & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: {
      capacity: { pods: '110', cpu: '4', memory: '32Gi' },
      allocatable: { pods: '110', cpu: '4', memory: '32Gi' },
      conditions: [{ type: 'Ready', status: 'True' }],
      phase: 'Running'
    }
  }
}

/** scheduler_perf's `pod-default.yaml`: one pause container, 100m cpu and 500 Mi requested. */
export function perfPod(namespace: string, name: string): Pod & KubeObject {
  const resources = { cpu: '100m', memory: '500Mi' }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      containers: [
        {
          name: 'pause',
          image: 'registry.k8s.io/pause:3.10.1',
          ports: [{ containerPort: 80 }],
          resources: { limits: resources, requests: resources }
        }
      ]
    }
  }
}

/** Runs `count` calls of `work(i)` with `concurrency` in flight; rejects on the first error. */
export async function inParallel(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<unknown>
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++)
    })
  )
}
