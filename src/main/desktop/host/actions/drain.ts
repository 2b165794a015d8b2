/**
 * `kubectl drain NAME [--ignore-daemonsets] [--delete-emptydir-data] [--force]`: cordons the
 * node, decides pod by pod as kubectl does (drain-filters.ts), and when no pod blocks, asks the
 * API to evict every pod to delete (pods/eviction, so PodDisruptionBudgets are honoured). When
 * some pods block, nothing is evicted, the node stays cordoned (as with kubectl) and the error
 * names the blocking pods and the option that lets them go.
 */
import { ApiError } from '../../../apiserver/api-errors'
import type { ApiClient } from '../../../apiserver/client'
import type { KubeObject } from '../../../apiserver/types'
import type { ActionResult, DrainOptions } from '../../../../shared/desktop-api'
import { errorMessage } from '../../../../shared/desktop-wire'
import { DAEMONSET_TYPE } from '../../../controllers/daemonset/sync-context'
import { POD_TYPE } from '../resource-types'
import { setUnschedulable } from './cordon'
import { daemonSetOf, drainPodStatus, groupByMessage } from './drain-filters'

/** Checks the drain flags the UI sends (each an optional boolean, kubectl's default false). */
export function drainOptions(input: DrainOptions): DrainOptions {
  const opts: DrainOptions = {}
  for (const key of ['ignoreDaemonSets', 'deleteEmptyDirData', 'force'] as const) {
    // From the wire: anything may come.
    const value: unknown = input[key]
    if (value === undefined) continue
    if (typeof value !== 'boolean') {
      throw new Error(`drain option ${key} must be true or false, not ${JSON.stringify(value)}`)
    }
    opts[key] = value
  }
  return opts
}

/** Cordons `name` and evicts its pods; the message says how many were evicted and why not more. */
export async function drainNode(
  client: ApiClient,
  name: string,
  opts: DrainOptions = {}
): Promise<ActionResult> {
  await setUnschedulable(client, name, true)
  const pods = await client.list(POD_TYPE, { fieldSelector: `spec.nodeName=${name}` })
  // Pods already terminating are on their way out; drain neither waits for them nor counts them.
  const live = pods.items.filter((pod) => !pod.metadata?.deletionTimestamp)
  const existing = await existingDaemonSets(client, live)
  const decided = live.map((pod) => ({
    pod,
    status: drainPodStatus(pod, opts, (ns, ds) => existing.has(`${ns}/${ds}`))
  }))
  const blocking = groupByMessage(decided, 'error')
  if (blocking.length > 0) {
    throw new Error(`node/${name} cordoned, but not drained: ${blocking.join('; ')}`)
  }

  const toDelete = decided.filter(({ status }) => status.delete)
  let evicted = 0
  const failures: string[] = []
  await Promise.all(
    toDelete.map(async ({ pod }) => {
      const ns = pod.metadata?.namespace ?? 'default'
      try {
        await client.evict(ns, pod.metadata?.name ?? '')
        evicted++
      } catch (err) {
        // Gone meanwhile (its controller or the garbage collector was quicker): drained.
        if (err instanceof ApiError && err.code === 404) return void evicted++
        failures.push(`${ns}/${pod.metadata?.name}: ${errorMessage(err)}`)
      }
    })
  )
  const parts = [`evicted ${evicted} pod${evicted === 1 ? '' : 's'}`]
  // What is neither evicted nor blocking is left running on purpose: DaemonSet and mirror pods.
  const ignored = decided.length - toDelete.length
  if (ignored > 0) {
    parts.push(`ignored ${ignored} DaemonSet or mirror pod${ignored === 1 ? '' : 's'}`)
  }
  const deleted = groupByMessage(toDelete, 'warning')
  const warnings = deleted.length > 0 ? ` (${deleted.join('; ')})` : ''
  if (failures.length > 0) {
    throw new Error(
      `node/${name} cordoned, ${parts.join(', ')}${warnings}; could not evict ` +
        `${failures.length}: ${failures.join('; ')}`
    )
  }
  return { message: `node/${name} drained: ${parts.join(', ')}${warnings}` }
}

/** "namespace/name" of the DaemonSets the pods' controller references name that exist. */
async function existingDaemonSets(client: ApiClient, pods: KubeObject[]): Promise<Set<string>> {
  const wanted = new Set<string>()
  for (const pod of pods) {
    const ds = daemonSetOf(pod)
    if (ds !== undefined) wanted.add(`${pod.metadata?.namespace ?? 'default'}/${ds}`)
  }
  const existing = new Set<string>()
  await Promise.all(
    [...wanted].map(async (key) => {
      const [ns, ds] = key.split('/')
      try {
        await client.get(DAEMONSET_TYPE, ns, ds)
        existing.add(key)
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err
      }
    })
  )
  return existing
}
