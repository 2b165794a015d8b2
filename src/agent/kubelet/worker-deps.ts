/** What every pod worker of one kubelet shares. */
import type { KubeletClient } from '../api/types'
import type { KubeletConfig } from '../config'
import type { AgentLog } from '../log'
import type { ContainerRuntime } from '../runtime/types'
import type { Backoff } from './backoff'
import type { EventRecorder } from './events'
import type { PullContext } from './image-puller'

/** The kubelet's parts a pod worker uses. */
export interface WorkerDeps {
  config: KubeletConfig
  client: KubeletClient
  runtime: ContainerRuntime
  log: AgentLog
  events: EventRecorder
  /** CrashLoopBackOff delays, keyed `<podUid>/<container>`. */
  backoff: Backoff
  backoffInitialMs: number
  pull: PullContext
  /** The node's InternalIP (status.hostIP). */
  hostIP?: string
  /** The worker is done (pod terminated and gone): forget it. */
  onFinished(uid: string): void
}
