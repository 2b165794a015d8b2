/**
 * One raw log line as the Logs view shows it: klog lines (`I1127 18:04:05.123456 …`, what every
 * component and kubelet writes) give their level and time; other lines are plain text.
 */
import { parseLogLine } from '../../../observe/component-log'
import type { LogLine, LogLineLevel } from '../../../../shared/desktop-api'

const LEVELS: Record<string, LogLineLevel> = { info: 'info', warn: 'warning', error: 'error' }
/** Longer lines are cut, so one runaway line cannot fill a pane. */
const MAX_LINE_CHARS = 16 * 1024

/** `text` as a LogLine, with level and time when it is a klog line. */
export function toLogLine(text: string): LogLine {
  const line = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text
  const entry = parseLogLine(line)
  if (!entry) return { text: line }
  return { text: line, time: entry.time.toISOString(), level: LEVELS[entry.level] }
}
