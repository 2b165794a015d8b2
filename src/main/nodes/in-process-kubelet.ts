/**
 * A kubelet inside the control plane's process, with the fake runtime: the
 * `kubedesk-control-plane` Node and every simulated node. It talks to the API server through
 * the in-process client, so a thousand of them cost no sockets.
 */
import type { KubeletConfig } from '../../agent/config'
import { Kubelet } from '../../agent/kubelet/kubelet'
import type { AgentLog } from '../../agent/log'
import { createFakeRuntime } from '../../agent/runtime/fake/fake-runtime'
import type { ApiClient } from '../apiserver/client'

/** Starts a registered, heartbeating in-process kubelet; `stop()` ends its loops. */
export async function startInProcessKubelet(
  config: KubeletConfig,
  client: ApiClient,
  log: AgentLog
): Promise<{ stop(): Promise<void> }> {
  const address = config.addresses.find((a) => a.type === 'InternalIP')?.address
  const runtime = createFakeRuntime({ nodeName: config.nodeName, ip: address })
  const kubelet = new Kubelet({ config, client, runtime, log })
  await kubelet.start()
  return {
    async stop() {
      await kubelet.stop()
      await runtime.close()
    }
  }
}
