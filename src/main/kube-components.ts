/**
 * The control plane's in-process Kubernetes components beyond the API server: kube-scheduler
 * (src/main/scheduler) and kube-controller-manager (src/main/controllers: the node lifecycle
 * controller here, every other one through controller-manager.ts's CONTROLLERS). Each talks to the API server through the in-process client as its
 * own user and logs to its own component log.
 */
import type { ApiServer } from './apiserver/server'
import {
  CONTROLLERS as CONTROLLER_STARTERS,
  startControllerManager
} from './controllers/controller-manager'
import { startNodeLifecycleController } from './controllers/node-lifecycle-controller'
import { createComponentLog } from './observe/component-log'
import { startScheduler } from './scheduler/scheduler'
import type { ComponentStatus } from '../shared/status'

/** The scheduler's component name. */
export const SCHEDULER_COMPONENT = 'kube-scheduler'
/** The controller manager's component name. */
export const CONTROLLER_MANAGER_COMPONENT = 'kube-controller-manager'

/** What `startKubeComponents` needs. */
export interface KubeComponentsOptions {
  dataDir: string
  server: ApiServer
  /** Lease age after which a node goes NotReady (default 20 s). */
  nodeMonitorGracePeriodSeconds?: number
  /** Terminated pods the pod GC keeps (default 1000). */
  terminatedPodGcThreshold?: number
  progress: (component: string, message: string) => void
}

/** The running components. */
export interface KubeComponents {
  /** For `kubedesk status` and the UI. */
  statuses(): ComponentStatus[]
  /** Stops the controllers and the scheduler and closes their logs. */
  stop(): Promise<void>
}

const CONTROLLERS = ['node-lifecycle', ...Object.keys(CONTROLLER_STARTERS)]

/** Starts kube-scheduler and kube-controller-manager. */
export function startKubeComponents(o: KubeComponentsOptions): KubeComponents {
  const schedulerLog = createComponentLog(o.dataDir, SCHEDULER_COMPONENT)
  const scheduler = startScheduler({
    client: o.server.clientFor(
      { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
      'default-scheduler'
    ),
    log: schedulerLog
  })
  schedulerLog.info('scheduler started')
  o.progress(SCHEDULER_COMPONENT, 'scheduling pods onto nodes')

  const controllerLog = createComponentLog(o.dataDir, CONTROLLER_MANAGER_COMPONENT)
  const client = o.server.clientFor(
    { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
    'kube-controller-manager'
  )
  const stopNodeLifecycle = startNodeLifecycleController({
    client,
    log: controllerLog,
    gracePeriodSeconds: o.nodeMonitorGracePeriodSeconds
  })
  const controllerManager = startControllerManager({
    client,
    log: controllerLog,
    terminatedPodGcThreshold: o.terminatedPodGcThreshold
  })
  controllerLog.info('controller manager started', { controllers: CONTROLLERS })
  o.progress(CONTROLLER_MANAGER_COMPONENT, `${CONTROLLERS.join(', ')} controllers`)

  let stopped: Promise<void> | undefined
  return {
    statuses: () => [
      { name: SCHEDULER_COMPONENT, state: 'running', message: 'default-scheduler' },
      { name: CONTROLLER_MANAGER_COMPONENT, state: 'running', message: CONTROLLERS.join(', ') }
    ],
    stop() {
      stopped ??= (async () => {
        stopNodeLifecycle()
        await controllerManager.stop().catch((err: unknown) => {
          controllerLog.error('stopping the controllers failed', { err })
        })
        scheduler.stop()
        controllerLog.close()
        schedulerLog.close()
      })()
      return stopped
    }
  }
}
