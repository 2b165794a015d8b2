/**
 * The cluster the UI benchmark shows, in this process, as `kubedesk up --ui` runs it: a
 * ControlPlane (memory store, port 0, no worker processes), the desktop host over it and the UI
 * server serving the built renderer. Nodes and pods are API objects only, KWOK-style: Nodes
 * written Ready with capacity, pods written bound and then given a Running status through the
 * in-process client. Nothing heartbeats, so the node lifecycle controller's grace is raised
 * to a day to keep the Nodes Ready.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Node, Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../../src/main/apiserver/client'
import type { KubeObject } from '../../src/main/apiserver/types'
import { ControlPlane } from '../../src/main/control-plane'
import { createDesktopHost } from '../../src/main/desktop/host/desktop-host'
import { StartupTracker } from '../../src/main/desktop/startup-tracker'
import { startUiServer, type UiServer } from '../../src/main/desktop/ui-server'
import type { DesktopHostApi } from '../../src/shared/desktop-api'
import { inParallel } from '../scheduler/in-process-cluster'

/** Writes in flight while seeding and churning (the scheduler benchmark's create concurrency). */
const WRITE_CONCURRENCY = 16
/** Namespaces the pods are spread over (the view can group by them). */
const NAMESPACES = 10

export type StoredPod = Pod & KubeObject

/** The running cluster, its UI, and the pods as last written (for the churn's status writes). */
export interface UiCluster {
  url: string
  client: ApiClient
  /** The desktop host the UI server serves. */
  host: DesktopHostApi
  /** Per topic, the first subscription's wait for its first update in the host (ms). */
  hostFirstUpdateMs: Map<string, number>
  pods: StoredPod[]
  close(): Promise<void>
}

/** Starts the control plane, host and UI server; no nodes or pods yet. */
export async function startUiCluster(): Promise<UiCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-bench-ui-'))
  const startup = new StartupTracker({ dataDir })
  const controlPlane = new ControlPlane({
    dataDir,
    store: 'memory',
    nodes: 0,
    provider: 'simulated',
    port: 0,
    nodeMonitorGracePeriodSeconds: 86_400,
    mergeUserKubeconfig: false,
    env: { HOME: dataDir, KUBECONFIG: join(dataDir, 'user-kubeconfig') },
    onProgress: (event) => startup.onProgress(event)
  })
  const host = createDesktopHost({ controlPlane, startup, dataDir })
  const hostFirstUpdateMs = new Map<string, number>()
  const served = timedHost(host, hostFirstUpdateMs)
  let server: UiServer | undefined
  const close = async (): Promise<void> => {
    await server?.close().catch(() => undefined)
    host.close()
    startup.close()
    await controlPlane.stop().catch(() => undefined)
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    server = await startUiServer({ port: 0, host: served })
    await controlPlane.start()
    startup.markRunning()
  } catch (err) {
    await close()
    throw err
  }
  const client = controlPlane.apiClient
  if (!client) throw new Error('the control plane started without an API client')
  return { url: server.url, client, host, hostFirstUpdateMs, pods: [], close }
}

/**
 * The host with its subscriptions timed: how long the first subscription of each topic waited
 * for its first update (the host's share of the first render, without the transport).
 */
function timedHost(host: DesktopHostApi, firstUpdateMs: Map<string, number>): DesktopHostApi {
  return Object.assign(Object.create(host) as DesktopHostApi, {
    subscribe: ((topic, params, emit, fail) => {
      const started = performance.now()
      return host.subscribe(
        topic,
        params,
        (update) => {
          if (!firstUpdateMs.has(topic)) firstUpdateMs.set(topic, performance.now() - started)
          emit(update)
        },
        fail
      )
    }) as DesktopHostApi['subscribe']
  })
}

/** A Node as a kubelet would register it: Ready, 8 cores, 32 Gi, 110 pods. */
function kwokNode(name: string, index: number): Node & KubeObject {
  const capacity = { pods: '110', cpu: '8', memory: '32Gi' }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status'
        }
      ],
      addresses: [{ type: 'InternalIP', address: `10.1.${index >> 8}.${index & 255}` }],
      nodeInfo: {
        kubeletVersion: 'v1.34.0',
        containerRuntimeVersion: 'fake://bench',
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: '',
        machineID: '',
        systemUUID: '',
        bootID: ''
      }
    }
  }
}

function benchPod(namespace: string, name: string, app: string, nodeName: string): StoredPod {
  const resources = { cpu: '100m', memory: '256Mi' }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app } },
    spec: {
      nodeName,
      containers: [
        { name: 'app', image: 'registry.k8s.io/pause:3.10.1', resources: { requests: resources } }
      ]
    }
  }
}

/** The status a kubelet would post for a running (or, for the churn, pending) pod. */
export function podStatus(pod: StoredPod, phase: 'Running' | 'Pending', ip: string): Pod['status'] {
  const running = phase === 'Running'
  const now = new Date().toISOString()
  return {
    phase,
    podIP: ip,
    startTime: pod.status?.startTime ?? now,
    conditions: [{ type: 'Ready', status: running ? 'True' : 'False', lastTransitionTime: now }],
    containerStatuses: [
      {
        name: 'app',
        image: 'registry.k8s.io/pause:3.10.1',
        imageID: '',
        ready: running,
        restartCount: 0,
        started: running,
        state: running
          ? { running: { startedAt: now } }
          : { waiting: { reason: 'ContainerCreating' } }
      }
    ]
  }
}

/** Writes `nodes` Nodes and `pods` Running pods spread evenly over them; logs progress. */
export async function seedCluster(
  cluster: UiCluster,
  nodes: number,
  pods: number,
  log: (line: string) => void
): Promise<void> {
  const { client } = cluster
  const nodeName = (i: number): string => `kwok-node-${i}`
  await inParallel(nodes, WRITE_CONCURRENCY, (i) => client.create(kwokNode(nodeName(i), i)))
  log(`  ${nodes} nodes written`)
  for (let n = 0; n < NAMESPACES; n++) {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}` } })
  }
  const stored: StoredPod[] = new Array(pods)
  let done = 0
  await inParallel(pods, WRITE_CONCURRENCY, async (i) => {
    const namespace = `bench-${i % NAMESPACES}`
    const created = await client.create(
      benchPod(namespace, `pod-${i}`, `app-${i % 50}`, nodeName(i % nodes))
    )
    const ip = `10.244.${(i >> 8) & 255}.${i & 255}`
    stored[i] = await client.updateStatus({ ...created, status: podStatus(created, 'Running', ip) })
    if (++done % 2000 === 0) log(`  ${done}/${pods} pods written`)
  })
  cluster.pods = stored
}

/** Nodes and pods the API holds (the control plane's own node and static pods included). */
export async function countObjects(cluster: UiCluster): Promise<{ nodes: number; pods: number }> {
  const [nodes, pods] = await Promise.all([
    cluster.client.list({ apiVersion: 'v1', kind: 'Node' }),
    cluster.client.list({ apiVersion: 'v1', kind: 'Pod' })
  ])
  return { nodes: nodes.items.length, pods: pods.items.length }
}
