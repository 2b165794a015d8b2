/**
 * The client other components use: the same verbs as the HTTP API, addressed by apiVersion and
 * kind. The in-process implementation calls the very handlers HTTPS requests reach (admission,
 * validation, storage, watch), so a controller's write is checked exactly like kubectl's.
 * Failures are ApiErrors with the code and reason an HTTP client would see.
 */
import { ApiError } from './api-errors'
import { findResourceByKind, RESOURCES, type RegistryEntry } from './registry'
import type { RestContext, Target } from './rest/context'
import { createObject } from './rest/create'
import { deleteObject, type DeleteOptions } from './rest/delete'
import { patchObjectAt, type PatchType } from './rest/patch'
import { getObject, listObjects, type ListOptions } from './rest/read'
import { bindPod, evictPod } from './rest/subresources'
import { updateObject } from './rest/update'
import { watchObjects, type WatchEventOut, type WatchHandle, type WatchOptions } from './rest/watch'
import type { KubeList, KubeObject, ResourceInfo, UserInfo } from './types'

export type { WatchEventOut, WatchHandle } from './rest/watch'

/** Which resource: `{ apiVersion: 'apps/v1', kind: 'Deployment' }`. */
export interface ResourceType {
  apiVersion: string
  kind: string
}

/** Options of writes made through the client. */
export interface ClientWriteOptions {
  dryRun?: boolean
  /** Defaults to the client's own field manager. */
  fieldManager?: string
}

/** The API as components see it. */
export interface ApiClient {
  /** Every resource the server serves. */
  readonly resources: readonly ResourceInfo[]
  get<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string
  ): Promise<T>
  list<T extends KubeObject = KubeObject>(
    type: ResourceType,
    opts?: ListOptions & { namespace?: string }
  ): Promise<KubeList<T>>
  /**
   * Streams events to `onEvent` until `stop()`, a timeout (`onEnd()`) or an error (an ERROR event,
   * then `onEnd(err)`). Rejects with 410 Expired when `resourceVersion` is too old. Event objects
   * are shared with every other watcher of the change: read them, copy before changing them.
   */
  watch(
    type: ResourceType,
    opts: WatchOptions & { namespace?: string },
    onEvent: (event: WatchEventOut) => void,
    onEnd?: (err?: ApiError) => void
  ): Promise<WatchHandle>
  create<T extends KubeObject = KubeObject>(obj: T, opts?: ClientWriteOptions): Promise<T>
  update<T extends KubeObject = KubeObject>(obj: T, opts?: ClientWriteOptions): Promise<T>
  updateStatus<T extends KubeObject = KubeObject>(obj: T, opts?: ClientWriteOptions): Promise<T>
  patch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    opts?: ClientWriteOptions & { subresource?: 'status'; force?: boolean }
  ): Promise<T>
  /** Answers the object: gone, or still there with deletionTimestamp (finalizers, grace). */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    opts?: DeleteOptions
  ): Promise<KubeObject>
  /** namespaces/finalize: sets spec.finalizers (the namespace controller's last step). */
  finalizeNamespace(namespace: KubeObject, opts?: ClientWriteOptions): Promise<KubeObject>
  /** pods/binding: assigns a pending pod to a node (409 when already bound). */
  bind(namespace: string, podName: string, nodeName: string): Promise<void>
  /** pods/eviction. */
  evict(namespace: string, podName: string, opts?: DeleteOptions): Promise<void>
}

function entryOf(type: ResourceType): RegistryEntry {
  const entry = findResourceByKind(type.apiVersion, type.kind)
  if (!entry) {
    throw new ApiError(
      404,
      'NotFound',
      `the server could not find the requested resource (${type.kind} ${type.apiVersion})`
    )
  }
  return entry
}

const POD_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Pod' }
const NAMESPACE_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Namespace' }

/**
 * A client acting as `user`; writes record `fieldManager` in managedFields (e.g.
 * `kube-controller-manager`).
 */
export function createInProcessClient(
  ctx: RestContext,
  user: UserInfo,
  fieldManager: string
): ApiClient {
  const target = (type: ResourceType, namespace: string | undefined, name?: string): Target => {
    const entry = entryOf(type)
    return { entry, namespace: entry.namespaced ? namespace : undefined, name, user }
  }
  const writeOpts = (opts?: ClientWriteOptions) => ({
    dryRun: opts?.dryRun,
    fieldManager: opts?.fieldManager ?? fieldManager
  })
  const ofObject = (obj: KubeObject): Target =>
    target(obj, obj.metadata?.namespace, obj.metadata?.name)

  return {
    resources: RESOURCES,
    async get<T extends KubeObject>(
      type: ResourceType,
      namespace: string | undefined,
      name: string
    ) {
      return (await getObject(ctx, target(type, namespace, name))) as T
    },
    async list<T extends KubeObject>(
      type: ResourceType,
      opts: ListOptions & { namespace?: string } = {}
    ) {
      return (await listObjects(ctx, target(type, opts.namespace), opts)) as KubeList<T>
    },
    async watch(type, opts, onEvent, onEnd) {
      let failure: ApiError | undefined
      return watchObjects(ctx, target(type, opts.namespace), opts, {
        send: (event) => {
          if (event.type === 'ERROR') {
            const s = event.object as { code?: number; reason?: string; message?: string }
            failure = new ApiError(
              s.code ?? 500,
              (s.reason ?? 'InternalError') as never,
              s.message ?? 'watch failed'
            )
          }
          onEvent(event)
        },
        end: () => onEnd?.(failure)
      })
    },
    async create<T extends KubeObject>(obj: T, opts?: ClientWriteOptions) {
      return (await createObject(ctx, ofObject(obj), obj, writeOpts(opts))).object as T
    },
    async update<T extends KubeObject>(obj: T, opts?: ClientWriteOptions) {
      return (await updateObject(ctx, ofObject(obj), obj, writeOpts(opts), 'main')).object as T
    },
    async updateStatus<T extends KubeObject>(obj: T, opts?: ClientWriteOptions) {
      const t = ofObject(obj)
      if (!(t.entry.subresources as string[]).includes('status')) {
        throw new ApiError(404, 'NotFound', `${t.entry.plural} have no status subresource`)
      }
      return (await updateObject(ctx, t, obj, writeOpts(opts), 'status')).object as T
    },
    async patch<T extends KubeObject>(
      type: ResourceType,
      namespace: string | undefined,
      name: string,
      patchType: PatchType,
      patch: unknown,
      opts?: ClientWriteOptions & { subresource?: 'status'; force?: boolean }
    ) {
      const result = await patchObjectAt(
        ctx,
        target(type, namespace, name),
        patchType,
        patch,
        { ...writeOpts(opts), force: opts?.force },
        opts?.subresource === 'status' ? 'status' : 'main'
      )
      return result.object as T
    },
    async delete(type, namespace, name, opts = {}) {
      return (await deleteObject(ctx, target(type, namespace, name), opts)).object
    },
    async finalizeNamespace(namespace, opts) {
      const t = target(NAMESPACE_TYPE, undefined, namespace.metadata?.name)
      return (await updateObject(ctx, t, namespace, writeOpts(opts), 'finalize')).object
    },
    async bind(namespace, podName, nodeName) {
      await bindPod(
        ctx,
        target(POD_TYPE, namespace, podName),
        { metadata: { name: podName }, target: { kind: 'Node', name: nodeName } },
        writeOpts()
      )
    },
    async evict(namespace, podName, opts = {}) {
      await evictPod(
        ctx,
        target(POD_TYPE, namespace, podName),
        { deleteOptions: opts },
        !!opts.dryRun
      )
    }
  }
}
