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
 * Rotation is by size: when a write would pass `maxBytes` (10 MB) the file becomes `.log.1`,
 * older ones shift to `.2`, `.3`, and the oldest beyond `keep` (3) is removed.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync
} from 'node:fs'
import { join } from 'node:path'

/** Severity of one line; `logs --level` shows this level and the ones above it. */
export type LogLevel = 'info' | 'warn' | 'error'

/** Levels from least to most severe. */
export const LOG_LEVELS: readonly LogLevel[] = ['info', 'warn', 'error']

/** Key/value pairs appended to a line, in insertion order. */
export type LogValues = Record<string, unknown>

/** The components of a Kubernetes control plane, offered by `kubedesk logs` even before they log. */
export const KNOWN_COMPONENTS: readonly string[] = [
  'etcd',
  'kube-apiserver',
  'kube-scheduler',
  'kube-controller-manager'
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
  /** Closes the file; later calls reopen it, so a late line is never lost. */
  close(): void
}

/** Rotation limits. */
export interface ComponentLogOptions {
  /** Rotate when the file would grow past this many bytes (default 10 MB). */
  maxBytes?: number
  /** Rotated files to keep (default 3). */
  keep?: number
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

/** Opens (creating `logs/` with mode 0700) the log of one component. */
export function createComponentLog(
  dataDir: string,
  component: string,
  options: ComponentLogOptions = {}
): ComponentLog {
  if (!isComponentName(component)) throw new Error(`invalid component name '${component}'`)
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024
  const keep = options.keep ?? 3
  const file = componentLogFile(dataDir, component)
  let fd: number | undefined
  let size = 0

  const open = (): number => {
    mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 })
    const opened = openSync(file, 'a', 0o600)
    size = fstatSync(opened).size
    return opened
  }

  const rotate = (): void => {
    if (fd !== undefined) closeSync(fd)
    fd = undefined
    rmSync(`${file}.${keep}`, { force: true })
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`)
    }
    if (keep > 0) renameSync(file, `${file}.1`)
    else rmSync(file, { force: true })
  }

  const write = (level: LogLevel, message: string, values?: LogValues): void => {
    const line = formatLogLine(level, component, message, values) + '\n'
    const bytes = Buffer.byteLength(line)
    // Logging must never take the control plane down: a full disk or a removed directory
    // loses lines, not the cluster.
    try {
      if (fd === undefined) fd = open()
      if (size > 0 && size + bytes > maxBytes) {
        rotate()
        fd = open()
      }
      writeSync(fd, line)
      size += bytes
    } catch {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    }
  }

  return {
    component,
    file,
    info: (message, values) => write('info', message, values),
    warn: (message, values) => write('warn', message, values),
    error: (message, values) => write('error', message, values),
    close() {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    }
  }
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
  const header =
    LEVEL_LETTER[level] +
    pad2(now.getMonth() + 1) +
    pad2(now.getDate()) +
    ` ${pad2(now.getHours())}:${pad2(now.getMinutes())}:${pad2(now.getSeconds())}` +
    `.${micros.padStart(6, '0')} ${String(process.pid).padStart(7)} ${component}]`
  const pairs = Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key.replace(/[^\w.-]/g, '_')}=${formatValue(value)}`)
  return [header, JSON.stringify(message), ...pairs].join(' ')
}

function formatValue(value: unknown): string {
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
