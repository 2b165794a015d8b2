/**
 * `kubectl cordon|uncordon NAME`: a node's spec.unschedulable, so the scheduler places no new
 * pods there (drain cordons first).
 */
import { ApiError } from '../../../apiserver/api-errors'
import type { ApiClient } from '../../../apiserver/client'
import type { ActionResult } from '../../../../shared/desktop-api'
import { NODE_TYPE } from '../resource-types'

/** `kubectl cordon|uncordon NAME`: spec.unschedulable. */
export async function setUnschedulable(
  client: ApiClient,
  name: string,
  unschedulable: boolean
): Promise<ActionResult> {
  const node = await getNode(client, name)
  const verb = unschedulable ? 'cordoned' : 'uncordoned'
  if (
    Boolean((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable) === unschedulable
  ) {
    return { message: `node/${name} already ${verb}` }
  }
  await client.patch(NODE_TYPE, undefined, name, 'merge', {
    spec: { unschedulable: unschedulable ? true : null }
  })
  return { message: `node/${name} ${verb}` }
}

/** The Node, or a readable "no such node". */
export async function getNode(client: ApiClient, name: string) {
  try {
    return await client.get(NODE_TYPE, undefined, name)
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) {
      throw new Error(`no node named ${name} in this cluster`)
    }
    throw err
  }
}
