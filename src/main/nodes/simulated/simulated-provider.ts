/**
 * The simulated node provider: kubelets inside the control plane's own process with the fake
 * runtime, no processes and no containers, cheap enough for a thousand nodes. How a kubelet is
 * started is injected (`startKubelet`, given by the control plane), so this file does not depend
 * on the kubelet itself. State is in memory: simulated nodes end with the control plane.
 */
import type { KubeletConfig } from '../../../agent/config'
import type { ApiClient } from '../../apiserver/client'
import { checkNodeName, checkNodeSize, nodeStateDir } from '../kubelet-config-file'
import { createKeyedLock } from '../node-lock'
import {
  NodeProviderError,
  type KubeletLaunch,
  type NodeProvider,
  type NodeProviderOptions,
  type NodeSize,
  type ProviderNode
} from '../types'

/** A running in-process kubelet, as startKubelet returns it. */
export interface SimulatedKubelet {
  stop(): Promise<void>
}

/** What the simulated provider takes beyond every provider's options. */
export interface SimulatedProviderOptions extends NodeProviderOptions {
  /** Starts one kubelet (the fake runtime) with its config and its `system:node:<name>` client. */
  startKubelet: (config: KubeletConfig, client: ApiClient) => Promise<SimulatedKubelet>
}

interface SimulatedNode {
  name: string
  size: NodeSize
  kubelet?: SimulatedKubelet
}

/** Makes the simulated node provider. */
export function createSimulatedProvider(opts: SimulatedProviderOptions): NodeProvider {
  const { dataDir, log } = opts
  const nodes = new Map<string, SimulatedNode>()
  const lock = createKeyedLock()

  const toProviderNode = (node: SimulatedNode): ProviderNode => ({
    name: node.name,
    state: node.kubelet ? 'running' : 'stopped',
    size: node.size,
    address: '127.0.0.1'
  })

  async function run(node: SimulatedNode, launch: KubeletLaunch): Promise<void> {
    const given = await launch.config({ name: node.name, size: node.size, address: '127.0.0.1' })
    const stateDir = nodeStateDir(dataDir, node.name)
    const config: KubeletConfig = {
      ...given,
      nodeName: node.name,
      runtime: 'fake',
      rootDir: stateDir,
      hostRootDir: stateDir
    }
    try {
      node.kubelet = await opts.startKubelet(config, launch.clientFor(node.name))
    } catch (err) {
      throw new NodeProviderError(
        `cannot start the simulated kubelet of ${node.name}: ${(err as Error).message}`
      )
    }
    log.info('simulated kubelet started', { node: node.name })
  }

  /**
   * A crash: the kubelet's loops end at once (no heartbeat, no status update) and its fake
   * runtime goes with it, so a later start runs the pods' containers anew.
   */
  async function crash(node: SimulatedNode): Promise<void> {
    const kubelet = node.kubelet
    node.kubelet = undefined
    if (!kubelet) return
    await kubelet.stop().catch(() => undefined)
    log.warn('simulated kubelet failed (simulated crash)', { node: node.name })
  }

  async function halt(node: SimulatedNode): Promise<void> {
    const kubelet = node.kubelet
    node.kubelet = undefined
    if (!kubelet) return
    try {
      await kubelet.stop()
    } catch (err) {
      log.warn('simulated kubelet failed to stop cleanly', { node: node.name, err })
    }
    log.info('simulated kubelet stopped', { node: node.name })
  }

  return {
    name: 'simulated',
    prepare: async () => ({ apiServerHost: '127.0.0.1' }),
    list: async () =>
      [...nodes.values()]
        .map(toProviderNode)
        .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })),
    create: (name, size, launch) =>
      lock(name, async () => {
        checkNodeName(name)
        checkNodeSize(size)
        const existing = nodes.get(name)
        if (existing?.kubelet) return toProviderNode(existing)
        const node = existing ?? { name, size }
        node.size = size
        nodes.set(name, node)
        await run(node, launch)
        return toProviderNode(node)
      }),
    stop: (name) =>
      lock(name, async () => {
        const node = nodes.get(name)
        if (!node) throw new NodeProviderError(`no node ${name}`)
        await halt(node)
      }),
    start: (name, launch) =>
      lock(name, async () => {
        const node = nodes.get(name)
        if (!node) throw new NodeProviderError(`no node ${name}`, 'create it first')
        if (!node.kubelet) await run(node, launch)
      }),
    fail: (name) =>
      lock(name, async () => {
        const node = nodes.get(name)
        if (!node) throw new NodeProviderError(`no node ${name}`)
        await crash(node)
      }),
    remove: (name) =>
      lock(name, async () => {
        const node = nodes.get(name)
        if (node) await halt(node)
        nodes.delete(name)
      }),
    detach: async () => {
      await Promise.all([...nodes.values()].map((node) => lock(node.name, () => halt(node))))
    }
  }
}
