/**
 * The kubelet's log: the same klog-style lines as every control-plane component
 * (src/main/observe/component-log.ts). In a node container or child process the lines go to
 * stderr, where the node provider collects them (`kubedesk logs kubelet/<node>`); an in-process
 * kubelet (simulated nodes) is handed a ComponentLog instead.
 */
import { formatLogLine, type ComponentLog } from '../main/observe/component-log'

/** What kubelet code logs through. */
export type AgentLog = Pick<ComponentLog, 'info' | 'warn' | 'error'>

/** Writes klog-style lines for `component` (e.g. `kubelet`) to a stream (default stderr). */
export function streamLog(
  component: string,
  out: NodeJS.WritableStream = process.stderr
): AgentLog {
  const write = (level: 'info' | 'warn' | 'error') => (message: string, values?: object) =>
    out.write(formatLogLine(level, component, message, values as Record<string, unknown>) + '\n')
  return { info: write('info'), warn: write('warn'), error: write('error') }
}

/** Discards everything (tests that do not read the log). */
export const silentLog: AgentLog = { info: () => {}, warn: () => {}, error: () => {} }
