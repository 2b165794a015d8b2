/**
 * One subscriber's view of a shared ListWatch, as the desktop API pushes lists: a `reset` with
 * every item first (and again after a re-list), then `ListUpdate` batches. Changes are held for
 * at most LIST_BATCH_MS and coalesced by object, so a burst of watch events is one message and
 * an object added and deleted within one batch is never seen. Objects are filtered and mapped
 * to the topic's summary only when a batch is sent.
 */
import type { KubeObject } from '../../apiserver/types'
import { LIST_BATCH_MS, type ListUpdate } from '../../../shared/desktop-api'
import { uidOf, type ListWatch } from './list-watch'

/** How a topic sees a kind. */
export interface ListTopic<T extends { key: string }> {
  /** The objects this subscriber sees (default: all). */
  filter?: (obj: KubeObject) => boolean
  /** The summary the topic pushes for an object. */
  map: (obj: KubeObject) => T
  /** Order of a reset's items (default: the cache's). */
  compare?: (a: T, b: T) => number
}

/** A running subscription. */
export interface ListSubscription {
  /**
   * Maps every item sent again and pushes those whose summary changed although their object did
   * not (e.g. a node's usage), in the next batch.
   */
  refresh(): void
  unsubscribe(): void
}

interface Sent<T> {
  obj: KubeObject
  item: T
}

/** Subscribes to `listWatch`, pushing batched updates of `topic` to `emit`. */
export function subscribeList<T extends { key: string }>(
  listWatch: ListWatch,
  topic: ListTopic<T>,
  emit: (update: ListUpdate<T>) => void,
  fail: (message: string) => void,
  batchMs = LIST_BATCH_MS
): ListSubscription {
  const sent = new Map<string, Sent<T>>()
  // uid → the latest object, or undefined when deleted; sent at the next flush.
  let pending = new Map<string, KubeObject | undefined>()
  let timer: NodeJS.Timeout | undefined
  let initialized = false
  let closed = false
  const accepts = (obj: KubeObject): boolean => !topic.filter || topic.filter(obj)

  const reset = (): void => {
    clearTimeout(timer)
    timer = undefined
    pending = new Map()
    sent.clear()
    const items: T[] = []
    for (const obj of listWatch.items()) {
      if (!accepts(obj)) continue
      const item = topic.map(obj)
      sent.set(uidOf(obj), { obj, item })
      items.push(item)
    }
    if (topic.compare) items.sort(topic.compare)
    initialized = true
    emit({ reset: true, items })
  }

  const flush = (): void => {
    timer = undefined
    const batch = pending
    pending = new Map()
    const upserts: T[] = []
    const deletes: string[] = []
    for (const [uid, obj] of batch) {
      const before = sent.get(uid)
      if (obj && accepts(obj)) {
        const item = topic.map(obj)
        // The same object mapped again (refresh): only news when the summary moved.
        if (before && before.obj === obj && sameJson(before.item, item)) continue
        if (before && before.item.key !== item.key) deletes.push(before.item.key)
        sent.set(uid, { obj, item })
        upserts.push(item)
      } else if (before) {
        sent.delete(uid)
        deletes.push(before.item.key)
      }
    }
    if (upserts.length > 0 || deletes.length > 0) emit({ reset: false, upserts, deletes })
  }

  const queue = (uid: string, obj: KubeObject | undefined): void => {
    pending.set(uid, obj)
    timer ??= setTimeout(flush, batchMs)
  }

  const unsubscribeWatch = listWatch.subscribe({
    reset: () => {
      if (!closed) reset()
    },
    change: (uid, obj) => {
      // Before the first reset the cache holds the change already.
      if (!closed && initialized) queue(uid, obj)
    },
    fail: (message) => {
      if (closed) return
      closed = true
      clearTimeout(timer)
      fail(message)
    }
  })

  return {
    refresh() {
      if (closed || !initialized) return
      for (const [uid, { obj }] of sent) if (!pending.has(uid)) queue(uid, obj)
    },
    unsubscribe() {
      if (closed) return
      closed = true
      clearTimeout(timer)
      unsubscribeWatch()
    }
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
