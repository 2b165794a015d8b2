/**
 * Node providers: picking one (`docker` when an engine answers, else `process`) and the
 * factories the control plane calls. See types.ts for the NodeProvider contract.
 */
import type Dockerode from 'dockerode'
import { connectDocker, dockerSocketPath, pingDocker } from './docker/docker-engine'
import type { NodeProviderName } from './types'

export { createDockerProvider, type DockerNodeProvider } from './docker/docker-provider'
export { dockerAnswers } from './docker/docker-engine'
export { ensureNodeImage, nodeImageTag } from './docker/node-image'
export { createProcessProvider, processKubeletLogFile } from './process/process-provider'
export { createSimulatedProvider, type SimulatedKubelet } from './simulated/simulated-provider'
export { KUBELET_CONFIG_ENV, kubeletConfigFile, nodeStateDir } from './kubelet-config-file'

/** The provider `up` will use, and why (printed by `up` and shown in the UI). */
export interface ProviderChoice {
  name: NodeProviderName
  reason: string
}

/**
 * Resolves `auto` to `docker` when the Docker engine answers (within `timeoutMs`, default 2 s)
 * and to `process` otherwise; an explicit choice is kept as asked, with the reason saying so.
 */
export async function chooseProvider(
  wanted: NodeProviderName | 'auto',
  opts: { docker?: Dockerode; timeoutMs?: number } = {}
): Promise<ProviderChoice> {
  if (wanted !== 'auto') return { name: wanted, reason: `${wanted}: chosen with --provider` }
  const socket = dockerSocketPath()
  const why = await pingDocker(opts.docker ?? connectDocker(), opts.timeoutMs ?? 2000)
  if (why === undefined) {
    return { name: 'docker', reason: `docker: the Docker engine answers at ${socket}` }
  }
  return { name: 'process', reason: `process: no Docker engine answers (${socket}: ${why})` }
}
