/**
 * The parts of `kubedesk logs` beyond printing one log: `kubedesk logs` alone lists every
 * component (with its verbosity when KubeDesk runs), and `kubedesk logs --verbosity N COMPONENT`
 * changes a component's verbosity in the running instance through the control socket.
 */
import { statSync } from 'node:fs'
import { ControlSocketUnavailableError } from '../control-socket'
import { dataDirPaths } from '../data-dir'
import {
  componentLogFile,
  CONTROL_PLANE_COMPONENT,
  KNOWN_COMPONENTS,
  loggedComponents
} from '../observe/component-log'
import {
  LogControlError,
  requestLogComponents,
  requestSetVerbosity,
  type LogComponentInfo
} from '../observe/log-control'
import { CliError } from './errors'
import { write, type CliIO } from './io'
import { notRunning } from './status'

const KUBELET_FILE_PREFIX = 'kubelet-'

/** `kubelet/<node>`, as Kubernetes users name a node's kubelet, is the log `kubelet-<node>`. */
export function componentOfName(name: string): string {
  return name.replace(/^kubelet\//, KUBELET_FILE_PREFIX)
}

/** The name a user types for the log `component`: `kubelet/<node>` for `kubelet-<node>`. */
export function nameOfComponent(component: string): string {
  return component.startsWith(KUBELET_FILE_PREFIX)
    ? `kubelet/${component.slice(KUBELET_FILE_PREFIX.length)}`
    : component
}

/** Known components, those with a log file and those logging in the running instance, sorted. */
export function availableComponents(dir: string, running: LogComponentInfo[] = []): string[] {
  return [
    ...new Set([
      ...KNOWN_COMPONENTS,
      CONTROL_PLANE_COMPONENT,
      ...loggedComponents(dir),
      ...running.map((c) => c.name)
    ])
  ].sort()
}

/** What the running instance says about its logs; empty when none runs. */
async function runningComponents(dir: string): Promise<LogComponentInfo[]> {
  try {
    return await requestLogComponents(dataDirPaths(dir).socket)
  } catch (err) {
    if (err instanceof ControlSocketUnavailableError || err instanceof LogControlError) return []
    throw err
  }
}

/** Prints the component table: name, verbosity (when running), log size and last write. */
export async function listComponents(dir: string, io: CliIO): Promise<number> {
  const running = await runningComponents(dir)
  const byName = new Map(running.map((c) => [c.name, c]))
  const rows = availableComponents(dir, running).map((component) => {
    const info = byName.get(component)
    let size = '-'
    let updated = 'no log yet'
    try {
      const stat = statSync(componentLogFile(dir, component))
      size = formatSize(stat.size)
      updated = stat.mtime.toLocaleString()
    } catch {
      // No file yet: the defaults say so.
    }
    const verbosity = !info ? '-' : info.external ? 'own' : String(info.verbosity)
    return [nameOfComponent(component), verbosity, size, updated]
  })
  const header = ['COMPONENT', 'VERBOSITY', 'SIZE', 'LAST WRITTEN']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd()
  let text = [header, ...rows].map(line).join('\n') + '\n'
  if (running.length === 0) {
    text += `\nKubeDesk is not running for ${dir}: verbosities show once it is.\n`
  }
  await write(io.stdout, text)
  return 0
}

/** Sets `component`'s verbosity in the running instance; answers the sentence saying so. */
export async function setVerbosity(dir: string, component: string, level: number): Promise<string> {
  try {
    const { previous } = await requestSetVerbosity(dataDirPaths(dir).socket, component, level)
    return `${nameOfComponent(component)}: verbosity ${level} (was ${previous})`
  } catch (err) {
    if (err instanceof ControlSocketUnavailableError) throw notRunning(dir)
    if (err instanceof LogControlError) {
      const hint =
        err.code === 404
          ? `Components logging now: ${(await runningComponents(dir))
              .filter((c) => !c.external)
              .map((c) => nameOfComponent(c.name))
              .join(', ')}.`
          : undefined
      throw new CliError(err.message, hint)
    }
    throw err
  }
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}K`
  return `${(bytes / 1024 / 1024).toFixed(1)}M`
}
