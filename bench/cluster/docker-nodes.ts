/**
 * What the benchmark does with Docker directly: waits until the fixed node names are free,
 * measures node containers' CPU, and removes what its cluster left behind (node containers by
 * the cluster label, pod containers by node name and pod UID, the `kubedesk` network when this
 * run created it and nothing else uses it). Containers of other clusters are never touched.
 */
import type Dockerode from 'dockerode'
import { existsSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { CLUSTER_LABEL, DEFAULT_NETWORK } from '../../src/main/nodes/docker/cluster-network'
import { LABELS } from '../../src/agent/runtime/types'

const NOT_FOUND = 404

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode
}

/**
 * Waits until no container has any of `names` (they belong to another cluster: a test or a
 * user's KubeDesk); rejects after `timeoutMs` naming the owner.
 */
export async function waitNamesFree(
  docker: Dockerode,
  names: string[],
  timeoutMs: number,
  log: (line: string) => void
): Promise<void> {
  const deadline = performance.now() + timeoutMs
  let said = ''
  for (;;) {
    const taken: string[] = []
    for (const name of names) {
      try {
        const info = await docker.getContainer(name).inspect()
        const owner = info.Config.Labels?.[CLUSTER_LABEL]
        const orphan = owner !== undefined && !existsSync(owner)
        taken.push(
          `${name} (cluster ${owner ?? 'unknown'}` +
            (orphan ? `, whose data directory is gone: an orphan, 'docker rm -f ${name}')` : ')')
        )
      } catch (err) {
        if (statusOf(err) !== NOT_FOUND) throw err
      }
    }
    if (taken.length === 0) return
    const line = `waiting for containers of another cluster to go: ${taken.join(', ')}`
    if (line !== said) log(line)
    said = line
    if (performance.now() > deadline) {
      throw new Error(
        `node names taken by another cluster: ${taken.join(', ')}; stop it ` +
          `('kubedesk down --delete --data-dir <its dir>') and run the benchmark again`
      )
    }
    await sleep(1_000)
  }
}

/** True when the cluster network exists now. */
export async function networkExists(docker: Dockerode): Promise<boolean> {
  try {
    await docker.getNetwork(DEFAULT_NETWORK).inspect()
    return true
  } catch (err) {
    if (statusOf(err) === NOT_FOUND) return false
    throw err
  }
}

/** The node containers of the cluster in `dataDir`: name → id. */
export async function nodeContainers(
  docker: Dockerode,
  dataDir: string
): Promise<Map<string, string>> {
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${CLUSTER_LABEL}=${dataDir}`] }
  })
  return new Map(found.map((c) => [c.Labels[LABELS.node] ?? c.Names[0].slice(1), c.Id]))
}

/** Total CPU nanoseconds of containers `ids` (cgroup usage through the engine's stats). */
export async function containersCpuNs(docker: Dockerode, ids: string[]): Promise<number> {
  const usages = await Promise.all(
    ids.map(async (id) => {
      const stats = (await docker
        .getContainer(id)
        .stats({ stream: false, 'one-shot': true } as { stream: false })) as {
        cpu_stats?: { cpu_usage?: { total_usage?: number } }
      }
      return stats.cpu_stats?.cpu_usage?.total_usage ?? 0
    })
  )
  return usages.reduce((a, b) => a + b, 0)
}

/**
 * Removes the cluster's node containers (first, so no kubelet restarts its pods), then the pod
 * containers of those nodes whose pod UID is in `podUids`, then the network when `ownNetwork`
 * and no container is attached. Answers how many containers went.
 */
export async function removeCluster(
  docker: Dockerode,
  dataDir: string,
  podUids: Set<string>,
  ownNetwork: boolean,
  log: (line: string) => void
): Promise<number> {
  const nodes = await nodeContainers(docker, dataDir)
  const force = (id: string): Promise<void> =>
    docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((err: unknown) => {
        if (statusOf(err) !== NOT_FOUND) log(`cannot remove container ${id}: ${String(err)}`)
      })
  await Promise.all([...nodes.values()].map(force))
  let pods: Dockerode.ContainerInfo[] = []
  if (nodes.size > 0 && podUids.size > 0) {
    // Several label filters would AND: one listing per node.
    const lists = await Promise.all(
      [...nodes.keys()].map((n) =>
        docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${n}`] } })
      )
    )
    pods = lists.flat()
    pods = pods.filter((c) => podUids.has(c.Labels[LABELS.podUid] ?? ''))
    await Promise.all(pods.map((c) => force(c.Id)))
  }
  if (ownNetwork) {
    try {
      const net = (await docker.getNetwork(DEFAULT_NETWORK).inspect()) as {
        Containers?: Record<string, unknown>
      }
      if (Object.keys(net.Containers ?? {}).length === 0) {
        await docker.getNetwork(DEFAULT_NETWORK).remove()
        log(`removed the docker network ${DEFAULT_NETWORK}`)
      } else {
        log(`left the docker network ${DEFAULT_NETWORK}: other containers use it`)
      }
    } catch (err) {
      if (statusOf(err) !== NOT_FOUND) log(`cannot remove network: ${String(err)}`)
    }
  }
  return nodes.size + pods.length
}
