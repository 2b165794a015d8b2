/**
 * The desktop host's write side: node actions, workload actions, YAML apply and the Deploy
 * form, for desktop-host.ts to assemble into the DesktopHostApi.
 */
import type { DesktopCalls } from '../../../../shared/desktop-api'
import { clientOf, type HostContext } from '../host-context'
import { applyYaml } from './apply-yaml'
import { deploy } from './deploy'
import { nodeAction } from './node-actions'
import { workloadAction } from './workload-actions'

/** The action calls of the desktop API, bound to `ctx`. */
export function createActions(
  ctx: HostContext
): Pick<DesktopCalls, 'nodeAction' | 'workloadAction' | 'applyYaml' | 'deploy'> {
  return {
    nodeAction: async (input) => nodeAction(ctx, input),
    workloadAction: async (input) => workloadAction(clientOf(ctx), input),
    applyYaml: async (input) => applyYaml(clientOf(ctx), input?.yaml, input?.dryRun === true),
    deploy: async (input) => deploy(clientOf(ctx), input)
  }
}
