/**
 * The service account controller (kube-controller-manager's `pkg/controller/serviceaccount`):
 * every active namespace has a `default` ServiceAccount — created when the namespace appears
 * (the built-in ones included, at start) and again whenever it is deleted. Terminating
 * namespaces get none: they refuse new content.
 */
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1'
import { ApiError } from '../apiserver/api-errors'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentLog } from '../observe/component-log'
import { createEventRecorder } from '../observe/event-recorder'
import { type Informer } from './shared/informer'
import { createInformerFactory, type InformerFactory } from './shared/informer-factory'
import { isNamespaceTerminating } from './shared/namespace-terminating'
import { startController, type RunningController } from './shared/run-workers'
import { createWorkQueue } from './shared/work-queue'

type NamespaceObj = Namespace & KubeObject
type ServiceAccountObj = ServiceAccount & KubeObject

/** The resource types the controller reads and writes. */
export const SERVICEACCOUNT_TYPE = { apiVersion: 'v1', kind: 'ServiceAccount' }
export const NAMESPACE_TYPE = { apiVersion: 'v1', kind: 'Namespace' }

/** The accounts every namespace gets (Kubernetes' `DefaultServiceAccountsControllerOptions`). */
export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = ['default']

/** Options of the controller. */
export interface ServiceAccountControllerOptions {
  client: ApiClient
  log: ComponentLog
  /** Shared informers (the controller manager's); a private factory is made when absent. */
  informers?: InformerFactory
  /** Concurrent syncs (default 1, as `--concurrent-serviceaccount-syncs`). */
  workers?: number
}

/** Starts the controller: informers (if not shared), handlers, workers. */
export function startServiceAccountController(
  o: ServiceAccountControllerOptions
): RunningController {
  const own = !o.informers
  const informers = o.informers ?? createInformerFactory(o.client, { log: o.log })
  const namespaces = informers.informerFor<NamespaceObj>(NAMESPACE_TYPE)
  const accounts = informers.informerFor<ServiceAccountObj>(SERVICEACCOUNT_TYPE)
  const queue = createWorkQueue()
  const recorder = createEventRecorder(o.client, 'serviceaccount-controller', o.log)
  const offs = [
    // The informer's first list delivers every namespace as an add: the built-in ones too.
    namespaces.on('add', (_, ns) => queue.add(ns.metadata.name!)),
    namespaces.on('update', (_, ns) => queue.add(ns.metadata.name!)),
    accounts.on('delete', (_, sa) => {
      if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata.name ?? '')) {
        queue.add(sa.metadata.namespace ?? '')
      }
    })
  ]
  return startController({
    kind: 'ServiceAccount',
    informers,
    ownInformers: own,
    queue,
    recorder,
    handlers: offs,
    workers: o.workers ?? 1,
    sync: (name) => syncNamespace(o, namespaces, accounts, name),
    log: o.log
  })
}

/** Creates the namespace's missing default accounts. */
async function syncNamespace(
  o: ServiceAccountControllerOptions,
  namespaces: Informer<NamespaceObj>,
  accounts: Informer<ServiceAccountObj>,
  name: string
): Promise<void> {
  const ns = namespaces.store.get(name)
  if (!ns || ns.metadata.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return
  for (const account of DEFAULT_SERVICE_ACCOUNTS) {
    if (accounts.store.get(`${name}/${account}`)) continue
    try {
      await o.client.create<ServiceAccountObj>({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: account, namespace: name }
      })
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'AlreadyExists') continue
      if (isNamespaceTerminating(err)) return
      throw err
    }
  }
}
