/**
 * `GET /pods`: the pods this kubelet runs, as a PodList built from the runtime's sandboxes
 * (metadata, the node and the pod IP; the API server holds the full objects).
 */
import type { PodSandboxStatus } from '../runtime/types'

/** A PodList of the newest sandbox of every pod. */
export function podListOf(nodeName: string, sandboxes: PodSandboxStatus[]): object {
  const newest = new Map<string, PodSandboxStatus>()
  for (const s of sandboxes) {
    const seen = newest.get(s.metadata.uid)
    if (!seen || s.metadata.attempt > seen.metadata.attempt) newest.set(s.metadata.uid, s)
  }
  return {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: {},
    items: [...newest.values()].map((s) => ({
      metadata: {
        name: s.metadata.name,
        namespace: s.metadata.namespace,
        uid: s.metadata.uid,
        creationTimestamp: s.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        labels: s.labels
      },
      spec: { nodeName },
      status: {
        phase: s.state === 'ready' ? 'Running' : 'Unknown',
        ...(s.ip ? { podIP: s.ip, podIPs: [{ ip: s.ip }] } : {})
      }
    }))
  }
}
