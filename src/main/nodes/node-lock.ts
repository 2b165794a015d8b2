/**
 * One operation at a time per node: `up` creating kubedesk-worker while the UI stops it must not
 * interleave (two containers, or a stop racing a start). Operations on different nodes run in
 * parallel.
 */

/** Runs `fn` after every earlier operation on `key` has settled. */
export type KeyedLock = <T>(key: string, fn: () => Promise<T>) => Promise<T>

/** Makes a lock; each provider has its own. */
export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>()
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve()
    const result = previous.then(fn, fn)
    const tail = result.catch(() => undefined)
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return result
  }
}
