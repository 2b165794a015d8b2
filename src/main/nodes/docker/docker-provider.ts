/**
 * The docker node provider: each worker is a container (`kubedesk-worker`, …) on the host's
 * engine, running the node image (`node /kubedesk/kubelet.js`) on the cluster network with a
 * fixed address, its CPU and memory limits, the engine's socket (the kubelet's docker runtime
 * runs pods as sibling containers) and its state directory.
 *
 * The state directory `<dataDir>/nodes/<name>` is bind-mounted at the same path inside the node,
 * so the kubelet's rootDir and hostRootDir are one path: a volume the kubelet makes under its
 * rootDir is also the right host path for the bind mount of a sibling pod container.
 *
 * Node containers outlive the control plane (`detach` leaves them running); the next `up` adopts
 * them by name and labels.
 */
import Dockerode from 'dockerode'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { KubeletConfig } from '../../../agent/config'
import { LABELS } from '../../../agent/runtime/types'
import {
  checkNodeName,
  checkNodeSize,
  KUBELET_CONFIG_ENV,
  kubeletConfigFile,
  nodeStateDir,
  writeKubeletConfig
} from '../kubelet-config-file'
import { createKeyedLock } from '../node-lock'
import {
  NodeProviderError,
  type KubeletLaunch,
  type NodeProvider,
  type NodeProviderOptions,
  type NodeSize,
  type ProviderNode,
  type ProviderProgress
} from '../types'
import {
  CLUSTER_LABEL,
  DEFAULT_NETWORK,
  DEFAULT_SUBNET,
  ensureClusterNetwork,
  freeNodeAddress,
  type ClusterNetwork
} from './cluster-network'
import {
  connectDocker,
  dockerError,
  dockerSocketPath,
  isNotFound,
  isNotModified,
  pingDocker
} from './docker-engine'
import { containerLog, type ContainerLogOptions } from './container-log'
import { createKubeletLogCollector } from './kubelet-log-collector'
import { DOCKER_EVENTS_COMPONENT, watchDockerEvents, type DockerEventWatch } from './docker-events'
import { createComponentLog, type ComponentLog } from '../../observe/component-log'
import { ensureNodeImage } from './node-image'

/** Labels on node containers (besides CLUSTER_LABEL and LABELS.node). */
export const ROLE_LABEL = 'io.kubedesk.role'
/** The node's max pods, which the container's limits cannot say. */
export const PODS_LABEL = 'io.kubedesk.pods'

/** Where the engine's socket appears inside a node container. */
const SOCKET_IN_NODE = '/var/run/docker.sock'

/** Seconds a node's kubelet gets to stop before SIGKILL. */
const STOP_SECONDS = 10
/**
 * Seconds a stopped node's pod containers get: the node is going away as a machine does when it
 * is switched off, so they get a short SIGTERM grace, not their pods' full grace period.
 */
const POD_STOP_SECONDS = 2

/** What the docker provider takes beyond every provider's options. */
export interface DockerProviderOptions extends NodeProviderOptions {
  docker?: Dockerode
  /** The kubelet bundle (out/agent/kubelet.js). */
  agentBundle: string
  /** The cluster network's name (default `kubedesk`). */
  network?: string
  /** Its subnet when it must be created (default 172.30.0.0/16; the next ones on conflict). */
  subnet?: string
}

/** The docker provider: a NodeProvider, plus each node's kubelet log. */
export interface DockerNodeProvider extends NodeProvider {
  /** The kubelet's output (the node container's stdout and stderr), followed when asked. */
  logs(name: string, opts?: ContainerLogOptions): Promise<Readable>
  /** The node image tag prepare() made sure of. */
  readonly image: string | undefined
}

type ContainerInfo = Awaited<ReturnType<Dockerode.Container['inspect']>>

/** Makes the docker node provider for one data directory. */
export function createDockerProvider(opts: DockerProviderOptions): DockerNodeProvider {
  const docker = opts.docker ?? connectDocker()
  const networkName = opts.network ?? DEFAULT_NETWORK
  const { dataDir, log } = opts
  let network: ClusterNetwork | undefined
  let image: string | undefined
  const lock = createKeyedLock()
  const kubeletLogs = createKubeletLogCollector(docker, dataDir, log)
  let events: { watch: DockerEventWatch; log: ComponentLog } | undefined

  const call = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      throw dockerError(action, err)
    }
  }

  async function prepare(onProgress?: ProviderProgress): Promise<{ apiServerHost: string }> {
    const why = await pingDocker(docker, 5000)
    if (why !== undefined) {
      throw new NodeProviderError(
        `cannot reach the Docker engine at ${dockerSocketPath()}: ${why}`,
        'start Docker, or use --provider process'
      )
    }
    network = await ensureClusterNetwork(
      docker,
      networkName,
      dataDir,
      opts.subnet ?? DEFAULT_SUBNET
    )
    log.info('cluster network ready', { ...network })
    if (!events) {
      const eventLog = createComponentLog(dataDir, DOCKER_EVENTS_COMPONENT)
      events = { watch: watchDockerEvents(docker, dataDir, eventLog), log: eventLog }
    }
    image = await ensureNodeImage(docker, { agentBundle: opts.agentBundle, onProgress, log })
    return { apiServerHost: network.gateway }
  }

  async function ready(): Promise<{ network: ClusterNetwork; image: string }> {
    if (!network || !image) await prepare()
    return { network: network!, image: image! }
  }

  /** Our node container `name`, or undefined; another cluster's container of that name is an error. */
  async function inspectNode(name: string): Promise<ContainerInfo | undefined> {
    let info: ContainerInfo
    try {
      info = await docker.getContainer(name).inspect()
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw dockerError(`cannot inspect node container ${name}`, err)
    }
    const labels = info.Config.Labels ?? {}
    if (labels[CLUSTER_LABEL] !== dataDir || labels[ROLE_LABEL] !== 'worker') {
      throw new NodeProviderError(
        `a container named ${name} exists but is not a node of this cluster` +
          (labels[CLUSTER_LABEL] ? ` (it belongs to ${labels[CLUSTER_LABEL]})` : ''),
        `remove it (docker rm -f ${name}) or pick another node name`
      )
    }
    return info
  }

  function toProviderNode(info: ContainerInfo): ProviderNode {
    const labels = info.Config.Labels ?? {}
    const nets = info.NetworkSettings.Networks ?? {}
    const net = (nets[networkName] ?? Object.values(nets)[0]) as
      { IPAddress?: string; IPAMConfig?: { IPv4Address?: string } | null } | undefined
    return {
      name: labels[LABELS.node] ?? info.Name.replace(/^\//, ''),
      state: info.State.Running && !info.State.Paused ? 'running' : 'stopped',
      size: {
        cpu: (info.HostConfig.NanoCpus ?? 0) / 1e9,
        memoryBytes: info.HostConfig.Memory ?? 0,
        pods: Number(labels[PODS_LABEL] ?? 110)
      },
      address: net?.IPAMConfig?.IPv4Address || net?.IPAddress || undefined,
      id: info.Id
    }
  }

  /** Writes the kubelet config for a node whose address and size are known. */
  async function writeConfig(
    name: string,
    size: NodeSize,
    address: string,
    launch: KubeletLaunch
  ): Promise<string> {
    const given = await launch.config({ name, size, address })
    const stateDir = nodeStateDir(dataDir, name)
    const config: KubeletConfig = {
      ...given,
      nodeName: name,
      runtime: 'docker',
      rootDir: stateDir,
      hostRootDir: stateDir,
      network: networkName,
      criSocket: given.criSocket ?? join(stateDir, 'cri.sock')
    }
    return writeKubeletConfig(dataDir, name, config)
  }

  /**
   * A running node found by a new control plane keeps running, unless its kubelet could no
   * longer reach the API server (another port after a restart, a new CA or token): then its
   * config is rewritten and only the kubelet restarts; the pods' containers are siblings on the
   * engine and are adopted again by the restarted kubelet.
   */
  async function refreshAdopted(info: ContainerInfo, launch: KubeletLaunch): Promise<void> {
    const node = toProviderNode(info)
    if (!node.address) return
    const reach = (c: Partial<KubeletConfig> | undefined): string =>
      JSON.stringify([c?.apiServer, c?.server?.allowedTokens])
    const before = await readFile(kubeletConfigFile(dataDir, node.name), 'utf8')
      .then((text) => JSON.parse(text) as Partial<KubeletConfig>)
      .catch(() => undefined)
    const next = await launch.config({ name: node.name, size: node.size, address: node.address })
    if (reach(before) === reach(next)) return
    await writeConfig(node.name, node.size, node.address, launch)
    await call(`cannot restart the kubelet of node ${node.name}`, () =>
      docker.getContainer(info.Id).restart({ t: STOP_SECONDS })
    )
    log.info('kubelet restarted with a new API server address or credentials', { node: node.name })
  }

  async function startContainer(info: ContainerInfo, launch: KubeletLaunch): Promise<void> {
    const node = toProviderNode(info)
    if (!node.address) throw new NodeProviderError(`node container ${node.name} has no address`)
    await writeConfig(node.name, node.size, node.address, launch)
    const container = docker.getContainer(info.Id)
    await call(`cannot start node ${node.name}`, async () => {
      if (info.State.Paused) return container.unpause()
      try {
        await container.start()
      } catch (err) {
        if (!isNotModified(err)) throw err
      }
    })
    kubeletLogs.follow(node.name, info.Id)
    log.info('node started', { node: node.name, address: node.address })
  }

  async function create(
    name: string,
    size: NodeSize,
    launch: KubeletLaunch
  ): Promise<ProviderNode> {
    checkNodeName(name)
    checkNodeSize(size)
    const { network: net, image: nodeImage } = await ready()
    const existing = await inspectNode(name)
    if (existing?.State.Running && !existing.State.Paused) {
      await refreshAdopted(existing, launch)
      kubeletLogs.follow(name, existing.Id)
      log.info('node adopted', { node: name, container: existing.Id.slice(0, 12) })
      return toProviderNode(existing)
    }
    if (existing) {
      await startContainer(existing, launch)
      return toProviderNode(await docker.getContainer(existing.Id).inspect())
    }

    const stateDir = nodeStateDir(dataDir, name)
    // Another node may take the same free address between our look and the engine's create.
    for (let attempt = 1; ; attempt++) {
      const address = await freeNodeAddress(docker, net)
      const configFile = await writeConfig(name, size, address, launch)
      try {
        const container = await docker.createContainer({
          name,
          Hostname: name,
          Image: nodeImage,
          Env: [`${KUBELET_CONFIG_ENV}=${configFile}`],
          Labels: {
            [CLUSTER_LABEL]: dataDir,
            [LABELS.node]: name,
            [ROLE_LABEL]: 'worker',
            [PODS_LABEL]: String(size.pods)
          },
          HostConfig: {
            NanoCpus: Math.round(size.cpu * 1e9),
            Memory: size.memoryBytes,
            Binds: [`${dockerSocketPath()}:${SOCKET_IN_NODE}`, `${stateDir}:${stateDir}`],
            NetworkMode: net.name,
            RestartPolicy: { Name: 'no' },
            Init: true
          },
          NetworkingConfig: {
            EndpointsConfig: { [net.name]: { IPAMConfig: { IPv4Address: address } } }
          }
        })
        try {
          await container.start()
        } catch (err) {
          await container.remove({ force: true }).catch(() => undefined)
          throw err
        }
        kubeletLogs.follow(name, container.id)
        log.info('node created', { node: name, address, container: container.id.slice(0, 12) })
        return toProviderNode(await container.inspect())
      } catch (err) {
        if (attempt < 3 && /address already in use|conflict.*address/i.test(String(err))) continue
        throw dockerError(`cannot create node ${name}`, err)
      }
    }
  }

  /** Containers of the node's pods (sandboxes and containers the kubelet made). */
  async function podContainers(name: string): Promise<Dockerode.ContainerInfo[]> {
    const all = await call(`cannot list the containers of node ${name}`, () =>
      docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${name}`] } })
    )
    return all.filter((c) => c.Labels?.[ROLE_LABEL] !== 'worker')
  }

  async function stop(name: string): Promise<void> {
    const node = await inspectNode(name)
    if (!node) throw new NodeProviderError(`no node ${name}`)
    // The kubelet first, or it would restart the pods we stop.
    await call(`cannot stop node ${name}`, async () => {
      await docker
        .getContainer(node.Id)
        .stop({ t: STOP_SECONDS })
        .catch((err: unknown) => {
          if (!isNotModified(err)) throw err
        })
    })
    const pods = (await podContainers(name)).filter(
      (c) => c.State === 'running' || c.State === 'paused'
    )
    await Promise.all(
      pods.map((c) =>
        docker
          .getContainer(c.Id)
          .stop({ t: POD_STOP_SECONDS })
          .catch((err: unknown) => {
            if (!isNotModified(err) && !isNotFound(err)) {
              log.warn('cannot stop pod container', { node: name, container: c.Id, err })
            }
          })
      )
    )
    log.info('node stopped', { node: name, podContainers: pods.length })
  }

  /** A crash: SIGKILL to the node container, then to its running pod containers. */
  async function fail(name: string): Promise<void> {
    const node = await inspectNode(name)
    if (!node) throw new NodeProviderError(`no node ${name}`)
    const kill = (id: string): Promise<void> =>
      docker
        .getContainer(id)
        .kill({ signal: 'SIGKILL' })
        .catch((err: unknown) => {
          // 409: not running (any more); 404: gone.
          const code = (err as { statusCode?: number } | undefined)?.statusCode
          if (code !== 409 && !isNotFound(err)) throw err
        })
    await call(`cannot kill node ${name}`, () => kill(node.Id))
    const pods = (await podContainers(name)).filter(
      (c) => c.State === 'running' || c.State === 'paused'
    )
    await Promise.all(
      pods.map((c) =>
        kill(c.Id).catch((err: unknown) =>
          log.warn('cannot kill pod container', { node: name, container: c.Id, err })
        )
      )
    )
    log.warn('node failed (simulated crash)', { node: name, podContainers: pods.length })
  }

  async function start(name: string, launch: KubeletLaunch): Promise<void> {
    await ready()
    const node = await inspectNode(name)
    if (!node) throw new NodeProviderError(`no node ${name}`, 'create it first')
    await startContainer(node, launch)
  }

  async function remove(name: string): Promise<void> {
    const node = await inspectNode(name)
    if (node) {
      await call(`cannot remove node ${name}`, () =>
        docker
          .getContainer(node.Id)
          .remove({ force: true })
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err
          })
      )
    }
    const pods = await podContainers(name)
    await Promise.all(
      pods.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch((err: unknown) => {
            if (!isNotFound(err)) log.warn('cannot remove pod container', { node: name, err })
          })
      )
    )
    try {
      await rm(nodeStateDir(dataDir, name), { recursive: true, force: true })
    } catch (err) {
      log.warn('cannot remove node state directory', { node: name, err })
    }
    log.info('node removed', { node: name, podContainers: pods.length })
  }

  async function list(): Promise<ProviderNode[]> {
    const found = await call('cannot list node containers', () =>
      docker.listContainers({
        all: true,
        filters: { label: [`${CLUSTER_LABEL}=${dataDir}`, `${ROLE_LABEL}=worker`] }
      })
    )
    const nodes: ProviderNode[] = []
    for (const c of found) {
      try {
        nodes.push(toProviderNode(await docker.getContainer(c.Id).inspect()))
      } catch (err) {
        if (!isNotFound(err)) throw dockerError('cannot inspect node container', err)
      }
    }
    return nodes.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
  }

  async function logs(name: string, logOpts: ContainerLogOptions = {}): Promise<Readable> {
    const node = await inspectNode(name)
    if (!node) throw new NodeProviderError(`no node ${name}`)
    return call(`cannot read the log of node ${name}`, () => containerLog(docker, node.Id, logOpts))
  }

  return {
    name: 'docker',
    get image() {
      return image
    },
    prepare,
    list,
    create: (name, size, launch) => lock(name, () => create(name, size, launch)),
    stop: (name) => lock(name, () => stop(name)),
    start: (name, launch) => lock(name, () => start(name, launch)),
    fail: (name) => lock(name, () => fail(name)),
    remove: (name) => lock(name, () => remove(name)),
    detach: async () => {
      kubeletLogs.close()
      events?.watch.close()
      events?.log.close()
      events = undefined
      log.info('control plane detaching; node containers keep running')
    },
    logs
  }
}
