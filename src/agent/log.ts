/**
 * The kubelet's log: the same klog-style lines as every control-plane component
 * (src/main/observe/component-log.ts). In a node container or child process the lines go to
 * stderr, where the node provider collects them (`kubedesk logs kubelet/<node>`); an in-process
 * kubelet (simulated nodes) is handed a ComponentLog instead.
 */
import { formatLogLine, type ComponentLog } from '../main/observe/component-log'

/** What kubelet code logs through (`logAt(log, n)` for lines at verbosity n). */
export type AgentLog = Pick<ComponentLog, 'info' | 'warn' | 'error'>

/** A stream log with klog's verbosity: `v(n)` logs only when the verbosity is n or more. */
export interface AgentLogger extends AgentLog {
  readonly verbosity: number
  v(level: number): AgentLog | undefined
  /** Changes the verbosity at run time (the kubelet API's PUT /debug/flags/v). */
  setVerbosity(level: number): void
}

/**
 * Writes klog-style lines for `component` (e.g. `kubelet`) to a stream (default stderr), at
 * `verbosity` (default 2, as Kubernetes components run).
 */
export function streamLog(
  component: string,
  out: NodeJS.WritableStream = process.stderr,
  verbosity = 2
): AgentLogger {
  const write = (level: 'info' | 'warn' | 'error') => (message: string, values?: object) =>
    out.write(formatLogLine(level, component, message, values as Record<string, unknown>) + '\n')
  const log: AgentLog = { info: write('info'), warn: write('warn'), error: write('error') }
  return {
    ...log,
    get verbosity() {
      return verbosity
    },
    v: (level) => (level <= verbosity ? log : undefined),
    setVerbosity(level) {
      verbosity = level
    }
  }
}

/** Discards everything (tests that do not read the log). */
export const silentLog: AgentLog = { info: () => {}, warn: () => {}, error: () => {} }
