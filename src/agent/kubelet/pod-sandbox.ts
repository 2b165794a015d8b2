/**
 * The pod's sandbox, as kubelet's syncPod finds or creates it: the newest ready sandbox of the pod
 * is adopted (a restarted kubelet keeps what runs); otherwise the next attempt is run, with the
 * labels a later kubelet finds it by, the pod's hostname and the ports its containers declare.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import { LABELS, type PodSandboxConfig } from '../runtime/types'
import type { WorkerDeps } from './worker-deps'

/** A ready sandbox: its ID and the pod IP. */
export interface ReadySandbox {
  id: string
  ip?: string
}

/** What the runtime is asked to run for attempt `attempt` of `pod`'s sandbox. */
export function sandboxConfig(pod: Pod, nodeName: string, attempt: number): PodSandboxConfig {
  const meta = pod.metadata ?? {}
  const uid = meta.uid ?? ''
  return {
    metadata: { name: meta.name ?? '', namespace: meta.namespace ?? '', uid, attempt },
    hostname: pod.spec?.hostname ?? meta.name ?? '',
    labels: {
      [LABELS.node]: nodeName,
      [LABELS.podName]: meta.name ?? '',
      [LABELS.podNamespace]: meta.namespace ?? '',
      [LABELS.podUid]: uid,
      [LABELS.type]: 'sandbox'
    },
    annotations: meta.annotations,
    portMappings: (pod.spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        protocol: (p.protocol ?? 'TCP') as 'TCP'
      }))
    )
  }
}

/** Adopts the pod's newest ready sandbox or runs the next attempt. */
export async function findOrRunPodSandbox(pod: Pod, deps: WorkerDeps): Promise<ReadySandbox> {
  const { runtime } = deps
  const meta = pod.metadata ?? {}
  // One listing answers both: a ready sandbox to adopt, else how many came before (attempt).
  const sandboxes = await runtime.listPodSandboxes({ podUid: meta.uid ?? '' })
  const found = sandboxes
    .filter((s) => s.state === 'ready')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0]
  if (found) return { id: found.id, ip: found.ip }
  const attempt = sandboxes.length
  deps.log.info('creating pod sandbox', { pod: `${meta.namespace}/${meta.name}`, attempt })
  const id = await runtime.runPodSandbox(sandboxConfig(pod, deps.config.nodeName, attempt))
  return { id, ip: (await runtime.podSandboxStatus(id)).ip }
}
