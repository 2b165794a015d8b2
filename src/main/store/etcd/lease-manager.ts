/**
 * Leases for TTL keys, shared between writes the way kube-apiserver's etcd3 lease manager does
 * (k8s.io/apiserver/pkg/storage/etcd3/lease_manager.go): granting one lease per write costs a
 * round trip and leaves etcd with one lease per Event, so a lease is granted for `ttl + reuse`
 * seconds and handed to every later write with the same TTL while it still outlives that write's
 * TTL. A key therefore expires between `ttl` and `ttl + reuse` seconds after its write.
 */
import type { LeaseClient } from 'etcd3'

/** How a lease manager trades expiry precision for fewer leases. */
export interface LeaseReuseOptions {
  /** Upper bound of the reuse window in seconds (kube-apiserver: 60). */
  maxReuseSeconds?: number
  /** The reuse window as a share of the TTL, so short TTLs stay precise (kube-apiserver: 0.05). */
  reusePercent?: number
}

interface CachedLease {
  id: string
  /** When etcd will expire the lease, ms since the epoch (measured from before the grant). */
  expiresAt: number
}

/** Grants and reuses etcd leases for writes with a TTL. */
export class LeaseManager {
  private readonly maxReuseSeconds: number
  private readonly reusePercent: number
  private readonly cached = new Map<number, CachedLease>()
  /** One grant in flight per TTL, so concurrent writers share it instead of granting many. */
  private readonly granting = new Map<number, Promise<string>>()

  constructor(
    private readonly leases: LeaseClient,
    options: LeaseReuseOptions = {}
  ) {
    this.maxReuseSeconds = options.maxReuseSeconds ?? 60
    this.reusePercent = options.reusePercent ?? 0.05
  }

  /** A lease ID whose expiry lies between `ttlSeconds` and `ttlSeconds + reuse` from now. */
  async leaseFor(ttlSeconds: number): Promise<string> {
    // etcd leases have whole-second TTLs; round up so a key never outlives less than asked.
    const ttl = Math.max(1, Math.ceil(ttlSeconds))
    const reuseMs = this.reuseSeconds(ttl) * 1000
    // Short TTLs get no reuse window (it would stretch them too much): one lease per write.
    if (reuseMs === 0) return (await this.leases.leaseGrant({ TTL: ttl })).ID
    for (;;) {
      const now = Date.now()
      const lease = this.cached.get(ttl)
      if (
        lease &&
        lease.expiresAt > now + ttl * 1000 &&
        lease.expiresAt <= now + ttl * 1000 + reuseMs
      ) {
        return lease.id
      }
      const pending = this.granting.get(ttl)
      if (!pending) return this.grant(ttl)
      // Another write is granting for this TTL: wait for it, then check whether it fits us.
      await pending.catch(() => undefined)
    }
  }

  private reuseSeconds(ttl: number): number {
    return Math.min(this.maxReuseSeconds, Math.floor(ttl * this.reusePercent))
  }

  private grant(ttl: number): Promise<string> {
    const reuse = this.reuseSeconds(ttl)
    const requestedAt = Date.now()
    const granted = this.leases
      .leaseGrant({ TTL: ttl + reuse })
      .then((res) => {
        // etcd may raise a TTL to its minimum; trust the TTL it answers with.
        const grantedTtl = Number(res.TTL) || ttl + reuse
        this.cached.set(ttl, { id: res.ID, expiresAt: requestedAt + grantedTtl * 1000 })
        return res.ID
      })
      .finally(() => this.granting.delete(ttl))
    this.granting.set(ttl, granted)
    return granted
  }
}
