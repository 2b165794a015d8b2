/**
 * `kubedesk node add|stop|start|rm|fail NAME`: worker node management on a running instance,
 * through its control socket. `add` takes the node's size (`--cpu 2 --memory 4Gi`), so nodes can
 * differ as real ones do.
 */
import { NodeActionError, requestNodeAction, type NodeActionRequest } from '../control-socket'
import { ControlSocketUnavailableError } from '../control-socket'
import { dataDirPaths, resolveDataDir } from '../data-dir'
import { parseQuantity } from '../apiserver/admission/shape'
import { parseChoiceFlag, parseFlags, parseNameArg, stringFlag } from './args'
import { CliError, UsageError } from './errors'
import { write, type CliIO } from './io'
import { notRunning } from './status'

const COMMAND = 'kubedesk node'

/** The node actions, as typed on the command line. */
export const NODE_ACTIONS = ['add', 'stop', 'start', 'rm', 'fail'] as const

/** One node action. */
export type NodeAction = (typeof NODE_ACTIONS)[number]

/** Checks `node`'s arguments: the action, a valid node name and (add) the size flags. */
export function parseNodeArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = {}
): NodeActionRequest & { dataDir: string } {
  const { values, positionals } = parseFlags(
    COMMAND,
    argv,
    { cpu: { type: 'string' }, memory: { type: 'string' } },
    2
  )
  const [actionRaw, nameRaw] = positionals
  if (actionRaw === undefined) {
    throw new UsageError(`node needs an action: ${NODE_ACTIONS.join(', ')}`, COMMAND)
  }
  const action = parseChoiceFlag(COMMAND, 'the node action', actionRaw, NODE_ACTIONS)
  if (nameRaw === undefined) {
    throw new UsageError(`'kubedesk node ${action}' needs a node NAME`, COMMAND)
  }
  const name = parseNameArg(COMMAND, 'the node NAME', nameRaw)
  const cpuRaw = stringFlag(values, 'cpu')
  const memoryRaw = stringFlag(values, 'memory')
  if (action !== 'add' && (cpuRaw !== undefined || memoryRaw !== undefined)) {
    throw new UsageError(`--cpu and --memory only apply to 'kubedesk node add'`, COMMAND)
  }
  const dataDir = resolveDataDir(stringFlag(values, 'data-dir'), env)
  return {
    dataDir,
    action,
    name,
    cpu: cpuRaw === undefined ? undefined : parseCpu(cpuRaw),
    memoryBytes: memoryRaw === undefined ? undefined : parseMemory(memoryRaw)
  }
}

function parseCpu(raw: string): number {
  const cpu = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || !(cpu > 0) || cpu > 1024) {
    throw new UsageError(
      `--cpu must be a number of cores above 0 (e.g. 2 or 0.5), not '${raw}'`,
      COMMAND
    )
  }
  return cpu
}

function parseMemory(raw: string): number {
  const bytes = parseQuantity(raw)
  if (bytes === undefined || bytes < 64 * 1024 ** 2) {
    throw new UsageError(
      `--memory must be a size of at least 64Mi (e.g. 512Mi, 4Gi, 2G), not '${raw}'`,
      COMMAND
    )
  }
  return bytes
}

/** Runs `kubedesk node …` against the running instance; prints what was done. */
export async function runNode(argv: string[], io: CliIO): Promise<number> {
  const { dataDir, ...request } = parseNodeArgs(argv, io.env)
  try {
    const { message } = await requestNodeAction(dataDirPaths(dataDir).socket, request)
    await write(io.stdout, message + '\n')
    return 0
  } catch (err) {
    if (err instanceof ControlSocketUnavailableError) throw notRunning(dataDir)
    if (err instanceof NodeActionError) throw new CliError(err.message, err.hint)
    throw err
  }
}
