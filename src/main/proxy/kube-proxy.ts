/**
 * kube-proxy, KubeDesk's way: Services reachable from the user's machine. It watches Services
 * and EndpointSlices (shared informers) and
 * - for every NodePort (and LoadBalancer) Service port over TCP, listens on 127.0.0.1:<nodePort>
 *   and balances connections over the port's ready endpoints (pod IP : targetPort; on Linux the
 *   host reaches pod IPs on the Docker network directly, and process-runtime pods listen on the
 *   host itself);
 * - on request (`kubedesk open svc/NAME`, later the UI), opens a free loopback port that does
 *   the same for a Service of any type, and keeps it until the control plane stops.
 * It never listens beyond 127.0.0.1. UDP and SCTP ports are not carried (logged once).
 */
import type { ServicePort } from 'kubernetes-types/core/v1'
import type { ApiClient } from '../apiserver/client'
import { isNotFound } from '../controllers/shared/api-errors'
import { createInformerFactory, type InformerFactory } from '../controllers/shared/informer-factory'
import { keyOf, type Informer } from '../controllers/shared/informer'
import type { ComponentLog } from '../observe/component-log'
import {
  readyBackends,
  sliceServiceKey,
  tcpPorts,
  type Backend,
  type EndpointSliceObj,
  type ServiceObj
} from './service-backends'
import { LOOPBACK, startTcpBalancer, type TcpBalancer } from './tcp-balancer'

/** The component's name in status and logs. */
export const KUBE_PROXY_COMPONENT = 'kube-proxy'

const SERVICE_TYPE = { apiVersion: 'v1', kind: 'Service' }
const ENDPOINTSLICE_TYPE = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }
const BY_SERVICE = 'service'
/** How often node ports that could not be bound (in use) are tried again. */
const RETRY_MS = 5000

/** `open` could not be done; `code` is the HTTP status the control socket answers with. */
export class ServiceOpenError extends Error {
  constructor(
    message: string,
    readonly code: 404 | 409 | 503,
    readonly hint?: string
  ) {
    super(message)
    this.name = 'ServiceOpenError'
  }
}

/** A loopback port opened for a Service. */
export interface OpenedService {
  namespace: string
  name: string
  /** The Service port it forwards (the first TCP port). */
  servicePort: number
  portName?: string
  /** `http://127.0.0.1:<localPort>` (`https://` for a port named https or numbered 443). */
  url: string
  localPort: number
  /** Ready endpoints at the moment of opening (0: connections are closed until some are). */
  readyEndpoints: number
  /** True when the port was already open from an earlier request. */
  reused: boolean
}

/** A NodePort listener (for status and tests). */
export interface NodePortListener {
  nodePort: number
  service: string
  port: number
  listening: boolean
}

/** What `startKubeProxy` needs. */
export interface KubeProxyOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers; a private factory is made when absent. */
  informers?: InformerFactory
}

/** The running proxy. */
export interface KubeProxy {
  /** Resolves once the caches are filled and the node ports opened a first time. */
  readonly ready: Promise<void>
  /** Opens (or reuses) a loopback port for the Service; rejects with ServiceOpenError. */
  openService(namespace: string, name: string): Promise<OpenedService>
  nodePorts(): NodePortListener[]
  /** Closes every listener and forwarded connection. */
  stop(): Promise<void>
}

interface Target {
  service: string
  port: ServicePort
}

interface Opened {
  balancer: TcpBalancer
  port: ServicePort
}

/** `https` for a port that says it speaks TLS (the `kubernetes` Service's), else `http`. */
function schemeOf(port: ServicePort): 'http' | 'https' {
  const tls = port.appProtocol === 'https' || port.name === 'https' || port.port === 443
  return tls ? 'https' : 'http'
}

/** Starts kube-proxy; see the file comment. */
export function startKubeProxy(o: KubeProxyOptions): KubeProxy {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const services: Informer<ServiceObj> = informers.informerFor<ServiceObj>(SERVICE_TYPE)
  const slices: Informer<EndpointSliceObj> = informers.informerFor<EndpointSliceObj>(
    ENDPOINTSLICE_TYPE,
    { [BY_SERVICE]: sliceServiceKey }
  )
  const targets = new Map<number, Target>()
  const listeners = new Map<number, TcpBalancer>()
  const failing = new Set<number>()
  const warnedProtocols = new Set<string>()
  const opened = new Map<string, Opened>()
  let stopped = false
  let syncing: Promise<void> = Promise.resolve()
  let scheduled = false
  let retry: NodeJS.Timeout | undefined

  const backendsOf = (serviceKey: string, portName: string | undefined): Backend[] => {
    const svc = services.store.get(serviceKey)
    const port = svc && tcpPorts(svc).find((p) => (p.name ?? '') === (portName ?? ''))
    return port ? readyBackends(port, slices.store.byIndex(BY_SERVICE, serviceKey)) : []
  }

  /** NodePort → target of every TCP node port the Services ask for now. */
  const desired = (): Map<number, Target> => {
    const out = new Map<number, Target>()
    for (const svc of services.store.list()) {
      const type = svc.spec?.type
      if (type !== 'NodePort' && type !== 'LoadBalancer') continue
      const key = keyOf(svc)
      for (const port of svc.spec?.ports ?? []) {
        if (!port.nodePort) continue
        if ((port.protocol ?? 'TCP') !== 'TCP') {
          const id = `${key}:${port.port}/${port.protocol}`
          if (!warnedProtocols.has(id)) {
            warnedProtocols.add(id)
            o.log.warn('only TCP is proxied', {
              service: key,
              port: port.port,
              protocol: port.protocol
            })
          }
          continue
        }
        out.set(port.nodePort, { service: key, port })
      }
    }
    return out
  }

  const syncOnce = async (): Promise<void> => {
    const want = desired()
    for (const [nodePort, balancer] of listeners) {
      if (want.has(nodePort)) continue
      listeners.delete(nodePort)
      o.log.info('closing node port', { nodePort, service: targets.get(nodePort)?.service })
      await balancer.close()
    }
    targets.clear()
    failing.clear()
    for (const [nodePort, target] of want) {
      targets.set(nodePort, target)
      if (listeners.has(nodePort) || stopped) continue
      try {
        const balancer = await startTcpBalancer({
          port: nodePort,
          name: `${target.service}:${nodePort}`,
          log: o.log,
          backends: () => {
            const t = targets.get(nodePort)
            return t ? backendsOf(t.service, t.port.name) : []
          }
        })
        if (stopped) {
          await balancer.close()
          continue
        }
        listeners.set(nodePort, balancer)
        o.log.info('listening on node port', {
          address: `${LOOPBACK}:${nodePort}`,
          service: target.service,
          port: target.port.port
        })
      } catch (err) {
        failing.add(nodePort)
        o.log.warn('cannot listen on node port', {
          address: `${LOOPBACK}:${nodePort}`,
          service: target.service,
          err: (err as Error).message
        })
      }
    }
    if (failing.size > 0 && !retry && !stopped) {
      retry = setTimeout(() => {
        retry = undefined
        schedule()
      }, RETRY_MS)
      retry.unref()
    }
  }

  const schedule = (): void => {
    if (scheduled || stopped) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      syncing = syncing.then(syncOnce).catch((err: unknown) => {
        o.log.error('node port sync failed', { err })
      })
    })
  }

  // The `open` port of a Service closes with the Service.
  const closeOpened = (svc: ServiceObj): void => {
    const key = keyOf(svc)
    const entry = opened.get(key)
    if (!entry) return
    opened.delete(key)
    o.log.info('closing opened port', { service: key, localPort: entry.balancer.port })
    void entry.balancer.close()
  }
  const offs = [
    services.on('add', schedule),
    services.on('update', schedule),
    services.on('delete', (_, svc) => {
      closeOpened(svc)
      schedule()
    })
  ]
  const ready = (async () => {
    if (own) await informers.start()
    else await Promise.all([services.start(), slices.start()])
    schedule()
    await new Promise((resolve) => setImmediate(resolve))
    await syncing
    o.log.info('kube-proxy started', { nodePorts: listeners.size })
  })()

  const openService = async (namespace: string, name: string): Promise<OpenedService> => {
    await ready
    const key = `${namespace}/${name}`
    let svc = services.store.get(key)
    if (!svc) {
      try {
        // Just created: the cache may not have it yet.
        svc = await o.client.get<ServiceObj>(SERVICE_TYPE, namespace, name)
      } catch (err) {
        if (isNotFound(err)) {
          throw new ServiceOpenError(
            `service "${name}" not found in namespace "${namespace}"`,
            404,
            `See 'kubectl get services -n ${namespace}'.`
          )
        }
        throw err
      }
    }
    if (svc.spec?.type === 'ExternalName') {
      throw new ServiceOpenError(
        `service "${name}" is of type ExternalName (${svc.spec.externalName ?? ''}): it has no endpoints to open`,
        409
      )
    }
    const port = tcpPorts(svc)[0]
    if (!port) {
      throw new ServiceOpenError(`service "${name}" has no TCP port to open`, 409)
    }
    const existing = opened.get(key)
    let balancer: TcpBalancer
    let reused = false
    if (existing && (existing.port.name ?? '') === (port.name ?? '')) {
      balancer = existing.balancer
      reused = true
    } else {
      await existing?.balancer.close()
      balancer = await startTcpBalancer({
        port: 0,
        name: `${key}:${port.name || port.port}`,
        log: o.log,
        backends: () => backendsOf(key, port.name)
      })
      opened.set(key, { balancer, port })
      o.log.info('opened service', {
        service: key,
        port: port.port,
        address: `${LOOPBACK}:${balancer.port}`
      })
    }
    return {
      namespace,
      name,
      servicePort: port.port,
      ...(port.name ? { portName: port.name } : {}),
      url: `${schemeOf(port)}://${LOOPBACK}:${balancer.port}`,
      localPort: balancer.port,
      readyEndpoints: backendsOf(key, port.name).length,
      reused
    }
  }

  return {
    ready,
    openService,
    nodePorts: () =>
      [...targets].map(([nodePort, t]) => ({
        nodePort,
        service: t.service,
        port: t.port.port,
        listening: listeners.has(nodePort)
      })),
    async stop() {
      stopped = true
      if (retry) clearTimeout(retry)
      for (const off of offs) off()
      await syncing.catch(() => undefined)
      if (own) informers.stop()
      const all = [...listeners.values(), ...[...opened.values()].map((e) => e.balancer)]
      listeners.clear()
      opened.clear()
      await Promise.all(all.map((b) => b.close()))
      o.log.info('kube-proxy stopped')
    }
  }
}
