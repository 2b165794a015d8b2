/**
 * Shared informers, one per kind, as client-go's `SharedInformerFactory`: every controller of
 * the controller manager asks for the Pod informer and gets the same one, so the cluster is
 * listed and watched once per kind.
 */
import type { ApiClient, ResourceType } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import type { ComponentLog } from '../../observe/component-log'
import { createInformer, type IndexFunc, type Informer } from './informer'

/** Hands out one informer per kind. */
export interface InformerFactory {
  /** The informer of `type` (created on first use; indexers of later callers are added). */
  informerFor<T extends KubeObject = KubeObject>(
    type: ResourceType,
    indexers?: Record<string, IndexFunc<T>>
  ): Informer<T>
  /** Starts every informer handed out so far; resolves when all have synced. */
  start(): Promise<void>
  stop(): void
}

/** A factory whose informers list and watch through `client`. */
export function createInformerFactory(
  client: ApiClient,
  opts: { log?: ComponentLog; resyncMs?: number } = {}
): InformerFactory {
  const informers = new Map<string, Informer<KubeObject>>()
  const indexers = new Map<string, Record<string, IndexFunc<KubeObject>>>()
  return {
    informerFor<T extends KubeObject>(
      type: ResourceType,
      extra?: Record<string, IndexFunc<T>>
    ): Informer<T> {
      const id = `${type.apiVersion}/${type.kind}`
      let idx = indexers.get(id)
      if (!idx) indexers.set(id, (idx = {}))
      // Indexers are read lazily by name, so adding one before start is enough.
      if (extra) Object.assign(idx, extra)
      let informer = informers.get(id)
      if (!informer) {
        informer = createInformer<KubeObject>(client, type, {
          resyncMs: opts.resyncMs,
          indexers: idx,
          onError: (message, err) => opts.log?.warn(message, { err: String(err) })
        })
        informers.set(id, informer)
      }
      return informer as unknown as Informer<T>
    },
    async start() {
      await Promise.all([...informers.values()].map((i) => i.start()))
    },
    stop() {
      for (const i of informers.values()) i.stop()
    }
  }
}
