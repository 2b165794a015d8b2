/**
 * Picks the kubelet's container runtime by name (KubeletConfig.runtime): `docker` for node
 * containers, `process` for nodes without Docker, `fake` for simulated nodes.
 */
import type Dockerode from 'dockerode'
import type { AgentLog } from '../log'
import { createDockerRuntime } from './docker/docker-runtime'
import { createFakeRuntime } from './fake/fake-runtime'
import { createProcessRuntime } from './process/process-runtime'
import type { ContainerRuntime, RuntimeName } from './types'

/** What any runtime may need; each takes the fields it uses. */
export interface RuntimeOptions {
  nodeName: string
  /** process: where records, logs and working directories live (required). */
  rootDir?: string
  /** docker: the cluster network pod sandboxes join (required). */
  network?: string
  /** process and fake: the pod IP to report (the node's address). */
  ip?: string
  /** docker: the engine connection (default /var/run/docker.sock, API 1.41). */
  docker?: Dockerode
  /** docker: extra labels on everything created. */
  labels?: Record<string, string>
  /** process: where skipped mounts and lost containers are reported. */
  log?: AgentLog
}

/** A ContainerRuntime of kind `name`; throws a readable Error when an option it needs is missing. */
export function createRuntime(name: RuntimeName, opts: RuntimeOptions): ContainerRuntime {
  switch (name) {
    case 'docker':
      if (!opts.network)
        throw new Error('the docker runtime needs a network (KubeletConfig.network)')
      return createDockerRuntime({
        nodeName: opts.nodeName,
        network: opts.network,
        docker: opts.docker,
        labels: opts.labels
      })
    case 'process':
      if (!opts.rootDir) throw new Error('the process runtime needs a rootDir')
      return createProcessRuntime({
        nodeName: opts.nodeName,
        rootDir: opts.rootDir,
        ip: opts.ip,
        log: opts.log
      })
    case 'fake':
      return createFakeRuntime({ nodeName: opts.nodeName, ip: opts.ip })
    default:
      throw new Error(`unknown container runtime ${JSON.stringify(name)} (docker, process or fake)`)
  }
}
