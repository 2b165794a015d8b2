/**
 * The controller manager: one set of shared informers (each kind listed and watched once) and
 * the controllers that use them, as kube-controller-manager runs them. Each controller is one
 * entry of CONTROLLERS, named as kube-controller-manager's `--controllers` names it. The node
 * lifecycle controller is started separately by the control plane.
 */
import type { ApiClient } from '../apiserver/client'
import type { ComponentLog } from '../observe/component-log'
import { startDeploymentController } from './deployment-controller'
import { startReplicaSetController } from './replicaset-controller'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import type { RunningController } from './shared/run-workers'

/** What every controller is started with. */
export interface SharedControllerOptions {
  client: ApiClient
  log: ComponentLog
  informers: InformerFactory
  workers?: number
}

/** The controllers, by their kube-controller-manager name, in start order. */
export const CONTROLLERS: Record<string, (o: SharedControllerOptions) => RunningController> = {
  replicaset: startReplicaSetController,
  deployment: startDeploymentController
}

/** Options of the controller manager. */
export interface ControllerManagerOptions {
  /** A client acting as kube-controller-manager (its writes are recorded under that manager). */
  client: ApiClient
  /** The `kube-controller-manager` component log. */
  log: ComponentLog
  /** Workers per controller (default 5). */
  workers?: number
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
    workers: o.workers
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
