/**
 * The Nodes view's node buttons: add (a worker with the next free kind-style name and the size
 * asked for), stop, start, rm and fail go to the node provider (ControlPlane.nodeAction);
 * cordon, uncordon and drain are API writes, as kubectl makes them.
 */
import { parseQuantity } from '../../../apiserver/admission/shape'
import { workerName } from '../../../nodes/types'
import type { ActionResult, NodeActionInput } from '../../../../shared/desktop-api'
import { clientOf, type HostContext } from '../host-context'
import { NODE_TYPE } from '../resource-types'
import { setUnschedulable } from './cordon'
import { drainNode, drainOptions } from './drain'

/** The smallest node memory `kubedesk node add` accepts. */
const MIN_NODE_MEMORY = 64 * 1024 ** 2
const MAX_NODE_CPU = 1024

/** Runs one node action; rejects with a readable message. */
export async function nodeAction(ctx: HostContext, input: NodeActionInput): Promise<ActionResult> {
  // While the cluster starts, every action answers the start-up's own readable error.
  clientOf(ctx)
  switch (input?.action) {
    case 'add':
      return addNode(ctx, input.cpu, input.memory)
    case 'stop':
    case 'start':
    case 'rm':
    case 'fail':
      return ctx.controlPlane.nodeAction({ action: input.action, name: nodeName(input.name) })
    case 'cordon':
    case 'uncordon':
      return setUnschedulable(clientOf(ctx), nodeName(input.name), input.action === 'cordon')
    case 'drain':
      return drainNode(clientOf(ctx), nodeName(input.name), drainOptions(input))
    default:
      throw new Error(
        `unknown node action ${JSON.stringify((input as { action?: unknown })?.action)}: ` +
          'add, stop, start, rm, cordon, uncordon, drain or fail'
      )
  }
}

function nodeName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new Error('a node action needs a node name')
  return name
}

async function addNode(ctx: HostContext, cpu: unknown, memory: unknown): Promise<ActionResult> {
  if (cpu !== undefined && (typeof cpu !== 'number' || !(cpu > 0) || cpu > MAX_NODE_CPU)) {
    throw new Error(`CPU must be a number of cores above 0 (e.g. 2 or 0.5), not ${String(cpu)}`)
  }
  let memoryBytes: number | undefined
  if (memory !== undefined && memory !== '') {
    memoryBytes = parseQuantity(memory)
    if (typeof memory !== 'string' || memoryBytes === undefined) {
      throw new Error(`Memory must be a size such as 512Mi or 4Gi, not ${JSON.stringify(memory)}`)
    }
    if (memoryBytes < MIN_NODE_MEMORY) {
      throw new Error(`Memory must be at least 64Mi, not ${memory}`)
    }
  }
  const taken = new Set((await ctx.controlPlane.status()).nodes?.map((n) => n.name) ?? [])
  for (const n of (await clientOf(ctx).list(NODE_TYPE)).items) {
    if (n.metadata?.name) taken.add(n.metadata.name)
  }
  let index = 0
  while (taken.has(workerName(index))) index++
  return ctx.controlPlane.nodeAction({
    action: 'add',
    name: workerName(index),
    cpu: cpu as number | undefined,
    memoryBytes: memoryBytes === undefined ? undefined : Math.round(memoryBytes)
  })
}
