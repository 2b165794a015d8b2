/**
 * Controller expectations (kube-controller-manager's `ControllerExpectations`): after a sync
 * creates or deletes pods, the controller waits until its informer has seen that many adds and
 * deletes before it trusts the cache again, so a stale cache never makes it create twice.
 * Expectations older than the TTL (5 minutes, as Kubernetes) count as satisfied, so a lost
 * watch event cannot wedge a controller for ever.
 */

/** Outstanding adds and deletes per controller key. */
export interface Expectations {
  /** Whether the controller may trust its cache for `key` (nothing pending, or expired). */
  satisfied(key: string): boolean
  expectCreations(key: string, count: number): void
  /** Deletions of these pods (keys), each observed once whatever the order of events. */
  expectDeletions(key: string, podKeys: string[]): void
  /** An add seen by the informer, or a create that failed (so it will never be seen). */
  creationObserved(key: string): void
  /** A delete of `podKey` seen by the informer (or one that failed). */
  deletionObserved(key: string, podKey: string): void
  /** Forgets `key` (its controller object is gone). */
  delete(key: string): void
}

interface Pending {
  add: number
  del: Set<string>
  at: number
}

/** New expectations; `ttlMs` defaults to 5 minutes. */
export function createExpectations(ttlMs = 5 * 60_000, now = () => Date.now()): Expectations {
  const pending = new Map<string, Pending>()
  return {
    satisfied(key) {
      const p = pending.get(key)
      if (!p) return true
      return (p.add <= 0 && p.del.size === 0) || now() - p.at > ttlMs
    },
    expectCreations: (key, count) =>
      void pending.set(key, { add: count, del: new Set(), at: now() }),
    expectDeletions: (key, podKeys) =>
      void pending.set(key, { add: 0, del: new Set(podKeys), at: now() }),
    creationObserved(key) {
      const p = pending.get(key)
      if (p) p.add--
    },
    deletionObserved(key, podKey) {
      pending.get(key)?.del.delete(podKey)
    },
    delete: (key) => void pending.delete(key)
  }
}
