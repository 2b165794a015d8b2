import type { KeyValue, WatchEvent } from '../../src/main/store/types'

/**
 * A reference model of the store's history: rebuilt from the writes a store acknowledged, it says
 * what every watcher must have seen. Used by the watch-history test to judge concurrent runs.
 */

/** One write the store acknowledged, as the writer saw it. */
export interface AckedWrite {
  op: 'create' | 'update' | 'delete'
  key: string
  /** The value written (empty for deletes). */
  value: string
  /** The revision the store answered: the new modRevision, or the delete's deleteRevision. */
  revision: number
  /** The guard the writer sent, if any. */
  expectedModRevision?: number
  /** What the store answered: the new key for create/update, the previous key for delete. */
  answer: KeyValue
}

/** The history a model replays, and every way the acknowledged writes broke the store's rules. */
export interface ModelHistory {
  /** One event per acknowledged write, in revision order, with the kv and prevKv etcd would send. */
  events: WatchEvent[]
  /** Readable violations: duplicate or missing revisions, wrong answers, impossible writes. */
  violations: string[]
}

/**
 * Replays acknowledged writes in revision order from an empty key space (above `startRevision`)
 * and derives each event's full kv and prevKv, checking that every answer fits etcd semantics.
 */
export function buildHistory(writes: AckedWrite[], startRevision: number): ModelHistory {
  const violations: string[] = []
  const sorted = [...writes].sort((a, b) => a.revision - b.revision)
  const state = new Map<string, KeyValue>()
  const events: WatchEvent[] = []
  let expectedRevision = startRevision + 1
  for (const w of sorted) {
    const where = `${w.op} ${w.key} => rev ${w.revision}`
    if (w.revision < expectedRevision) {
      violations.push(`${where}: revision ${w.revision} was answered to more than one write`)
      continue
    }
    if (w.revision > expectedRevision) {
      violations.push(`${where}: revisions ${expectedRevision}..${w.revision - 1} are missing`)
    }
    expectedRevision = w.revision + 1
    const prev = state.get(w.key)
    if (w.expectedModRevision !== undefined && prev?.modRevision !== w.expectedModRevision) {
      violations.push(
        `${where}: guarded by mod revision ${w.expectedModRevision} but the key was at ${prev?.modRevision ?? 'absent'}`
      )
    }
    if (w.op === 'delete') {
      if (!prev) violations.push(`${where}: deleted a key that did not exist`)
      else if (!sameKv(w.answer, prev)) {
        violations.push(`${where}: answered prevKv ${show(w.answer)}, model has ${show(prev)}`)
      }
      state.delete(w.key)
      const kv = {
        key: w.key,
        value: '',
        createRevision: 0,
        modRevision: w.revision,
        version: 0
      }
      events.push(prev ? { type: 'delete', kv, prevKv: prev } : { type: 'delete', kv })
      continue
    }
    if (w.op === 'create' && prev) violations.push(`${where}: created a key that existed`)
    if (w.op === 'update' && !prev) violations.push(`${where}: updated a key that did not exist`)
    const kv: KeyValue = {
      key: w.key,
      value: w.value,
      createRevision: prev ? prev.createRevision : w.revision,
      modRevision: w.revision,
      version: prev ? prev.version + 1 : 1
    }
    if (!sameKv(w.answer, kv)) {
      violations.push(`${where}: answered ${show(w.answer)}, model has ${show(kv)}`)
    }
    state.set(w.key, kv)
    events.push(prev ? { type: 'put', kv, prevKv: prev } : { type: 'put', kv })
  }
  return { events, violations }
}

/** The part of a history a watcher on `prefix` started after `afterRevision` must receive. */
export function expectedStream(
  history: WatchEvent[],
  prefix: string,
  afterRevision: number
): WatchEvent[] {
  return history.filter((e) => e.kv.key.startsWith(prefix) && e.kv.modRevision > afterRevision)
}

/** A compact, comparable line per event, so a mismatch shows up as a readable diff. */
export function describeEvent(e: WatchEvent): string {
  const prev = e.prevKv ? ` prev=${show(e.prevKv)}` : ''
  return `${e.kv.modRevision} ${e.type} ${show(e.kv)}${prev}`
}

function sameKv(a: KeyValue, b: KeyValue): boolean {
  return show(a) === show(b)
}

function show(kv: KeyValue): string {
  return `${kv.key}=${JSON.stringify(kv.value)}(c${kv.createRevision},m${kv.modRevision},v${kv.version})`
}
