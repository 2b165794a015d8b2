/**
 * The `docker` container runtime: pods as sibling containers on the host's Docker engine, in the
 * style of kubelet's dockershim. Each pod is a sandbox container running the pause image on the
 * cluster network (its address there is the pod IP); the pod's containers join the sandbox's
 * network namespace (`NetworkMode: container:<sandbox>`). Everything carries the `LABELS` of
 * ../types plus the node's name, so a runtime only sees its own node's pods and a restarted
 * kubelet can adopt them.
 */
import type { Readable } from 'node:stream'
import Dockerode from 'dockerode'
import {
  LABELS,
  RuntimeNotFoundError,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type PodSandboxStatus,
  type RuntimeFilter
} from '../types'
import {
  containerCreateOptions,
  dockerFilters,
  sandboxLabels,
  sandboxName,
  toContainerStatus,
  toSandboxStatus
} from './docker-convert'
import { watchDockerContainerEvents } from './docker-container-events'
import { createStatsReader, type EngineStats } from './docker-stats'
import { dockerExecSync } from './docker-exec'
import { dockerExec } from './docker-exec-stream'
import { dockerMessage, statusCodeOf } from './docker-errors'
import { dockerImageService } from './docker-images'
import { DockerInspectCache } from './docker-inspect-cache'
import { dockerContainerLogs } from './docker-logs'
import { ensurePauseImage } from './pause-image'

/** How a docker runtime reaches its engine and labels what it creates. */
export interface DockerRuntimeOptions {
  nodeName: string
  /** Docker network pod sandboxes join (the cluster network, e.g. 'kubedesk'); pod IP = sandbox IP on it. */
  network: string
  /** dockerode connection; default the local socket /var/run/docker.sock. */
  docker?: Dockerode
  /** Extra labels on everything created (e.g. the data directory label of the cluster). */
  labels?: Record<string, string>
}

/** How long a sandbox's pause process gets to exit after SIGTERM (it exits at once). */
const SANDBOX_STOP_SECONDS = 2

/** A ContainerRuntime on a Docker engine (API 1.41, Docker 20.10 or newer). */
export function createDockerRuntime(opts: DockerRuntimeOptions): ContainerRuntime {
  if (!opts?.nodeName) throw new Error('the docker runtime needs a nodeName')
  if (!opts.network) throw new Error('the docker runtime needs a network for pod sandboxes')
  const docker =
    opts.docker ?? new Dockerode({ socketPath: '/var/run/docker.sock', version: 'v1.41' })
  const { nodeName, network } = opts
  const extraLabels = opts.labels ?? {}
  const openLogs = new Set<Readable>()
  let pauseImage: Promise<string> | undefined
  const cache = new DockerInspectCache(docker)
  const readStats = createStatsReader(docker)
  const images = dockerImageService(docker)

  /** Inspects a container of this node of the given type, or throws RuntimeNotFoundError. */
  async function inspectOwn(
    id: string,
    type: 'sandbox' | 'container'
  ): Promise<Dockerode.ContainerInspectInfo> {
    const what = `${type === 'sandbox' ? 'pod sandbox' : 'container'} ${JSON.stringify(id)}`
    if (typeof id !== 'string' || !id) throw new RuntimeNotFoundError(what)
    let info: Dockerode.ContainerInspectInfo
    try {
      info = await docker.getContainer(id).inspect()
    } catch (err) {
      if (statusCodeOf(err) === 404) throw new RuntimeNotFoundError(what)
      throw new Error(`inspect ${what}: ${dockerMessage(err)}`)
    }
    const labels = info.Config.Labels ?? {}
    if (labels[LABELS.node] !== nodeName || labels[LABELS.type] !== type) {
      throw new RuntimeNotFoundError(what)
    }
    if (type === 'sandbox' && !info.State.Running) cache.sandboxStopped(info.Id)
    return info
  }

  /** Inspects every listed container of this node (kept ones from the cache); skips gone ones. */
  async function inspectAll(
    type: 'sandbox' | 'container',
    filter?: RuntimeFilter
  ): Promise<Dockerode.ContainerInspectInfo[]> {
    const list = await docker.listContainers({
      all: true,
      filters: dockerFilters(nodeName, type, filter)
    })
    const infos = await Promise.all(list.map((c) => cache.inspect(c.Id, c.State, type)))
    // A list of every sandbox or container of the node forgets the removed ones.
    const everything =
      !filter?.podUid &&
      !filter?.podSandboxId &&
      !filter?.state &&
      Object.keys(filter?.labels ?? {}).every((key) => key === LABELS.node)
    if (everything) cache.retain(type, new Set(list.map((c) => c.Id)))
    const found = infos.filter((i): i is Dockerode.ContainerInspectInfo => i !== undefined)
    if (type === 'sandbox') for (const i of found) if (!i.State.Running) cache.sandboxStopped(i.Id)
    return found
  }

  /** docker stop, tolerating "already stopped" and "gone". */
  async function stop(id: string, seconds: number): Promise<void> {
    try {
      await docker.getContainer(id).stop({ t: Math.max(0, Math.floor(seconds)) })
    } catch (err) {
      const code = statusCodeOf(err)
      if (code !== 304 && code !== 404) throw new Error(`stop ${id}: ${dockerMessage(err)}`)
    }
  }

  /** docker rm -f -v, tolerating "gone" and "already being removed". */
  async function remove(id: string): Promise<void> {
    cache.forget(id)
    try {
      await docker.getContainer(id).remove({ force: true, v: true })
    } catch (err) {
      const code = statusCodeOf(err)
      if (code === 404 || (code === 409 && /already in progress/.test(dockerMessage(err)))) return
      throw new Error(`remove ${id}: ${dockerMessage(err)}`)
    }
  }

  /**
   * Removes sandbox `name` (a name or an ID), if there is one, with its containers; a container
   * of that name that is not one of this node's sandboxes is left alone and is an error.
   */
  async function removeSandboxWithContainers(name: string): Promise<void> {
    let info: Dockerode.ContainerInspectInfo
    try {
      info = await docker.getContainer(name).inspect()
    } catch (err) {
      if (statusCodeOf(err) === 404) return
      throw new Error(`inspect ${name}: ${dockerMessage(err)}`)
    }
    const labels = info.Config.Labels ?? {}
    if (labels[LABELS.node] !== nodeName || labels[LABELS.type] !== 'sandbox') {
      throw new Error(`cannot create pod sandbox ${name}: the name is taken by another container`)
    }
    const members = await docker.listContainers({
      all: true,
      filters: dockerFilters(nodeName, 'container', { podSandboxId: info.Id })
    })
    await Promise.all(members.map((c) => remove(c.Id)))
    await remove(info.Id)
  }

  return {
    name: 'docker',

    async version() {
      const v = await docker.version()
      return { runtimeName: 'docker', runtimeVersion: v.Version }
    },

    async runPodSandbox(config) {
      if (!config?.metadata?.name || !config.metadata.namespace || !config.metadata.uid) {
        throw new Error('a pod sandbox needs metadata.name, metadata.namespace and metadata.uid')
      }
      pauseImage ??= ensurePauseImage(docker).catch((err: unknown) => {
        pauseImage = undefined
        throw err
      })
      const image = await pauseImage
      const name = sandboxName(config)
      const exposed: Record<string, object> = {}
      const bindings: Record<string, { HostPort: string }[]> = {}
      for (const p of config.portMappings ?? []) {
        const key = `${p.containerPort}/${p.protocol.toLowerCase()}`
        exposed[key] = {}
        if (p.hostPort) bindings[key] = [{ HostPort: String(p.hostPort) }]
      }
      const labels = sandboxLabels(config, nodeName, extraLabels)
      const options: Dockerode.ContainerCreateOptions = {
        name,
        Image: image,
        Hostname: config.hostname,
        Labels: labels,
        ExposedPorts: exposed,
        HostConfig: { NetworkMode: network, PortBindings: bindings, RestartPolicy: { Name: 'no' } }
      }
      let container: Dockerode.Container
      try {
        container = await docker.createContainer(options)
      } catch (err) {
        if (statusCodeOf(err) !== 409) throw err
        // The name is taken: a sandbox of the same pod and attempt left behind (e.g. a failed
        // start) is replaced. Asked only on a conflict, so a new pod costs no lookup.
        await removeSandboxWithContainers(name)
        container = await docker.createContainer(options)
      }
      try {
        await container.start()
      } catch (err) {
        await remove(container.id)
        throw new Error(`start pod sandbox ${name}: ${dockerMessage(err)}`)
      }
      cache.createdSandbox({
        id: container.id,
        metadata: { ...config.metadata },
        state: 'ready',
        createdAt: new Date(),
        labels
      })
      return container.id
    },

    async stopPodSandbox(id) {
      let info: Dockerode.ContainerInspectInfo
      try {
        info = await inspectOwn(id, 'sandbox')
      } catch (err) {
        if (err instanceof RuntimeNotFoundError) return
        throw err
      }
      // The kubelet stops containers gracefully first; anything still running is killed.
      const rest = await docker.listContainers({
        filters: dockerFilters(nodeName, 'container', { podSandboxId: info.Id })
      })
      await Promise.all(rest.map((c) => stop(c.Id, 0)))
      cache.sandboxStopped(info.Id)
      await stop(info.Id, SANDBOX_STOP_SECONDS)
    },

    async removePodSandbox(id) {
      let info: Dockerode.ContainerInspectInfo
      try {
        info = await inspectOwn(id, 'sandbox')
      } catch (err) {
        if (err instanceof RuntimeNotFoundError) return
        throw err
      }
      await removeSandboxWithContainers(info.Id)
    },

    async podSandboxStatus(id) {
      return toSandboxStatus(await inspectOwn(id, 'sandbox'), network)
    },

    async listPodSandboxes(filter) {
      const infos = await inspectAll('sandbox', filter)
      return infos
        .map((i) => toSandboxStatus(i, network))
        .filter((s) => !filter?.state || s.state === filter.state)
    },

    async createContainer(sandboxId, config) {
      if (!config?.name || !config.image) throw new Error('a container needs a name and an image')
      // A sandbox this runtime started and has not seen stop needs no inspect: its name and
      // labels are what it was created with, and the engine refuses to join a stopped one.
      const sandbox: PodSandboxStatus =
        cache.runningSandbox(sandboxId) ??
        toSandboxStatus(await inspectOwn(sandboxId, 'sandbox'), network)
      if (sandbox.state !== 'ready') {
        throw new Error(`pod sandbox ${sandboxId} is not ready; cannot create ${config.name}`)
      }
      const options = containerCreateOptions(sandbox, config, nodeName, extraLabels)
      try {
        const container = await docker.createContainer(options)
        cache.createdContainer(container.id)
        return container.id
      } catch (err) {
        throw new Error(`create container ${options.name}: ${dockerMessage(err)}`)
      }
    },

    async startContainer(id) {
      // One this runtime created is known to be this node's; any other is looked up first.
      if (!cache.isOwn(id, 'container')) await inspectOwn(id, 'container')
      try {
        await docker.getContainer(id).start()
      } catch (err) {
        const code = statusCodeOf(err)
        if (code === 404) {
          cache.forget(id)
          throw new RuntimeNotFoundError(`container ${JSON.stringify(id)}`)
        }
        if (code !== 304) throw new Error(`start container ${id}: ${dockerMessage(err)}`)
      }
      // The kubelet lists the pod next to report it Running: its inspection is on the way
      // meanwhile, rather than asked for after the listing.
      cache.inspect(id, 'running', 'container').catch(() => undefined)
    },

    async stopContainer(id, timeoutSeconds) {
      await inspectOwn(id, 'container')
      await stop(id, timeoutSeconds)
      // docker stop returns once the container is down; wait covers a racing restart.
      await docker
        .getContainer(id)
        .wait({ condition: 'not-running' })
        .catch(() => undefined)
    },

    async removeContainer(id) {
      try {
        await inspectOwn(id, 'container')
      } catch (err) {
        if (err instanceof RuntimeNotFoundError) return
        throw err
      }
      await remove(id)
    },

    async containerStatus(id): Promise<ContainerStatus> {
      // Right after a start the runtime's own inspection is on its way (startContainer).
      const shared = await cache.inFlight(id, 'container')?.catch(() => undefined)
      if (shared) return toContainerStatus(shared)
      return toContainerStatus(await inspectOwn(id, 'container'))
    },

    async listContainers(filter) {
      const infos = await inspectAll('container', filter)
      return infos.map(toContainerStatus).filter((s) => !filter?.state || s.state === filter.state)
    },

    async execSync(id, cmd, timeoutSeconds) {
      await inspectOwn(id, 'container')
      try {
        return await dockerExecSync(docker, docker.getContainer(id), cmd, timeoutSeconds)
      } catch (err) {
        throw new Error(`exec in ${id}: ${dockerMessage(err)}`)
      }
    },

    async exec(id, cmd, execOpts) {
      const info = await inspectOwn(id, 'container')
      if (!info.State.Running) throw new Error(`container ${id} is not running`)
      try {
        return await dockerExec(docker, docker.getContainer(id), cmd, execOpts)
      } catch (err) {
        throw new Error(`exec in ${id}: ${dockerMessage(err)}`)
      }
    },

    async containerLogs(id, logOpts) {
      const info = await inspectOwn(id, 'container')
      const stream = await dockerContainerLogs(
        docker.getContainer(id),
        info.Config.Tty,
        logOpts ?? {}
      )
      openLogs.add(stream)
      stream.on('close', () => openLogs.delete(stream))
      return stream
    },

    async containerStats(id): Promise<ContainerStats> {
      // Every scrape samples every container: one it made needs no inspect to be known as its own.
      if (!cache.isOwn(id, 'container')) await inspectOwn(id, 'container')
      let s: EngineStats
      try {
        s = await readStats(id)
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err
        cache.forget(id)
        throw new RuntimeNotFoundError(`container ${JSON.stringify(id)}`)
      }
      const mem = s.memory_stats ?? ({} as Dockerode.ContainerStats['memory_stats'])
      const detail = (mem.stats ?? {}) as unknown as Record<string, number | undefined>
      // The kubelet's working set: usage minus inactive file pages (cgroup v1 or v2 names).
      const inactive = detail.total_inactive_file ?? detail.inactive_file ?? detail.cache ?? 0
      const usage = mem.usage ?? 0
      return {
        cpuUsageNanoSeconds: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
        memoryWorkingSetBytes: Math.max(0, usage - (inactive < usage ? inactive : 0)),
        timestamp: s.read ? new Date(s.read) : new Date()
      }
    },

    ...images,

    watchContainerEvents: (handlers) =>
      watchDockerContainerEvents(docker, nodeName, {
        ...handlers,
        onEvent(event) {
          cache.changed(event.containerId)
          handlers.onEvent(event)
        }
      }),

    async close() {
      for (const stream of openLogs) stream.destroy()
      openLogs.clear()
    }
  }
}
