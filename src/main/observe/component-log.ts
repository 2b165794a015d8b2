/**
 * Component logs: one file per control-plane component, `<data-dir>/logs/<component>.log`, in
 * the klog text format Kubernetes components write, so the lines read like a real cluster's:
 *
 *   I1127 18:04:05.123456   12345 etcd] "opened store" backend="sqlite" revision=42
 *   │└┬─┘ └──────┬──────┘ └──┬──┘ └┬─┘  └────┬─────┘ └────────── key=value pairs ─┘
 *   │ mmdd   local time       pid component  message (a JSON string)
 *   └ level: I info, W warning, E error
 *
 * Values are JSON (strings quoted, numbers and booleans bare), so a line never spans two lines
 * and splits back into its parts (`parseLogLine`). Like klog, the time carries no year; readers
 * take the latest year that does not put the line in the future.
 *
 * Lines pass through the data directory's log hub (log-hub.ts: ring buffers, followers,
 * verbosity) and are written once per event-loop turn, rotated by size (log-file-writer.ts:
 * at `maxBytes`, 10 MB, the file becomes `.log.1`, keeping `keep`, 3, rotated files).
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { RotationLimits } from './log-file-writer'
import { logHubFor } from './log-hub'

/** Severity of one line; `logs --level` shows this level and the ones above it. */
export type LogLevel = 'info' | 'warn' | 'error'

/** Levels from least to most severe. */
export const LOG_LEVELS: readonly LogLevel[] = ['info', 'warn', 'error']

/** Key/value pairs appended to a line, in insertion order. */
export type LogValues = Record<string, unknown>

/**
 * The components of a Kubernetes cluster, and KubeDesk's node provider and Docker engine
 * events, offered by `kubedesk logs` even before they log.
 */
export const KNOWN_COMPONENTS: readonly string[] = [
  'etcd',
  'kube-apiserver',
  'kube-scheduler',
  'kube-controller-manager',
  'kube-proxy',
  'node-provider',
  'docker'
]

/** The log of KubeDesk's own control plane (start, stop, the control socket). */
export const CONTROL_PLANE_COMPONENT = 'kubedesk'

/** A logger bound to one component's file. */
export interface ComponentLog {
  readonly component: string
  readonly file: string
  info(message: string, values?: LogValues): void
  warn(message: string, values?: LogValues): void
  error(message: string, values?: LogValues): void
  /** Flushes and closes the file; later calls reopen it, so a late line is never lost. */
  close(): void
}

/**
 * A ComponentLog with klog's verbosity: `log.v(3)?.info(...)` writes only when the component's
 * verbosity is 3 or more (the hub's, changeable at run time); off, it costs one comparison and
 * the arguments are never formatted. V lines are info lines, as in klog.
 */
export interface ComponentLogger extends ComponentLog {
  /** The component's verbosity now. */
  readonly verbosity: number
  /** True when `V(level)` lines are written. */
  enabled(level: number): boolean
  /** This logger when `V(level)` lines are written, else undefined. */
  v(level: number): ComponentLogger | undefined
  /** Changes the component's verbosity (every logger of the component sees it). */
  setVerbosity(level: number): void
}

/** Rotation limits, and the name lines carry. */
export interface ComponentLogOptions extends RotationLimits {
  /**
   * The component as each line names it, when the file's name says more: a node's kubelet
   * writes `kubelet-<node>.log` with `kubelet]` lines, as kubelets do on every node.
   */
  lineComponent?: string
}

/** One parsed line. */
export interface LogEntry {
  level: LogLevel
  time: Date
  pid: number
  component: string
  message: string
  /** Everything after the message: the key=value pairs as written. */
  values: string
}

const LEVEL_LETTER: Record<LogLevel, string> = { info: 'I', warn: 'W', error: 'E' }
const LETTER_LEVEL: Record<string, LogLevel> = { I: 'info', W: 'warn', E: 'error', F: 'error' }
const COMPONENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** The log file of `component` in `dataDir`. */
export function componentLogFile(dataDir: string, component: string): string {
  return join(dataDir, 'logs', `${component}.log`)
}

/** True for names usable as a component (and so as a file name): DNS-1123 labels. */
export function isComponentName(name: string): boolean {
  return name.length <= 63 && COMPONENT_NAME.test(name)
}

/**
 * Opens the log of one component: its lines go through the data directory's log hub (ring
 * buffer, followers, verbosity) to `<data-dir>/logs/<component>.log` (mode 0600 in a 0700
 * directory). Every logger of one component in one process shares the hub's sink.
 */
export function createComponentLog(
  dataDir: string,
  component: string,
  options: ComponentLogOptions = {}
): ComponentLogger {
  if (!isComponentName(component)) throw new Error(`invalid component name '${component}'`)
  const sink = logHubFor(dataDir).sink(component, options)
  const label = options.lineComponent ?? component
  const write = (level: LogLevel, message: string, values?: LogValues): void => {
    sink.write(formatLogLine(level, label, message, values))
    // Warnings and errors are rare and matter most after a crash: on disk at once.
    if (level !== 'info') sink.flush()
  }
  const logger: ComponentLogger = {
    component,
    file: componentLogFile(dataDir, component),
    info: (message, values) => write('info', message, values),
    warn: (message, values) => write('warn', message, values),
    error: (message, values) => write('error', message, values),
    get verbosity() {
      return sink.verbosity
    },
    enabled: (level) => level <= sink.verbosity,
    v: (level) => (level <= sink.verbosity ? logger : undefined),
    setVerbosity: (level) => {
      sink.verbosity = level
    },
    close: () => sink.close()
  }
  return logger
}

/**
 * `log.v(level)` for any ComponentLog: a ComponentLogger answers by its verbosity; a plain
 * ComponentLog (a test double) keeps only V(0) lines.
 */
export function logAt(
  log: Pick<ComponentLog, 'info' | 'warn' | 'error'> | undefined,
  level: number
): Pick<ComponentLog, 'info' | 'warn' | 'error'> | undefined {
  if (log === undefined) return undefined
  const v = (log as Partial<Pick<ComponentLogger, 'v'>>).v
  if (v) return v(level)
  return level <= 0 ? log : undefined
}

/** One line in the format described at the top of this file (without the newline). */
export function formatLogLine(
  level: LogLevel,
  component: string,
  message: string,
  values: LogValues = {},
  now: Date = preciseNow()
): string {
  const micros = String((now as PreciseDate).micros ?? now.getMilliseconds() * 1000)
  // Lines come in bursts within one second: the date and time up to the second are reused.
  const second = Math.floor(now.getTime() / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedTime =
      pad2(now.getMonth() + 1) +
      pad2(now.getDate()) +
      ` ${pad2(now.getHours())}:${pad2(now.getMinutes())}:${pad2(now.getSeconds())}.`
  }
  let line =
    LEVEL_LETTER[level] +
    cachedTime +
    micros.padStart(6, '0') +
    PID_FIELD +
    component +
    '] ' +
    JSON.stringify(message)
  for (const key in values) {
    const value = values[key]
    if (value === undefined) continue
    line += ' ' + logKey(key) + '=' + formatValue(value)
  }
  return line
}

const PID_FIELD = ` ${String(process.pid).padStart(7)} `
let cachedSecond = NaN
let cachedTime = ''
const safeKeys = new Map<string, string>()

/** `key` with anything but word characters, dots and dashes made `_` (cached: keys repeat). */
function logKey(key: string): string {
  let safe = safeKeys.get(key)
  if (safe === undefined) {
    safe = key.replace(/[^\w.-]/g, '_')
    if (safeKeys.size < 10_000) safeKeys.set(key, safe)
  }
  return safe
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value instanceof Error) return JSON.stringify(value.message)
  if (typeof value === 'bigint') return value.toString()
  try {
    return JSON.stringify(value) ?? JSON.stringify(String(value))
  } catch {
    return JSON.stringify(String(value))
  }
}

const LINE =
  /^([IWEF])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) +(\d+) ([^\]\s]+)\] ("(?:[^"\\]|\\.)*")(.*)$/

/**
 * Splits a line back into its parts; undefined when it is not in the format. `now` picks the
 * year: the latest one that does not put the line more than a day into the future.
 */
export function parseLogLine(line: string, now: Date = new Date()): LogEntry | undefined {
  const m = LINE.exec(line)
  if (!m) return undefined
  const [, letter, month, day, hours, minutes, seconds, micros, pid, component, quoted, rest] = m
  const at = (year: number): Date =>
    new Date(
      year,
      Number(month) - 1,
      Number(day),
      Number(hours),
      Number(minutes),
      Number(seconds),
      Math.floor(Number(micros) / 1000)
    )
  let time = at(now.getFullYear())
  if (time.getTime() - now.getTime() > 24 * 3600 * 1000) time = at(now.getFullYear() - 1)
  let message: string
  try {
    message = JSON.parse(quoted) as string
  } catch {
    return undefined
  }
  return {
    level: LETTER_LEVEL[letter],
    time,
    pid: Number(pid),
    component,
    message,
    values: rest.trim()
  }
}

/** The files of one component's log, oldest first (rotated ones, then the current one). */
export function componentLogFiles(dataDir: string, component: string): string[] {
  const file = componentLogFile(dataDir, component)
  const rotated = readdirSafe(join(dataDir, 'logs'))
    .map((name) => new RegExp(`^${escapeRegExp(component)}\\.log\\.(\\d+)$`).exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a)
    .map((n) => `${file}.${n}`)
  return existsSync(file) ? [...rotated, file] : rotated
}

/** Components that have a log file in `dataDir`, sorted. */
export function loggedComponents(dataDir: string): string[] {
  const names = readdirSafe(join(dataDir, 'logs'))
    .map((name) => /^(.+)\.log(\.\d+)?$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined && isComponentName(name))
  return [...new Set(names)].sort()
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}

/** A Date that also knows its microseconds within the second. */
type PreciseDate = Date & { micros?: number }

/**
 * Wall-clock time with microseconds. The millisecond comes from the wall clock (so a changed
 * system clock shows in the log, as in klog); the high-resolution clock adds the microseconds.
 */
function preciseNow(): Date {
  const ms = Date.now()
  const date: PreciseDate = new Date(ms)
  date.micros = (ms % 1000) * 1000 + Math.floor((performance.now() % 1) * 1000)
  return date
}
