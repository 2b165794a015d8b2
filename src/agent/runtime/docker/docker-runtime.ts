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
  ImagePullError,
  LABELS,
  RuntimeNotFoundError,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ImageInfo,
  type PodSandboxStatus,
  type PullProgress,
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
import { dockerExecSync } from './docker-exec'
import { dockerExec } from './docker-exec-stream'
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

type DockerError = Error & { statusCode?: number; json?: { message?: string } }

function statusCodeOf(err: unknown): number | undefined {
  return (err as DockerError)?.statusCode
}

/** Docker's own words from a dockerode error ("No such image: …"), without the HTTP prefix. */
function dockerMessage(err: unknown): string {
  const e = err as DockerError
  if (e?.json?.message) return e.json.message
  // Streamed answers (pull, import) carry the engine's words only inside dockerode's message.
  return (e?.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()
}

function toImageInfo(info: Dockerode.ImageInspectInfo | Dockerode.ImageInfo): ImageInfo {
  return { id: info.Id, repoTags: info.RepoTags ?? [], sizeBytes: info.Size }
}

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
    return info
  }

  /** Inspects every listed container of this node, skipping any removed meanwhile. */
  /**
   * Inspections by container, kept while the container's listed state stays the same: what a
   * relist needs (state, exit code, times) only changes with it, since containers are never
   * restarted in place. The kubelet relists every second, so this spares the engine an inspect
   * per container per second.
   */
  const inspected = new Map<
    string,
    { type: 'sandbox' | 'container'; state: string; info: Dockerode.ContainerInspectInfo }
  >()

  async function inspectAll(
    type: 'sandbox' | 'container',
    filter?: RuntimeFilter
  ): Promise<Dockerode.ContainerInspectInfo[]> {
    const list = await docker.listContainers({
      all: true,
      filters: dockerFilters(nodeName, type, filter)
    })
    const infos = await Promise.all(
      list.map(async (c) => {
        const cached = inspected.get(c.Id)
        if (cached && cached.state === c.State) return cached.info
        try {
          const info = await docker.getContainer(c.Id).inspect()
          inspected.set(c.Id, { type, state: c.State, info })
          return info
        } catch (err) {
          if (statusCodeOf(err) === 404) return undefined
          throw err
        }
      })
    )
    // A list of every sandbox or container of the node forgets the removed ones.
    const everything =
      !filter?.podUid &&
      !filter?.podSandboxId &&
      !filter?.state &&
      Object.keys(filter?.labels ?? {}).every((key) => key === LABELS.node)
    if (everything) {
      const listed = new Set(list.map((c) => c.Id))
      for (const [id, entry] of inspected) {
        if (entry.type === type && !listed.has(id)) inspected.delete(id)
      }
    }
    return infos.filter((i): i is Dockerode.ContainerInspectInfo => i !== undefined)
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

  async function imageStatus(image: string): Promise<ImageInfo | undefined> {
    if (typeof image !== 'string' || !image.trim()) throw new Error('an image name is required')
    try {
      return toImageInfo(await docker.getImage(image).inspect())
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined
      throw new Error(`inspect image ${image}: ${dockerMessage(err)}`)
    }
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
      // A sandbox of the same pod and attempt left behind (e.g. a failed start) is replaced.
      await removeSandboxWithContainers(name)
      const exposed: Record<string, object> = {}
      const bindings: Record<string, { HostPort: string }[]> = {}
      for (const p of config.portMappings ?? []) {
        const key = `${p.containerPort}/${p.protocol.toLowerCase()}`
        exposed[key] = {}
        if (p.hostPort) bindings[key] = [{ HostPort: String(p.hostPort) }]
      }
      const container = await docker.createContainer({
        name,
        Image: image,
        Hostname: config.hostname,
        Labels: sandboxLabels(config, nodeName, extraLabels),
        ExposedPorts: exposed,
        HostConfig: { NetworkMode: network, PortBindings: bindings, RestartPolicy: { Name: 'no' } }
      })
      try {
        await container.start()
      } catch (err) {
        await remove(container.id)
        throw new Error(`start pod sandbox ${name}: ${dockerMessage(err)}`)
      }
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
      const sandbox: PodSandboxStatus = toSandboxStatus(
        await inspectOwn(sandboxId, 'sandbox'),
        network
      )
      if (sandbox.state !== 'ready') {
        throw new Error(`pod sandbox ${sandboxId} is not ready; cannot create ${config.name}`)
      }
      const options = containerCreateOptions(sandbox, config, nodeName, extraLabels)
      try {
        const container = await docker.createContainer(options)
        return container.id
      } catch (err) {
        throw new Error(`create container ${options.name}: ${dockerMessage(err)}`)
      }
    },

    async startContainer(id) {
      await inspectOwn(id, 'container')
      try {
        await docker.getContainer(id).start()
      } catch (err) {
        if (statusCodeOf(err) !== 304)
          throw new Error(`start container ${id}: ${dockerMessage(err)}`)
      }
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
      await inspectOwn(id, 'container')
      // one-shot (API 1.41) skips the second sample stream: false would wait for.
      const s = (await docker
        .getContainer(id)
        .stats({ stream: false, 'one-shot': true } as never)) as unknown as Dockerode.ContainerStats
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

    async pullImage(image, onProgress?: (p: PullProgress) => void) {
      const present = await imageStatus(image)
      if (present) return present
      try {
        const stream = await docker.pull(image)
        await new Promise<void>((resolve, reject) =>
          docker.modem.followProgress(
            stream,
            (err: Error | null) => (err ? reject(err) : resolve()),
            (event: { status?: string; progress?: string; id?: string }) => {
              if (!onProgress || !event.status) return
              const detail = [event.id, event.progress].filter(Boolean).join(' ')
              onProgress({ status: event.status, ...(detail ? { detail } : {}) })
            }
          )
        )
      } catch (err) {
        throw new ImagePullError(image, dockerMessage(err))
      }
      const pulled = await imageStatus(image)
      if (!pulled) throw new ImagePullError(image, `image ${image} is still missing after the pull`)
      return pulled
    },

    imageStatus,

    async listImages() {
      return (await docker.listImages()).map(toImageInfo)
    },

    async close() {
      for (const stream of openLogs) stream.destroy()
      openLogs.clear()
    }
  }
}
