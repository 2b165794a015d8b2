/**
 * `kubedesk component fail NAME`: makes a control-plane component fail as if it had crashed, to
 * see the cluster deal with it — its mirror pod in kube-system goes not ready, the component is
 * restarted after a back-off and RESTARTS goes up (src/main/component-supervisor.ts).
 */
import { NodeActionError, requestComponentFail } from '../control-socket'
import { ControlSocketUnavailableError } from '../control-socket'
import { dataDirPaths, resolveDataDir } from '../data-dir'
import { parseChoiceFlag, parseFlags, stringFlag } from './args'
import { CliError, UsageError } from './errors'
import { write, type CliIO } from './io'
import { notRunning } from './status'

const COMMAND = 'kubedesk component'
const ACTIONS = ['fail'] as const

/** Runs `kubedesk component fail NAME` against the running instance. */
export async function runComponent(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(COMMAND, argv, {}, 2)
  const [actionRaw, name] = positionals
  if (actionRaw === undefined) {
    throw new UsageError(`component needs an action: ${ACTIONS.join(', ')}`, COMMAND)
  }
  parseChoiceFlag(COMMAND, 'the component action', actionRaw, ACTIONS)
  if (name === undefined) {
    throw new UsageError(`'kubedesk component ${actionRaw}' needs a component NAME`, COMMAND)
  }
  const dataDir = resolveDataDir(stringFlag(values, 'data-dir'), io.env)
  try {
    const message = await requestComponentFail(dataDirPaths(dataDir).socket, name)
    await write(io.stdout, message + '\n')
    return 0
  } catch (err) {
    if (err instanceof ControlSocketUnavailableError) throw notRunning(dataDir)
    if (err instanceof NodeActionError) throw new CliError(err.message)
    throw err
  }
}
