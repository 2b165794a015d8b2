/**
 * The pods bound to this node: list + watch with fieldSelector `spec.nodeName=<node>`, as
 * kubelet's apiserver config source. When a watch ends or its resourceVersion is too old (410),
 * the pods are listed again and anything that vanished meanwhile is reported as deleted.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import { KINDS, type KubeletClient, type WatchHandle } from '../api/types'
import type { AgentLog } from '../log'

/** What the source tells the kubelet. */
export interface PodSourceHandlers {
  /** A pod was added or changed. */
  onPod(pod: Pod): void
  /** A pod is gone from the API. */
  onDelete(pod: Pod): void
}

/** A running list+watch; `stop` ends it. */
export interface PodSource {
  /** Resolves after the first list has been delivered. */
  ready: Promise<void>
  stop(): void
}

const RETRY_MS = 1000

/** Starts listing and watching the pods of `nodeName`. */
export function watchNodePods(
  client: KubeletClient,
  nodeName: string,
  handlers: PodSourceHandlers,
  log: AgentLog
): PodSource {
  const fieldSelector = `spec.nodeName=${nodeName}`
  const known = new Map<string, Pod>()
  let stopped = false
  let handle: WatchHandle | undefined
  let timer: NodeJS.Timeout | undefined
  let markReady!: () => void
  const ready = new Promise<void>((r) => (markReady = r))

  const keyOf = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`

  const retry = (): void => {
    if (stopped) return
    timer = setTimeout(() => void run(), RETRY_MS)
  }

  const run = async (): Promise<void> => {
    timer = undefined
    if (stopped) return
    try {
      const list = await client.list<never>(KINDS.pod, {
        fieldSelector
      })
      if (stopped) return
      const seen = new Set<string>()
      for (const pod of list.items as Pod[]) {
        const prior = known.get(keyOf(pod))
        if (prior && prior.metadata?.uid !== pod.metadata?.uid) handlers.onDelete(prior)
        seen.add(keyOf(pod))
        known.set(keyOf(pod), pod)
        handlers.onPod(pod)
      }
      for (const [key, pod] of known) {
        if (!seen.has(key)) {
          known.delete(key)
          handlers.onDelete(pod)
        }
      }
      markReady()
      let ended = false
      handle = await client.watch(
        KINDS.pod,
        {
          fieldSelector,
          resourceVersion: list.metadata.resourceVersion,
          allowWatchBookmarks: true
        },
        (event) => {
          if (stopped || ended) return
          const pod = event.object as Pod
          if (event.type === 'ADDED' || event.type === 'MODIFIED') {
            known.set(keyOf(pod), pod)
            handlers.onPod(pod)
          } else if (event.type === 'DELETED') {
            known.delete(keyOf(pod))
            handlers.onDelete(pod)
          }
        },
        (err) => {
          ended = true
          handle = undefined
          if (stopped) return
          if (err && err.code !== 410) log.warn('pod watch failed', { err: err.message })
          retry()
        }
      )
      if (stopped) handle.stop()
    } catch (err) {
      log.warn('listing pods failed', { node: nodeName, err: String(err) })
      retry()
    }
  }

  void run()
  return {
    ready,
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      handle?.stop()
      markReady()
    }
  }
}
