/**
 * `kubectl drain NAME --ignore-daemonsets --delete-emptydir-data`: cordons the node, then asks
 * the API to evict every pod bound to it (pods/eviction, so PodDisruptionBudgets are honoured),
 * leaving DaemonSet pods (their controller would put them straight back) and mirror pods (the
 * kubelet owns them) alone.
 */
import type { ApiClient } from '../../../apiserver/client'
import type { KubeObject } from '../../../apiserver/types'
import type { ActionResult } from '../../../../shared/desktop-api'
import { errorMessage } from '../../../../shared/desktop-wire'
import { POD_TYPE } from '../resource-types'
import { setUnschedulable } from './cordon'

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror'

/** Why drain leaves a pod alone, or undefined when it evicts it. */
export function drainSkipReason(pod: KubeObject): 'DaemonSet' | 'mirror' | undefined {
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return 'mirror'
  const owners = (pod.metadata?.ownerReferences ?? []) as { kind?: string; controller?: boolean }[]
  if (owners.some((o) => o.controller && o.kind === 'DaemonSet')) return 'DaemonSet'
  return undefined
}

/** Cordons `name` and evicts its pods; the message says how many were evicted. */
export async function drainNode(client: ApiClient, name: string): Promise<ActionResult> {
  await setUnschedulable(client, name, true)
  const pods = await client.list(POD_TYPE, { fieldSelector: `spec.nodeName=${name}` })
  let evicted = 0
  let ignored = 0
  const failures: string[] = []
  await Promise.all(
    pods.items.map(async (pod) => {
      if (drainSkipReason(pod)) {
        ignored++
        return
      }
      if (pod.metadata?.deletionTimestamp) return
      const ns = pod.metadata?.namespace ?? 'default'
      try {
        await client.evict(ns, pod.metadata?.name ?? '')
        evicted++
      } catch (err) {
        failures.push(`${ns}/${pod.metadata?.name}: ${errorMessage(err)}`)
      }
    })
  )
  const parts = [`evicted ${evicted} pod${evicted === 1 ? '' : 's'}`]
  if (ignored > 0)
    parts.push(`ignored ${ignored} DaemonSet or mirror pod${ignored === 1 ? '' : 's'}`)
  if (failures.length > 0) {
    throw new Error(
      `node/${name} cordoned, ${parts.join(', ')}; could not evict ${failures.length}: ` +
        failures.join('; ')
    )
  }
  return { message: `node/${name} drained: ${parts.join(', ')}` }
}
