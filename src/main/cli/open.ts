/**
 * `kubedesk open svc/NAME [-n NS]`: asks the running instance (through its control socket) to
 * open a loopback port that balances over the Service's ready endpoints, prints its URL and
 * exits; the port stays open while KubeDesk runs (and closes when the Service is deleted).
 */
import { ControlSocketUnavailableError } from '../control-socket'
import { dataDirPaths, resolveDataDir } from '../data-dir'
import { ServiceOpenError } from '../proxy/kube-proxy'
import { requestOpenService } from '../proxy/open-control'
import { parseFlags, parseNameArg, stringFlag } from './args'
import { CliError, UsageError } from './errors'
import { write, type CliIO } from './io'
import { notRunning } from './status'

const COMMAND = 'kubedesk open'
const SERVICE_PREFIXES = ['svc/', 'service/', 'services/']

/** What `open` was asked for. */
export interface OpenArgs {
  dataDir: string
  namespace: string
  name: string
}

/** Checks `open`'s arguments: `svc/NAME` and an optional namespace. */
export function parseOpenArgs(argv: string[], env: NodeJS.ProcessEnv = {}): OpenArgs {
  const { values, positionals } = parseFlags(
    COMMAND,
    argv,
    { namespace: { type: 'string', short: 'n' } },
    1
  )
  const target = positionals[0]
  if (target === undefined) throw new UsageError('open needs a service: svc/NAME', COMMAND)
  const prefix = SERVICE_PREFIXES.find((p) => target.startsWith(p))
  if (!prefix) {
    throw new UsageError(`open takes a service as svc/NAME (got '${target}')`, COMMAND)
  }
  const name = parseNameArg(COMMAND, 'the service NAME', target.slice(prefix.length))
  const namespace = parseNameArg(
    COMMAND,
    'the namespace',
    stringFlag(values, 'namespace') ?? 'default'
  )
  return { dataDir: resolveDataDir(stringFlag(values, 'data-dir'), env), namespace, name }
}

/** Runs `kubedesk open`: the URL on stdout, what it forwards (and any warning) on stderr. */
export async function runOpen(argv: string[], io: CliIO): Promise<number> {
  const { dataDir, namespace, name } = parseOpenArgs(argv, io.env)
  let opened
  try {
    opened = await requestOpenService(dataDirPaths(dataDir).socket, namespace, name)
  } catch (err) {
    if (err instanceof ControlSocketUnavailableError) throw notRunning(dataDir)
    if (err instanceof ServiceOpenError) throw new CliError(err.message, err.hint)
    throw err
  }
  const port = opened.portName
    ? `${opened.servicePort} (${opened.portName})`
    : `${opened.servicePort}`
  const endpoints = opened.readyEndpoints
  await write(
    io.stderr,
    `${opened.reused ? 'Already forwarding' : 'Forwarding'} service ${namespace}/${name} port ${port} ` +
      `from ${opened.url}` +
      (endpoints > 0
        ? ` to ${endpoints} ready endpoint${endpoints === 1 ? '' : 's'}\n`
        : `\nWarning: service ${namespace}/${name} has no ready endpoints yet; connections are ` +
          `closed until one of its pods is ready (see 'kubectl get endpointslices -n ${namespace} ` +
          `-l kubernetes.io/service-name=${name}').\n`)
  )
  await write(io.stdout, opened.url + '\n')
  return 0
}
