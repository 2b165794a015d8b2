/**
 * A kubelet inside the control plane's process, with the fake runtime: the
 * `kubedesk-control-plane` Node and every simulated node. It talks to the API server through
 * the in-process client, so a thousand of them cost no sockets.
 */
import type { KubeletConfig } from '../../agent/config'
import { Kubelet } from '../../agent/kubelet/kubelet'
import type { AgentLog } from '../../agent/log'
import { createFakeRuntime } from '../../agent/runtime/fake/fake-runtime'
import { createStatsCollector } from '../../agent/server/stats-summary'
import type { ApiClient } from '../apiserver/client'
import type { InProcessLogs } from './in-process-logs'
import type { InProcessStats } from './in-process-stats'
import { CONTROL_PLANE_NODE } from './types'

/**
 * Starts a registered, heartbeating in-process kubelet; `stop()` ends its loops. With `stats`,
 * its Summary API is registered there for the metrics scraper (the control-plane node counts
 * this process as its own use; simulated nodes only their fake containers). With `logs`, its
 * runtime is registered there for pods/log (`kubectl logs`).
 */
export async function startInProcessKubelet(
  config: KubeletConfig,
  client: ApiClient,
  log: AgentLog,
  stats?: InProcessStats,
  logs?: InProcessLogs
): Promise<{ stop(): Promise<void> }> {
  const address = config.addresses.find((a) => a.type === 'InternalIP')?.address
  const runtime = createFakeRuntime({ nodeName: config.nodeName, ip: address })
  const kubelet = new Kubelet({ config, client, runtime, log })
  await kubelet.start()
  const self = config.nodeName === CONTROL_PLANE_NODE ? undefined : null
  const unregister = stats?.register(
    config.nodeName,
    createStatsCollector(config.nodeName, runtime, { self })
  )
  const unregisterLogs = logs?.register(config.nodeName, runtime)
  return {
    async stop() {
      unregister?.()
      unregisterLogs?.()
      await kubelet.stop()
      await runtime.close()
    }
  }
}
