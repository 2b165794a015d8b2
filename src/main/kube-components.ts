/**
 * The control plane's in-process Kubernetes components beyond the API server: kube-scheduler
 * (src/main/scheduler) and kube-controller-manager (src/main/controllers: the node lifecycle
 * controller here, every other one through controller-manager.ts's CONTROLLERS). Each talks to
 * the API server through the in-process client as its own user, logs to its own component log,
 * and is restarted when it fails (component-supervisor.ts).
 */
import type { ApiServer } from './apiserver/server'
import {
  CONTROLLERS as CONTROLLER_STARTERS,
  startControllerManager
} from './controllers/controller-manager'
import { startNodeLifecycleController } from './controllers/node-lifecycle-controller'
import {
  ComponentSupervisor,
  type ComponentDefinition,
  type SupervisorOptions
} from './component-supervisor'
import { createComponentLog, type ComponentLog } from './observe/component-log'
import { startScheduler, type SchedulerOptions } from './scheduler/scheduler'
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
  /** Back-off and probe timing of the supervisor. */
  supervisor?: Omit<SupervisorOptions, 'log'>
  /** The log of a probed component (the store, the API server), for its probe failures. */
  log?: (component: string) => ComponentLog | undefined
  /** Told of each scheduling attempt (the metrics history). */
  onSchedulingAttempt?: SchedulerOptions['onAttempt']
}

/** The running components. */
export interface KubeComponents {
  /** For `kubedesk status` and the UI. */
  statuses(): ComponentStatus[]
  /** Restarts a component as if it had crashed (`kubedesk component fail`). */
  fail(name: string): void
  /** Stops the controllers and the scheduler and closes their logs. */
  stop(): Promise<void>
}

/** kube-controller-manager's controllers, by their `--controllers` names. */
export const CONTROLLERS = ['node-lifecycle', ...Object.keys(CONTROLLER_STARTERS)]

/**
 * Starts kube-scheduler and kube-controller-manager under `supervisor` rules: each is stopped
 * and started again when it fails (component-supervisor.ts). `extra` are the components that
 * are only probed (the store, the API server), so one supervisor knows all of them.
 */
export function startKubeComponents(
  o: KubeComponentsOptions,
  extra: ComponentDefinition[] = []
): KubeComponents & { supervisor: ComponentSupervisor } {
  const schedulerLog = createComponentLog(o.dataDir, SCHEDULER_COMPONENT)
  const controllerLog = createComponentLog(o.dataDir, CONTROLLER_MANAGER_COMPONENT)
  const logs: Record<string, ComponentLog> = {
    [SCHEDULER_COMPONENT]: schedulerLog,
    [CONTROLLER_MANAGER_COMPONENT]: controllerLog
  }
  const scheduler: ComponentDefinition = {
    name: SCHEDULER_COMPONENT,
    start() {
      const running = startScheduler({
        client: o.server.clientFor(
          { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
          'default-scheduler'
        ),
        log: schedulerLog,
        onAttempt: o.onSchedulingAttempt
      })
      return running
    }
  }
  const controllerManager: ComponentDefinition = {
    name: CONTROLLER_MANAGER_COMPONENT,
    start() {
      const client = o.server.clientFor(
        { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
        'kube-controller-manager'
      )
      const stopNodeLifecycle = startNodeLifecycleController({
        client,
        log: controllerLog,
        gracePeriodSeconds: o.nodeMonitorGracePeriodSeconds
      })
      const manager = startControllerManager({
        client,
        log: controllerLog,
        terminatedPodGcThreshold: o.terminatedPodGcThreshold
      })
      controllerLog.info('controller manager started', { controllers: CONTROLLERS })
      return {
        ready: manager.ready,
        async stop() {
          stopNodeLifecycle()
          await manager.stop().catch((err: unknown) => {
            controllerLog.error('stopping the controllers failed', { err })
          })
        }
      }
    }
  }
  const supervisor = new ComponentSupervisor([...extra, controllerManager, scheduler], {
    ...o.supervisor,
    log: (component, level, message, values) =>
      (logs[component] ?? o.log?.(component))?.[level](message, values)
  })
  supervisor.start()
  o.progress(SCHEDULER_COMPONENT, 'scheduling pods onto nodes')
  o.progress(CONTROLLER_MANAGER_COMPONENT, `${CONTROLLERS.join(', ')} controllers`)

  const messages: Record<string, string> = {
    [SCHEDULER_COMPONENT]: 'default-scheduler',
    [CONTROLLER_MANAGER_COMPONENT]: CONTROLLERS.join(', ')
  }
  let stopped: Promise<void> | undefined
  return {
    supervisor,
    statuses: () =>
      supervisor
        .records()
        .filter((r) => r.restartable)
        .map((r) => ({
          name: r.name,
          state: r.state === 'waiting' ? 'failed' : r.state,
          message:
            r.state === 'waiting'
              ? `restarting after: ${r.message ?? 'a failure'} (restarts: ${r.restartCount})`
              : messages[r.name] + (r.restartCount > 0 ? ` (restarts: ${r.restartCount})` : '')
        })),
    fail: (name) => supervisor.fail(name),
    stop() {
      stopped ??= (async () => {
        await supervisor.stop()
        controllerLog.close()
        schedulerLog.close()
      })()
      return stopped
    }
  }
}
