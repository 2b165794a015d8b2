/**
 * `kubedesk node add|stop|start|rm NAME`: worker node management. Node providers (docker,
 * process, simulated) are not part of this build, so after checking its arguments each action
 * reports plainly that it cannot act, with exit status 1 — it never pretends to have done it.
 */
import { parseChoiceFlag, parseFlags, parseNameArg } from './args'
import { CliError, UsageError } from './errors'
import type { CliIO } from './io'

const COMMAND = 'kubedesk node'

/** The node actions, as typed on the command line. */
export const NODE_ACTIONS = ['add', 'stop', 'start', 'rm'] as const

/** One node action. */
export type NodeAction = (typeof NODE_ACTIONS)[number]

const VERB: Record<NodeAction, string> = {
  add: 'add',
  stop: 'stop',
  start: 'start',
  rm: 'remove'
}

/** Checks `node`'s arguments: the action and a valid node name. */
export function parseNodeArgs(argv: string[]): { action: NodeAction; name: string } {
  const { positionals } = parseFlags(COMMAND, argv, {}, 2)
  const [actionRaw, nameRaw] = positionals
  if (actionRaw === undefined) {
    throw new UsageError(`node needs an action: ${NODE_ACTIONS.join(', ')}`, COMMAND)
  }
  const action = parseChoiceFlag(COMMAND, 'the node action', actionRaw, NODE_ACTIONS)
  if (nameRaw === undefined) {
    throw new UsageError(`'kubedesk node ${action}' needs a node NAME`, COMMAND)
  }
  return { action, name: parseNameArg(COMMAND, 'the node NAME', nameRaw) }
}

/** Runs `kubedesk node …`: validates, then fails honestly (providers are not in this build). */
export async function runNode(argv: string[], _io: CliIO): Promise<number> {
  const { action, name } = parseNodeArgs(argv)
  throw new CliError(
    `cannot ${VERB[action]} node '${name}': node providers (docker, process, simulated) are ` +
      'not part of this build yet, so KubeDesk runs no worker nodes',
    "Nothing was changed. 'kubedesk status' shows what this build runs."
  )
}
