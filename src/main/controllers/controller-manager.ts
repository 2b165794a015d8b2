/**
 * The controller manager: one set of shared informers (each kind listed and watched once) and
 * the controllers that use them, as kube-controller-manager runs them. Each controller is one
 * entry of CONTROLLERS, named as kube-controller-manager's `--controllers` names it. The node
 * lifecycle controller is started separately by the control plane.
 */
import type { ApiClient } from '../apiserver/client'
import type { ComponentLog } from '../observe/component-log'
import { startCronJobController } from './cronjob/cronjob-controller'
import { startDaemonSetController } from './daemonset/daemonset-controller'
import { startDeploymentController } from './deployment-controller'
import { startEndpointsController } from './endpoints-controller'
import { startEndpointSliceController } from './endpointslice-controller'
import { startGarbageCollector } from './garbage-collector/garbage-collector'
import { startJobController } from './job/job-controller'
import { startNamespaceController } from './namespace-controller'
import { startPodGcController } from './podgc-controller'
import { startReplicaSetController } from './replicaset-controller'
import { startReplicationManager } from './replication-controller'
import { startServiceAccountController } from './serviceaccount-controller'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import type { RunningController } from './shared/run-workers'
import { startStatefulSetController } from './statefulset/statefulset-controller'
import { startTaintEvictionController } from './taint-eviction-controller'
import { startTtlAfterFinishedController } from './ttl-after-finished-controller'

/** What every controller is started with. */
export interface SharedControllerOptions {
  client: ApiClient
  log: ComponentLog
  informers: InformerFactory
  workers?: number
  /** Terminated pods the pod GC keeps (`--terminated-pod-gc-threshold`, default 1000). */
  terminatedPodGcThreshold?: number
}

/** The controllers, by their kube-controller-manager name, in start order. */
export const CONTROLLERS: Record<string, (o: SharedControllerOptions) => RunningController> = {
  replicaset: startReplicaSetController,
  replicationcontroller: startReplicationManager,
  deployment: startDeploymentController,
  daemonset: startDaemonSetController,
  statefulset: startStatefulSetController,
  job: startJobController,
  cronjob: startCronJobController,
  'ttl-after-finished': startTtlAfterFinishedController,
  'taint-eviction-controller': startTaintEvictionController,
  'pod-garbage-collector': startPodGcController,
  garbagecollector: startGarbageCollector,
  namespace: startNamespaceController,
  serviceaccount: startServiceAccountController,
  endpoint: startEndpointsController,
  endpointslice: startEndpointSliceController
}

/** Options of the controller manager. */
export interface ControllerManagerOptions {
  /** A client acting as kube-controller-manager (its writes are recorded under that manager). */
  client: ApiClient
  /** The `kube-controller-manager` component log. */
  log: ComponentLog
  /** Workers per controller (default 5). */
  workers?: number
  /** Terminated pods the pod GC keeps (default 1000). */
  terminatedPodGcThreshold?: number
}

/** A running controller manager. */
export interface ControllerManager {
  /** Resolves once every informer has synced and the controllers' workers are running. */
  readonly ready: Promise<void>
  /** Stops the controllers and the informers; resolves when every worker has returned. */
  stop(): Promise<void>
}

/** Starts the shared informers and every controller. */
export function startControllerManager(o: ControllerManagerOptions): ControllerManager {
  const informers = createInformerFactory(o.client, { log: o.log })
  const shared: SharedControllerOptions = {
    client: o.client,
    log: o.log,
    informers,
    workers: o.workers,
    terminatedPodGcThreshold: o.terminatedPodGcThreshold
  }
  // Controllers register their informers (and indexes) first; the factory starts them once.
  const controllers = Object.values(CONTROLLERS).map((start) => start(shared))
  o.log.info('controller manager starting', { controllers: Object.keys(CONTROLLERS) })
  const ready = informers.start()
  ready.catch(() => undefined)
  return {
    ready,
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()))
      informers.stop()
      o.log.info('controller manager stopped')
    }
  }
}
