/**
 * The control plane's side of nodes: turns `--nodes N` and `kubedesk node add|stop|start|rm|fail`
 * into provider calls, writes each kubelet's configuration (API server address, the node's
 * token, its serving certificate, its size), and keeps the `kubedesk-control-plane` Node that
 * stands for the machine hosting the control plane (tainted NoSchedule, as kubeadm does).
 *
 * Node objects belong to their kubelets: they register and heartbeat themselves. Only removal
 * deletes a Node (and its Lease and token) here, after the provider removed the node.
 */
import { createServer } from 'node:net'
import { join } from 'node:path'
import { nodeStateDir } from './kubelet-config-file'
import type { KubeletConfig } from '../../agent/config'
import { KUBELET_DEFAULTS } from '../../agent/config'
import type { ApiClient } from '../apiserver/client'
import { ApiError } from '../apiserver/api-errors'
import type { Credentials } from '../apiserver/credentials'
import { NODES_GROUP, AUTHENTICATED_GROUP, NODE_USER_PREFIX } from '../apiserver/credentials'
import type { ComponentLog } from '../observe/component-log'
import { NodeActionError, type NodeActionRequest } from '../control-socket'
import { formatBytes } from '../../shared/quantity'
import {
  CONTROL_PLANE_NODE,
  DEFAULT_NODE_SIZE,
  NodeProviderError,
  workerName,
  type KubeletLaunch,
  type NodeProvider,
  type NodeSize,
  type ProviderNode
} from './types'

/** Port of the kubelet API inside node containers, as kubelet's default. */
const CONTAINER_KUBELET_PORT = KUBELET_DEFAULTS.port

/** What the node manager needs from the rest of the control plane. */
export interface NodeManagerOptions {
  dataDir: string
  /** A provider whose `prepare` has run. */
  provider: NodeProvider
  /** Where kubelets reach the API server (what `prepare` answered). */
  apiServerHost: string
  /** Overrides of kubelet defaults (tests shorten heartbeats and back-off). */
  kubelet?: Partial<Pick<KubeletConfig, 'heartbeatSeconds' | 'leaseDurationSeconds' | 'backoff'>>
  /** The API server's port; kubelets reach it at `https://<apiServerHost>:<port>`. */
  apiServerPort: number
  caCert: string
  credentials: Credentials
  /** The token kube-apiserver presents to kubelets (their only allowed caller). */
  kubeletClientToken: string
  /** Issues a kubelet serving certificate signed by the cluster CA. */
  issueServingCert: (
    nodeName: string,
    addresses: string[]
  ) => Promise<{ cert: string; key: string }>
  /** An in-process client acting as `user` (the control-plane node's kubelet, admin cleanup). */
  clientFor: (user: { username: string; groups: string[] }, fieldManager: string) => ApiClient
  /** Runs an in-process kubelet (control-plane node; simulated nodes). */
  startInProcessKubelet: (
    config: KubeletConfig,
    client: ApiClient
  ) => Promise<{ stop(): Promise<void> }>
  log: ComponentLog
}

/** A node as `kubedesk status` lists it. */
export type NodeSummary = ProviderNode

/** Runs the cluster's nodes through one provider. */
export class NodeManager {
  private controlPlaneKubelet?: { stop(): Promise<void> }
  private readonly launch: KubeletLaunch
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly o: NodeManagerOptions) {
    this.launch = {
      config: (node) => this.kubeletConfig(node.name, node.size, node.address),
      clientFor: (name) => this.nodeClient(name)
    }
  }

  /** The provider's name (docker, process, simulated). */
  get providerName(): string {
    return this.o.provider.name
  }

  /**
   * Registers the control-plane Node and makes sure `wanted` workers exist, adopting running ones;
   * workers are created side by side (each provider serialises what must be).
   */
  async start(wanted: number, onProgress?: (message: string) => void): Promise<void> {
    const existing = new Map((await this.o.provider.list()).map((n) => [n.name, n]))
    const names = new Set(Array.from({ length: wanted }, (_, i) => workerName(i)))
    for (const node of existing.values()) if (node.state === 'running') names.add(node.name)
    await Promise.all([
      this.startControlPlaneNode(),
      ...[...names].map(async (name) => {
        const known = existing.get(name)
        if (known?.state === 'stopped') {
          onProgress?.(`${name}: stopped (start it with 'kubedesk node start ${name}')`)
          return
        }
        const node = await this.o.provider.create(
          name,
          known?.size ?? DEFAULT_NODE_SIZE,
          this.launch
        )
        onProgress?.(`${name}: ${known ? 'adopted' : 'created'} (${describe(node)})`)
        this.o.log.info(known ? 'adopted node' : 'created node', { node: name, ...node.size })
      })
    ])
  }

  /** The provider's nodes. */
  list(): Promise<NodeSummary[]> {
    return this.o.provider.list()
  }

  /** `kubedesk node ACTION NAME`, one at a time. */
  action(request: NodeActionRequest): Promise<{ message: string }> {
    const run = this.queue.then(() => this.runAction(request))
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Detaches from the provider (docker nodes keep running) and stops the control-plane kubelet. */
  async stop(): Promise<void> {
    await this.queue
    await this.o.provider.detach().catch((err: unknown) => {
      this.o.log.warn('detaching from the node provider failed', { err })
    })
    await this.controlPlaneKubelet?.stop()
    this.controlPlaneKubelet = undefined
  }

  private async runAction(r: NodeActionRequest): Promise<{ message: string }> {
    if (r.name === CONTROL_PLANE_NODE) {
      throw new NodeActionError(
        `${CONTROL_PLANE_NODE} stands for the control plane's own machine and cannot be ${VERBS[r.action]}`,
        400
      )
    }
    const nodes = await this.o.provider.list()
    const node = nodes.find((n) => n.name === r.name)
    try {
      switch (r.action) {
        case 'add': {
          if (node) throw new NodeActionError(`node ${r.name} already exists (${node.state})`, 409)
          const size: NodeSize = {
            cpu: r.cpu ?? DEFAULT_NODE_SIZE.cpu,
            memoryBytes: r.memoryBytes ?? DEFAULT_NODE_SIZE.memoryBytes,
            pods: DEFAULT_NODE_SIZE.pods
          }
          const created = await this.o.provider.create(r.name, size, this.launch)
          this.o.log.info('added node', { node: r.name, ...size })
          return { message: `node/${r.name} added (${describe(created)})` }
        }
        case 'stop':
          this.mustExist(r.name, node)
          if (node!.state === 'stopped') return { message: `node/${r.name} is already stopped` }
          await this.o.provider.stop(r.name)
          this.o.log.info('stopped node', { node: r.name })
          return { message: `node/${r.name} stopped (its pods' containers stopped with it)` }
        case 'start':
          this.mustExist(r.name, node)
          if (node!.state === 'running') return { message: `node/${r.name} is already running` }
          await this.o.provider.start(r.name, this.launch)
          this.o.log.info('started node', { node: r.name })
          return { message: `node/${r.name} started` }
        case 'fail':
          this.mustExist(r.name, node)
          if (node!.state === 'stopped') return { message: `node/${r.name} is already stopped` }
          await this.o.provider.fail(r.name)
          this.o.log.warn('failed node (simulated crash)', { node: r.name })
          return {
            message:
              `node/${r.name} failed (simulated crash): its kubelet and its pods' containers ` +
              `were killed; it goes NotReady once its lease expires`
          }
        case 'rm':
          this.mustExist(r.name, node)
          await this.o.provider.remove(r.name)
          await this.forgetNode(r.name)
          this.o.log.info('removed node', { node: r.name })
          return { message: `node/${r.name} removed` }
      }
    } catch (err) {
      if (err instanceof NodeProviderError) throw new NodeActionError(err.message, 500, err.hint)
      throw err
    }
  }

  private mustExist(name: string, node: ProviderNode | undefined): void {
    if (!node) {
      throw new NodeActionError(
        `no node named ${name} in this cluster`,
        404,
        "'kubectl get nodes' lists them."
      )
    }
  }

  /** The Node object, its Lease and its token go with a removed node. */
  private async forgetNode(name: string): Promise<void> {
    const admin = this.o.clientFor(
      { username: 'system:kube-controller-manager', groups: [AUTHENTICATED_GROUP] },
      'kubedesk-node-manager'
    )
    const ignoreMissing = (err: unknown): void => {
      if (!(err instanceof ApiError && err.code === 404)) throw err
    }
    await admin.delete({ apiVersion: 'v1', kind: 'Node' }, undefined, name).catch(ignoreMissing)
    await admin
      .delete({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }, 'kube-node-lease', name)
      .catch(ignoreMissing)
    this.o.credentials.revokeNodeToken(name)
  }

  private nodeClient(name: string): ApiClient {
    return this.o.clientFor(
      { username: NODE_USER_PREFIX + name, groups: [NODES_GROUP, AUTHENTICATED_GROUP] },
      'kubelet'
    )
  }

  /** The control plane's machine as a Node: registered and heartbeating, tainted NoSchedule. */
  private async startControlPlaneNode(): Promise<void> {
    const config = await this.kubeletConfig(CONTROL_PLANE_NODE, DEFAULT_NODE_SIZE, '127.0.0.1', {
      inProcess: true
    })
    config.labels = { 'node-role.kubernetes.io/control-plane': '' }
    const client = this.nodeClient(CONTROL_PLANE_NODE)
    this.controlPlaneKubelet = await this.o.startInProcessKubelet(config, client)
    await client.patch({ apiVersion: 'v1', kind: 'Node' }, undefined, CONTROL_PLANE_NODE, 'merge', {
      metadata: { labels: { 'node-role.kubernetes.io/worker': null } },
      spec: {
        taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]
      }
    })
  }

  /** A kubelet's configuration; providers adjust the parts that are theirs (dirs, network). */
  private async kubeletConfig(
    name: string,
    size: NodeSize,
    address: string,
    opts: { inProcess?: boolean } = {}
  ): Promise<KubeletConfig> {
    const provider = this.o.provider.name
    const inProcess = opts.inProcess || provider === 'simulated'
    const rootDir = nodeStateDir(this.o.dataDir, name)
    const config: KubeletConfig = {
      nodeName: name,
      runtime: inProcess ? 'fake' : provider === 'docker' ? 'docker' : 'process',
      capacity: {
        cpu: String(size.cpu),
        memory: formatBytes(size.memoryBytes),
        pods: String(size.pods)
      },
      labels: {},
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name }
      ],
      heartbeatSeconds: KUBELET_DEFAULTS.heartbeatSeconds,
      leaseDurationSeconds: KUBELET_DEFAULTS.leaseDurationSeconds,
      nodeStatusReportSeconds: KUBELET_DEFAULTS.nodeStatusReportSeconds,
      backoff: { ...KUBELET_DEFAULTS.backoff },
      qps: KUBELET_DEFAULTS.qps,
      burst: KUBELET_DEFAULTS.burst,
      rootDir,
      hostRootDir: rootDir,
      ...this.o.kubelet
    }
    if (inProcess) return config
    config.apiServer = {
      url: `https://${this.o.apiServerHost}:${this.o.apiServerPort}`,
      caCert: this.o.caCert,
      token: this.o.credentials.issueNodeToken(name)
    }
    const { cert, key } = await this.o.issueServingCert(name, [address])
    config.server = {
      host: provider === 'docker' ? '0.0.0.0' : address,
      port: provider === 'docker' ? CONTAINER_KUBELET_PORT : await freePort(address),
      cert,
      key,
      allowedTokens: [this.o.kubeletClientToken]
    }
    config.criSocket = join(rootDir, 'cri.sock')
    return config
  }
}

const VERBS: Record<NodeActionRequest['action'], string> = {
  add: 'added',
  stop: 'stopped',
  start: 'started',
  rm: 'removed',
  fail: 'failed'
}

function describe(node: ProviderNode): string {
  const cpu = `${node.size.cpu} CPU`
  const memory = formatBytes(node.size.memoryBytes)
  return `${cpu}, ${memory} memory${node.address ? `, ${node.address}` : ''}`
}

/** A port free on `host` right now (process nodes each need their own kubelet port). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
