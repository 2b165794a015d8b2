/**
 * The in-process client's requests in kube-apiserver's request log: the scheduler, the
 * controllers and in-process kubelets call the API without HTTP, but a user reading the log at
 * verbosity 3 should see their requests as they would see them on a real cluster. Each call is
 * logged like an HTTPS request (http-log.ts), with the client's field manager as its user agent
 * and no source address. Off (verbosity below 3), a call costs one comparison more.
 */
import { ApiError } from './api-errors'
import type { ApiClient, ResourceType } from './client'
import { HTTP_LOG_VERBOSITY, httpLogValues } from './http-log'
import { findResourceByKind } from './registry'
import type { UserInfo } from './types'
import { logAt, type ComponentLog } from '../observe/component-log'

/** `client`, logging each call at verbosity 3 to `log`. */
export function withRequestLog(
  client: ApiClient,
  user: UserInfo,
  userAgent: string,
  log: ComponentLog | undefined
): ApiClient {
  if (!log) return client
  const run = <T>(
    verb: string,
    type: ResourceType,
    namespace: string | undefined,
    name: string | undefined,
    subresource: string | undefined,
    call: () => Promise<T>
  ): Promise<T> => {
    const verbose = logAt(log, HTTP_LOG_VERBOSITY)
    if (!verbose) return call()
    const started = performance.now()
    const done = (code: number): void => {
      const entry = findResourceByKind(type.apiVersion, type.kind)
      const plural = entry?.plural ?? type.kind.toLowerCase()
      const resource = subresource ? `${plural}/${subresource}` : plural
      const base = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : '/api/v1'
      const ns = namespace && entry?.namespaced !== false ? `/namespaces/${namespace}` : ''
      const path = `${base}${ns}/${plural}${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`
      verbose.info(
        'HTTP',
        httpLogValues({
          user: user.username,
          verb,
          resource,
          path,
          code,
          latencyMs: performance.now() - started,
          userAgent
        })
      )
    }
    return call().then(
      (result) => {
        done(verb === 'create' ? 201 : 200)
        return result
      },
      (err: unknown) => {
        done(err instanceof ApiError ? err.code : 500)
        throw err
      }
    )
  }
  const of = (obj: { apiVersion?: string; kind?: string }): ResourceType => ({
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? ''
  })
  // Spread first: a method added to ApiClient later passes through, unlogged, rather than missing.
  return {
    ...client,
    get: (type, namespace, name) =>
      run('get', type, namespace, name, undefined, () => client.get(type, namespace, name)),
    list: (type, opts) =>
      run('list', type, opts?.namespace, undefined, undefined, () => client.list(type, opts)),
    watch: (type, opts, onEvent, onEnd) =>
      run('watch', type, opts.namespace, undefined, undefined, () =>
        client.watch(type, opts, onEvent, onEnd)
      ),
    create: (obj, opts) =>
      run('create', of(obj), obj.metadata?.namespace, undefined, undefined, () =>
        client.create(obj, opts)
      ),
    update: (obj, opts) =>
      run('update', of(obj), obj.metadata?.namespace, obj.metadata?.name, undefined, () =>
        client.update(obj, opts)
      ),
    updateStatus: (obj, opts) =>
      run('update', of(obj), obj.metadata?.namespace, obj.metadata?.name, 'status', () =>
        client.updateStatus(obj, opts)
      ),
    patch: (type, namespace, name, patchType, patch, opts) =>
      run('patch', type, namespace, name, opts?.subresource, () =>
        client.patch(type, namespace, name, patchType, patch, opts)
      ),
    delete: (type, namespace, name, opts) =>
      run('delete', type, namespace, name, undefined, () =>
        client.delete(type, namespace, name, opts)
      ),
    finalizeNamespace: (namespace, opts) =>
      run(
        'update',
        { apiVersion: 'v1', kind: 'Namespace' },
        undefined,
        namespace.metadata?.name,
        'finalize',
        () => client.finalizeNamespace(namespace, opts)
      ),
    bind: (namespace, podName, nodeName) =>
      run('create', { apiVersion: 'v1', kind: 'Pod' }, namespace, podName, 'binding', () =>
        client.bind(namespace, podName, nodeName)
      ),
    evict: (namespace, podName, opts) =>
      run('create', { apiVersion: 'v1', kind: 'Pod' }, namespace, podName, 'eviction', () =>
        client.evict(namespace, podName, opts)
      )
  }
}
