/**
 * What one DaemonSet sync works with: the client, the shared caches (revisions too), expectations, the failed
 * pod back-off and the queue. Also the expectations a DaemonSet needs — creations and deletions
 * pending at the same time (`SetExpectations(key, add, del)`), which the shared single-kind
 * expectations hold as two sets.
 */
import type { Pod } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../../apiserver/client'
import type { KubeObject } from '../../apiserver/types'
import type { ComponentLog } from '../../observe/component-log'
import type { EventRecorder } from '../../observe/event-recorder'
import type { ControllerRevisionObj } from '../shared/controller-history'
import { createExpectations } from '../shared/expectations'
import type { Informer } from '../shared/informer'
import type { WorkQueue } from '../shared/work-queue'
import type { Backoff } from './failed-pods-backoff'
import type { DaemonSetObj, NodeObj } from './node-should-run'

/** A Pod as the cache holds it. */
export type PodObj = Pod & KubeObject

/** The resource types the controller reads and writes. */
export const DAEMONSET_TYPE = { apiVersion: 'apps/v1', kind: 'DaemonSet' }
export const NODE_TYPE = { apiVersion: 'v1', kind: 'Node' }

/** Outstanding creations and deletions per DaemonSet key. */
export interface DaemonExpectations {
  satisfied(key: string): boolean
  /** Expects `adds` creations and the deletion of `podKeys` (replacing what was expected). */
  set(key: string, adds: number, podKeys: string[]): void
  creationObserved(key: string): void
  deletionObserved(key: string, podKey: string): void
  delete(key: string): void
}

/** Expectations of both kinds, from two of the shared ones. */
export function createDaemonExpectations(): DaemonExpectations {
  const creations = createExpectations()
  const deletions = createExpectations()
  return {
    satisfied: (key) => creations.satisfied(key) && deletions.satisfied(key),
    set(key, adds, podKeys) {
      creations.expectCreations(key, adds)
      deletions.expectDeletions(key, podKeys)
    },
    creationObserved: (key) => creations.creationObserved(key),
    deletionObserved: (key, podKey) => deletions.deletionObserved(key, podKey),
    delete(key) {
      creations.delete(key)
      deletions.delete(key)
    }
  }
}

/** The parts a sync uses. */
export interface SyncContext {
  client: ApiClient
  log: ComponentLog
  dsInformer: Informer<DaemonSetObj>
  podInformer: Informer<PodObj>
  nodeInformer: Informer<NodeObj>
  revisionInformer: Informer<ControllerRevisionObj>
  expectations: DaemonExpectations
  recorder: EventRecorder
  queue: WorkQueue
  failedPodsBackoff: Backoff
}
