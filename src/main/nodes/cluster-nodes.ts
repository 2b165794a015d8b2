/**
 * The control plane's worker nodes: the node provider (docker when an engine answers, else
 * process; or as asked) with its `node-provider` log, and the NodeManager that creates or adopts
 * the workers and the control-plane Node. `prepare` runs before the API server (docker: the
 * cluster network, whose gateway the API server also listens on, and the node image); `start`
 * after it; `stop` detaches (docker nodes keep running and the next `up` adopts them).
 */
import type { LaunchedApiServer } from '../apiserver/launch'
import { issueKubeletServingCert } from '../apiserver/pki'
import { NodeActionError, type NodeActionRequest } from '../control-socket'
import { createComponentLog, type ComponentLog } from '../observe/component-log'
import type { ClusterStatus } from '../../shared/status'
import { createNodeProvider } from './create-provider'
import { kubeletLogComponent } from './kubelet-verbosity'
import { InProcessLogs } from './in-process-logs'
import { InProcessStats } from './in-process-stats'
import { NodeManager, type NodeManagerOptions } from './node-manager'
import type { NodeProvider, NodeProviderName } from './types'

/** The node provider's component name in logs. */
export const NODE_PROVIDER_COMPONENT = 'node-provider'

/** What the nodes need from the control plane's options. */
export interface ClusterNodesOptions {
  dataDir: string
  /** 'auto': docker when a Docker engine answers, else process. */
  provider: NodeProviderName | 'auto'
  /** Kubelet overrides (heartbeat, CrashLoopBackOff delays). */
  kubelet?: NodeManagerOptions['kubelet']
  /** A finished step, for the start-up display. */
  progress: (message: string) => void
}

/** The provider and the nodes of one control plane. */
export class ClusterNodes {
  private provider?: NodeProvider
  private reason = ''
  private log?: ComponentLog
  private manager?: NodeManager
  /** Where node containers reach the API server (the cluster network's gateway for docker). */
  apiServerHost = '127.0.0.1'
  /** The stats of the kubelets in this process (control-plane node, simulated nodes). */
  readonly inProcessStats = new InProcessStats()
  /** Their runtimes, for pods/log. */
  readonly inProcessLogs = new InProcessLogs()

  constructor(private readonly o: ClusterNodesOptions) {}

  /** Picks the provider and prepares it; answers where the API server must also listen. */
  async prepare(): Promise<string> {
    const o = this.o
    const log = (this.log = createComponentLog(o.dataDir, NODE_PROVIDER_COMPONENT))
    const { provider, reason } = await createNodeProvider(o.provider, {
      dataDir: o.dataDir,
      log,
      inProcessStats: this.inProcessStats,
      inProcessLogs: this.inProcessLogs
    })
    this.provider = provider
    this.reason = reason
    log.info('node provider chosen', { provider: provider.name, reason })
    o.progress(`${provider.name} provider (${reason})`)
    const { apiServerHost } = await provider.prepare((message: string) => {
      log.info(message)
      o.progress(message)
    })
    this.apiServerHost = apiServerHost
    return apiServerHost
  }

  /** The control-plane Node and `count` workers (created, or adopted when they run). */
  async start(launched: LaunchedApiServer, count: number): Promise<void> {
    const o = this.o
    const server = launched.server
    const log = this.log!
    const { startInProcessKubelet } = await import('./in-process-kubelet')
    this.manager = new NodeManager({
      dataDir: o.dataDir,
      provider: this.provider!,
      apiServerHost: this.apiServerHost,
      apiServerPort: server.port,
      caCert: launched.credentials.caCert,
      credentials: launched.tokens,
      kubeletClientToken: launched.kubeletClientToken,
      issueServingCert: (name, addresses) => issueKubeletServingCert(o.dataDir, name, addresses),
      clientFor: (user, fieldManager) => server.clientFor(user, fieldManager),
      // Each in-process kubelet logs as `kubelet-<node>`, as a docker or process node's does.
      startInProcessKubelet: (config, client) =>
        startInProcessKubelet(
          config,
          client,
          createComponentLog(o.dataDir, kubeletLogComponent(config.nodeName), {
            lineComponent: 'kubelet'
          }),
          this.inProcessStats,
          this.inProcessLogs
        ),
      kubelet: o.kubelet,
      log
    })
    await this.manager.start(count, (message) => {
      log.info(message)
      o.progress(message)
    })
  }

  /** The provider and nodes for `kubedesk status` (nothing before `prepare`). */
  async status(): Promise<Pick<ClusterStatus, 'nodeProvider' | 'nodes'>> {
    if (!this.provider) return {}
    const nodes = (await this.manager?.list().catch(() => [])) ?? []
    return {
      nodeProvider: { name: this.provider.name, reason: this.reason },
      nodes: nodes.map((n) => ({
        name: n.name,
        state: n.state,
        cpu: n.size.cpu,
        memoryBytes: n.size.memoryBytes,
        address: n.address
      }))
    }
  }

  /** `kubedesk node add|stop|start|rm` (through the control socket) and the UI's node buttons. */
  action(request: NodeActionRequest): Promise<{ message: string }> {
    if (!this.manager) {
      return Promise.reject(new NodeActionError('the control plane is not running', 503))
    }
    return this.manager.action(request)
  }

  /** Stops the kubelets the control plane runs itself and detaches from the provider. */
  async stop(): Promise<void> {
    if (this.manager) {
      await this.manager.stop()
      this.manager = undefined
      this.log?.info('detached from the node provider')
    } else if (this.provider) {
      await this.provider.detach().catch(() => undefined)
    }
    this.provider = undefined
    this.log?.close()
  }
}
