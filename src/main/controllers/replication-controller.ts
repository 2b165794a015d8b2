/**
 * The replication manager (kube-controller-manager's `pkg/controller/replication`): the
 * ReplicaSet controller run for core/v1 ReplicationControllers. As in Kubernetes, nothing is
 * copied: the only conversion is the selector, a plain label map in `spec.selector`; pods are
 * owned with kind ReplicationController and the status fields are the ReplicaSet's.
 */
import type { ReplicationController } from 'kubernetes-types/core/v1'
import type { ReplicaSetKind, ReplicatedObj } from './replicaset/replica-set-kind'
import { startBaseController, type ReplicaSetControllerOptions } from './replicaset-controller'
import { specSelector } from './shared/controller-ref'
import type { RunningController } from './shared/run-workers'

/** The resource type of ReplicationControllers. */
export const REPLICATIONCONTROLLER_TYPE = { apiVersion: 'v1', kind: 'ReplicationController' }

/** `spec.selector` of a ReplicationController as a LabelSelector (matchLabels of the map). */
export function replicationControllerSelector(rc: ReplicatedObj) {
  const map = (rc as ReplicationController).spec?.selector
  // No selector selects nothing, as the converted nil LabelSelector does.
  return specSelector({ spec: { selector: map ? { matchLabels: map } : undefined } })
}

/** The ReplicationController kind. */
export const REPLICATIONCONTROLLER_KIND: ReplicaSetKind = {
  type: REPLICATIONCONTROLLER_TYPE,
  component: 'replication-controller',
  selectorOf: replicationControllerSelector
}

/** Starts the replication manager (workers as `--concurrent-rc-syncs`, default 5). */
export function startReplicationManager(o: ReplicaSetControllerOptions): RunningController {
  return startBaseController(o, REPLICATIONCONTROLLER_KIND)
}
