/**
 * Built-in state every cluster starts with: the namespaces `default`, `kube-system`,
 * `kube-public` and `kube-node-lease`. Created through the normal create path on start when
 * missing, so a restarted server leaves existing ones (and their labels) as they are.
 */
import { ApiError } from './api-errors'
import { findResource, type RegistryEntry } from './registry'
import type { RestContext } from './rest/context'
import { createObject } from './rest/create'

/** The namespaces kube-apiserver creates itself. */
export const SYSTEM_NAMESPACES: readonly string[] = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease'
]

/** The user the API server acts as for its own writes. */
export const APISERVER_USER = { username: 'system:apiserver', groups: ['system:masters'] }

/** Creates the built-in namespaces that do not exist yet. */
export async function bootstrapNamespaces(ctx: RestContext): Promise<void> {
  const entry = findResource('', 'v1', 'namespaces') as RegistryEntry
  for (const name of SYSTEM_NAMESPACES) {
    if (await ctx.storage.find(entry, undefined, name)) continue
    try {
      await createObject(
        ctx,
        { entry, name, user: APISERVER_USER },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { fieldManager: 'kube-apiserver' }
      )
    } catch (err) {
      // Another writer (a second server on the same store) created it first: fine.
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err
    }
  }
}
