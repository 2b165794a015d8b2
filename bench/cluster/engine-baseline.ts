/**
 * The Docker engine's own pace, measured in the same run as the pods: what the cheapest possible
 * pod costs on this engine — a sandbox container on the cluster network plus one container
 * joined to its network namespace, both busybox, created and started straight through the
 * engine API with the same concurrency the kubelets use. Pod startup through KubeDesk is then
 * reported as a ratio of it, since on a loaded 2-core machine the engine itself sets the floor.
 */
import type Dockerode from 'dockerode'
import { performance } from 'node:perf_hooks'
import { DEFAULT_NETWORK } from '../../src/main/nodes/docker/cluster-network'

const LABEL = 'io.kubedesk.bench-baseline'

/** Per-pod seconds from "go" to the pod's second container started; containers removed after. */
export async function engineBaseline(
  docker: Dockerode,
  image: string,
  pods: number
): Promise<number[]> {
  const run = `${process.pid}-${Date.now()}`
  const started = performance.now()
  try {
    return await Promise.all(
      Array.from({ length: pods }, async (_, i) => {
        const sandbox = await docker.createContainer({
          Image: image,
          Cmd: ['sleep', '3600'],
          Labels: { [LABEL]: run },
          name: `kubedesk-baseline-${run}-${i}-pod`,
          HostConfig: { NetworkMode: DEFAULT_NETWORK }
        })
        await sandbox.start()
        const container = await docker.createContainer({
          Image: image,
          Cmd: ['sleep', '3600'],
          Labels: { [LABEL]: run },
          name: `kubedesk-baseline-${run}-${i}-main`,
          HostConfig: { NetworkMode: `container:${sandbox.id}` }
        })
        await container.start()
        return (performance.now() - started) / 1000
      })
    )
  } finally {
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${run}`] } })
    await Promise.all(
      left.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined)
      )
    )
  }
}
