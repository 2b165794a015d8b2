/**
 * The provider `kubedesk up` runs nodes with: `auto` picks docker when an engine answers, else
 * process (chooseProvider says why); docker and process nodes run the bundled kubelet
 * (`out/agent/kubelet.js`, built by `npm run build`), simulated ones run in this process.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { findPackageRoot } from '../package-root'
import { startInProcessKubelet } from './in-process-kubelet'
import { chooseProvider } from './index'
import { dockerAnswers } from './docker/docker-engine'
import type { ComponentLog } from '../observe/component-log'
import { createDockerProvider } from './docker/docker-provider'
import { createProcessProvider } from './process/process-provider'
import { createSimulatedProvider } from './simulated/simulated-provider'
import {
  NodeProviderError,
  type NodeProvider,
  type NodeProviderName,
  type NodeProviderOptions
} from './types'

/** Where the build puts the kubelet bundle. */
export function agentBundlePath(): string {
  return join(findPackageRoot(), 'out', 'agent', 'kubelet.js')
}

/** Chooses and constructs the provider; `reason` is a short phrase for `up` and the UI. */
export async function createNodeProvider(
  wanted: NodeProviderName | 'auto',
  opts: NodeProviderOptions
): Promise<{ provider: NodeProvider; reason: string }> {
  const choice = await chooseProvider(wanted)
  const reason = choice.reason.replace(/^\w+: /, '')
  if (choice.name === 'simulated') {
    const provider = createSimulatedProvider({
      ...opts,
      startKubelet: (config, client) =>
        startInProcessKubelet(config, client, opts.log, opts.inProcessStats, opts.inProcessLogs)
    })
    return { provider, reason }
  }
  const agentBundle = agentBundlePath()
  if (!existsSync(agentBundle)) {
    throw new NodeProviderError(
      `the kubelet bundle ${agentBundle} is missing, so no ${choice.name} node can run`,
      "Build it with 'npm run build' (or use --provider simulated)."
    )
  }
  const provider =
    choice.name === 'docker'
      ? createDockerProvider({ ...opts, agentBundle })
      : createProcessProvider({ ...opts, agentBundle })
  return { provider, reason }
}

/**
 * `kubedesk down --delete`: removes the docker nodes of `dataDir` (node and pod containers),
 * which outlive the control plane by design. Answers the names removed; none when no Docker
 * engine answers (process and simulated nodes end with the control plane).
 */
export async function removeDockerNodes(dataDir: string, log: ComponentLog): Promise<string[]> {
  if (!(await dockerAnswers())) return []
  const provider = createDockerProvider({ dataDir, log, agentBundle: '' })
  const nodes = await provider.list()
  for (const node of nodes) await provider.remove(node.name)
  return nodes.map((n) => n.name)
}
