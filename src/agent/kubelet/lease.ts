/**
 * The node's heartbeat: the Lease `kube-node-lease/<nodeName>`, renewed every heartbeatSeconds
 * (kubelet's nodelease controller). The node lifecycle controller reads renewTime to tell a live
 * node from a dead one.
 */
import { KINDS, ApiError, type KubeletClient } from '../api/types'
import type { AgentLog } from '../log'

/** The namespace of node leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease'

/** Kubernetes' MicroTime: `2006-01-02T15:04:05.000000Z`. */
export function microTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

/** What renews one node's lease. */
export interface LeaseOptions {
  client: KubeletClient
  nodeName: string
  leaseDurationSeconds: number
  /** The Node's uid, for the lease's ownerReference. */
  nodeUid: () => string | undefined
  log: AgentLog
}

/** Creates or renews the node's lease once. */
export async function renewLease(opts: LeaseOptions): Promise<void> {
  const { client, nodeName } = opts
  const now = microTime()
  const uid = opts.nodeUid()
  const ownerReferences = uid
    ? [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid }]
    : undefined
  let lease: Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    lease = await client.get(KINDS.lease, NODE_LEASE_NAMESPACE, nodeName)
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 404) throw err
    await client.create({
      ...KINDS.lease,
      metadata: {
        name: nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ...(ownerReferences ? { ownerReferences } : {})
      },
      spec: {
        holderIdentity: nodeName,
        leaseDurationSeconds: opts.leaseDurationSeconds,
        renewTime: now
      }
    })
    return
  }
  await client.update({
    ...lease,
    metadata: {
      ...lease.metadata,
      ...(ownerReferences ? { ownerReferences } : {})
    },
    spec: {
      ...lease.spec,
      holderIdentity: nodeName,
      leaseDurationSeconds: opts.leaseDurationSeconds,
      renewTime: now
    }
  } as never)
}
