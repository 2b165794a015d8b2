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

/** Renews one node's lease; keeps the last written Lease so a renewal is a single update. */
export interface LeaseRenewer {
  /** Creates or renews the lease once. */
  renew(): Promise<void>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LeaseObject = Record<string, any>

/**
 * As kubelet's nodelease controller: the Lease read once (or created), then renewed from the
 * copy the last update returned; only a conflict or a missing lease costs another read.
 */
export function createLeaseRenewer(opts: LeaseOptions): LeaseRenewer {
  const { client, nodeName } = opts
  let last: LeaseObject | undefined

  const ownerReferences = () => {
    const uid = opts.nodeUid()
    return uid ? [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid }] : undefined
  }

  const fetchOrCreate = async (now: string): Promise<LeaseObject | undefined> => {
    try {
      return await client.get(KINDS.lease, NODE_LEASE_NAMESPACE, nodeName)
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) throw err
    }
    const refs = ownerReferences()
    last = await client.create({
      ...KINDS.lease,
      metadata: {
        name: nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ...(refs ? { ownerReferences: refs } : {})
      },
      spec: {
        holderIdentity: nodeName,
        leaseDurationSeconds: opts.leaseDurationSeconds,
        renewTime: now
      }
    })
    return undefined
  }

  const update = async (lease: LeaseObject, now: string): Promise<void> => {
    const refs = ownerReferences()
    last = await client.update({
      ...lease,
      metadata: { ...lease.metadata, ...(refs ? { ownerReferences: refs } : {}) },
      spec: {
        ...lease.spec,
        holderIdentity: nodeName,
        leaseDurationSeconds: opts.leaseDurationSeconds,
        renewTime: now
      }
    } as never)
  }

  return {
    async renew() {
      const now = microTime()
      if (last) {
        try {
          return await update(last, now)
        } catch (err) {
          // Someone else wrote it (or removed it): read it again below.
          if (!(err instanceof ApiError) || (err.code !== 409 && err.code !== 404)) throw err
          last = undefined
        }
      }
      const current = await fetchOrCreate(now)
      if (current) await update(current, now)
    }
  }
}
