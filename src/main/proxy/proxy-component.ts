/**
 * kube-proxy as the control plane runs it: its own client identity (`system:kube-proxy`) and
 * component log (`kubedesk logs kube-proxy`). Kept apart from control-plane.ts so the desktop
 * app reaches `openService` the same way the control socket does.
 */
import type { ApiServer } from '../apiserver/server'
import type { ComponentStatus } from '../../shared/status'
import { createComponentLog, type ComponentLog } from '../observe/component-log'
import { KUBE_PROXY_COMPONENT, startKubeProxy, type KubeProxy } from './kube-proxy'

/** The running component: the proxy and its log. */
export interface ProxyComponent {
  readonly proxy: KubeProxy
  readonly log: ComponentLog
  /** For `kubedesk status`: starting until the caches are filled, then the node ports served. */
  status(): ComponentStatus
  /** Stops the proxy and closes its log. */
  stop(): Promise<void>
}

/** Starts kube-proxy against `server`; NodePorts open once its caches are filled. */
export function startProxyComponent(
  dataDir: string,
  server: Pick<ApiServer, 'clientFor'>
): ProxyComponent {
  const log = createComponentLog(dataDir, KUBE_PROXY_COMPONENT)
  const client = server.clientFor(
    { username: 'system:kube-proxy', groups: ['system:node-proxier', 'system:authenticated'] },
    'kube-proxy'
  )
  const proxy = startKubeProxy({ client, log })
  let state: ComponentStatus['state'] = 'starting'
  let failure: string | undefined
  proxy.ready.then(
    () => {
      if (state === 'starting') state = 'running'
    },
    (err: unknown) => {
      state = 'failed'
      failure = err instanceof Error ? err.message : String(err)
      log.error('kube-proxy failed to start', { err })
    }
  )
  return {
    proxy,
    log,
    status() {
      const ports = proxy.nodePorts()
      const listening = ports.filter((p) => p.listening).length
      const message =
        state === 'failed'
          ? failure
          : state === 'running'
            ? `${listening} node port${listening === 1 ? '' : 's'} on 127.0.0.1` +
              (listening < ports.length ? ` (${ports.length - listening} in use elsewhere)` : '')
            : undefined
      return { name: KUBE_PROXY_COMPONENT, state, ...(message ? { message } : {}) }
    },
    async stop() {
      state = 'stopped'
      await proxy.stop().catch((err: unknown) => log.error('stopping kube-proxy failed', { err }))
      log.close()
    }
  }
}
