/**
 * What the ReplicaSet controller needs to know about the kind it manages, so one implementation
 * serves ReplicaSets (apps/v1) and ReplicationControllers (core/v1), as Kubernetes' replication
 * manager is the ReplicaSet controller behind a conversion.
 */
import type { ReplicaSetStatus } from 'kubernetes-types/apps/v1'
import type { PodTemplateSpec } from 'kubernetes-types/core/v1'
import type { LabelSelector } from '../../apiserver/selectors/label-selector'
import type { KubeObject } from '../../apiserver/types'

/** The fields both kinds share; the selector's form differs, so it is read through the kind. */
export type ReplicatedObj = KubeObject & {
  spec?: {
    replicas?: number
    minReadySeconds?: number
    template?: PodTemplateSpec
    selector?: unknown
  }
  status?: ReplicaSetStatus
}

/** A kind the ReplicaSet controller can manage. */
export interface ReplicaSetKind {
  /** apiVersion and kind of the managed objects (and of the pods' controller references). */
  type: { apiVersion: string; kind: string }
  /** The event source component (`replicaset-controller`, `replication-controller`). */
  component: string
  /** The object's selector as a LabelSelector; undefined when it does not parse. */
  selectorOf(obj: ReplicatedObj): LabelSelector | undefined
}
