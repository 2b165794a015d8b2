/**
 * The pods/log source of the kubelets that run inside the control plane's process (the
 * `kubedesk-control-plane` Node and every simulated node). They serve no HTTPS, so the API
 * server reads their runtimes' logs here, as their kubelet's `/containerLogs` would: the newest
 * run of the container, or with `previous` the run before it. One registry per control plane.
 */
import type { Readable } from 'node:stream'
import { findLogContainer, parseLogQuery } from '../../agent/server/container-logs'
import { HttpError } from '../../agent/server/http-util'
import type { ContainerRuntime } from '../../agent/runtime/types'
import { kubeletError, kubeletLogQuery, type PodLogOptions } from '../apiserver/rest/pod-log'
import type { KubeObject } from '../apiserver/types'

/** In-process kubelets' runtimes, by node name. */
export class InProcessLogs {
  private readonly runtimes = new Map<string, ContainerRuntime>()

  /** Adds the runtime of a kubelet that started; the answer removes it again. */
  register(nodeName: string, runtime: ContainerRuntime): () => void {
    this.runtimes.set(nodeName, runtime)
    return () => {
      if (this.runtimes.get(nodeName) === runtime) this.runtimes.delete(nodeName)
    }
  }

  /**
   * The log of `container` in `pod` when an in-process kubelet runs the pod's node (undefined
   * for any other node); rejects with the ApiError kube-apiserver answers for a kubelet's 404.
   */
  open(pod: KubeObject, container: string, opts: PodLogOptions): Promise<Readable> | undefined {
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? ''
    const runtime = this.runtimes.get(nodeName)
    if (!runtime) return undefined
    return (async () => {
      const namespace = pod.metadata.namespace ?? 'default'
      const name = pod.metadata.name ?? ''
      try {
        // The options as the kubelet's /containerLogs reads them from its query.
        const { previous, ...logOpts } = parseLogQuery(kubeletLogQuery(opts))
        const { id } = await findLogContainer(runtime, namespace, name, container, previous)
        return await runtime.containerLogs(id, logOpts)
      } catch (err) {
        if (err instanceof HttpError) throw kubeletError(err.status, err.message, nodeName)
        throw err
      }
    })()
  }
}
