/**
 * `kubedesk status`: asks the instance behind a data directory's control socket how it is
 * doing, and prints a readable block (or, with `--output json`, the ClusterStatus object).
 */
import { formatBytes } from '../../shared/quantity'
import type { ClusterStatus } from '../../shared/status'
import { ControlSocketUnavailableError, requestStatus } from '../control-socket'
import { dataDirPaths, resolveDataDir, runningInstancePid } from '../data-dir'
import { parseChoiceFlag, parseFlags, stringFlag } from './args'
import { CliError } from './errors'
import { write, type CliIO } from './io'

const COMMAND = 'kubedesk status'

/** Runs `kubedesk status`: 0 when an instance answered, 1 when none runs. */
export async function runStatus(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(COMMAND, argv, {
    output: { type: 'string', short: 'o' }
  })
  const output = parseChoiceFlag(COMMAND, '--output', stringFlag(values, 'output') ?? 'text', [
    'text',
    'json'
  ])
  const dir = resolveDataDir(stringFlag(values, 'data-dir'), io.env)
  const status = await fetchStatus(dir)
  await write(
    io.stdout,
    output === 'json' ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status)
  )
  return 0
}

/**
 * The status of the instance for `dir`; a CliError saying "no KubeDesk is running" when the
 * socket is silent and no live process holds the lock.
 */
export async function fetchStatus(dir: string): Promise<ClusterStatus> {
  const { socket } = dataDirPaths(dir)
  try {
    return await requestStatus(socket)
  } catch (err) {
    if (!(err instanceof ControlSocketUnavailableError)) throw err
    const pid = runningInstancePid(dir)
    if (pid === undefined) throw notRunning(dir)
    throw new CliError(
      `KubeDesk (pid ${pid}) holds ${dir} but does not answer on ${socket}`,
      'It may still be starting or stopping; try again in a moment.'
    )
  }
}

/** The "nothing runs there" failure shared by status and friends. */
export function notRunning(dir: string): CliError {
  return new CliError(
    `no KubeDesk is running for ${dir}`,
    `Start one with 'kubedesk up --data-dir ${dir}'.`
  )
}

/** The readable block `kubedesk status` prints. */
export function formatStatus(status: ClusterStatus, now: Date = new Date()): string {
  const started = new Date(status.startedAt)
  const s = status.store
  const compaction =
    s.compactRevision > 0 ? `, history kept from revision ${s.compactRevision}` : ''
  const store =
    s.backend === 'memory'
      ? `memory, revision ${s.revision} (nothing is kept after stop)`
      : `${s.backend} at ${s.location ?? '?'}, revision ${s.revision}${compaction}`
  const width = Math.max(...status.components.map((c) => c.name.length), 4)
  const components = status.components.map((c) =>
    `    ${c.name.padEnd(width)}  ${c.state.padEnd(8)}  ${c.message ?? ''}`.trimEnd()
  )
  return [
    `KubeDesk ${status.version} is running`,
    `  pid:         ${status.pid}`,
    `  data dir:    ${status.dataDir}`,
    `  uptime:      ${formatDuration(now.getTime() - started.getTime())} (since ${status.startedAt})`,
    `  store:       ${store}`,
    `  components:`,
    ...components,
    `  api server:  ${status.apiServerUrl ?? 'not serving'}`,
    ...(status.apiServerUrl ? [`  kubeconfig:  ${dataDirPaths(status.dataDir).kubeconfig}`] : []),
    ...formatNodes(status),
    `  UI:          ${status.uiUrl ?? "not served (start with 'kubedesk up --ui')"}`,
    ''
  ].join('\n')
}

function formatNodes(status: ClusterStatus): string[] {
  const p = status.nodeProvider
  if (!p) return ['  nodes:       none (no node provider runs)']
  const nodes = status.nodes ?? []
  const width = Math.max(0, ...nodes.map((n) => n.name.length))
  return [
    `  nodes:       ${nodes.length} ${p.name} node${nodes.length === 1 ? '' : 's'} (${p.reason})`,
    ...nodes.map((n) =>
      `    ${n.name.padEnd(width)}  ${n.state.padEnd(8)}  ${n.cpu} CPU, ${formatBytes(n.memoryBytes)}  ${n.address ?? ''}`.trimEnd()
    )
  ]
}

/** `3d4h`, `2h5m`, `4m12s`, `9s`: the two largest units, like kubectl's AGE column. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const units: [string, number][] = [
    ['d', Math.floor(total / 86400)],
    ['h', Math.floor(total / 3600) % 24],
    ['m', Math.floor(total / 60) % 60],
    ['s', total % 60]
  ]
  const first = units.findIndex(([, n]) => n > 0)
  if (first === -1) return '0s'
  return units
    .slice(first, first + 2)
    .filter(([, n]) => n > 0)
    .map(([u, n]) => `${n}${u}`)
    .join('')
}
