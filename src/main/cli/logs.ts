/**
 * `kubedesk logs COMPONENT`: prints `<data-dir>/logs/<component>.log` (rotated files first),
 * filtered by `--since`, `--level` and `--grep`, and with `-f` keeps printing new lines until
 * Ctrl-C. Reads files only, so it works whether or not KubeDesk runs.
 */
import { closeSync, createReadStream, openSync, readSync, statSync, type Stats } from 'node:fs'
import { createInterface } from 'node:readline'
import { StringDecoder } from 'node:string_decoder'
import { setTimeout as sleep } from 'node:timers/promises'
import { resolveDataDir } from '../data-dir'
import {
  componentLogFile,
  componentLogFiles,
  CONTROL_PLANE_COMPONENT,
  isComponentName,
  KNOWN_COMPONENTS,
  LOG_LEVELS,
  loggedComponents,
  parseLogLine,
  type LogLevel
} from '../observe/component-log'
import { parseChoiceFlag, parseDurationFlag, parseFlags, stringFlag } from './args'
import { CliError, UsageError } from './errors'
import { onStopSignal, write, type CliIO } from './io'

const COMMAND = 'kubedesk logs'
const FOLLOW_POLL_MS = 250

/** Which lines to print. */
export interface LogFilter {
  sinceMs?: number
  level?: LogLevel
  grep?: string
}

/**
 * Decides line by line. A line that is not in the log format (a stray message) goes with the
 * line before it for time and level, so a filter never cuts a record in half.
 */
export function createLineFilter(
  filter: LogFilter,
  now: Date = new Date()
): (line: string) => boolean {
  const cutoff = filter.sinceMs === undefined ? undefined : now.getTime() - filter.sinceMs
  const minLevel = filter.level ? LOG_LEVELS.indexOf(filter.level) : 0
  let previous = true
  return (line) => {
    const entry = parseLogLine(line, now)
    if (entry) {
      previous =
        LOG_LEVELS.indexOf(entry.level) >= minLevel &&
        (cutoff === undefined || entry.time.getTime() >= cutoff)
    }
    return previous && (filter.grep === undefined || line.includes(filter.grep))
  }
}

/** Runs `kubedesk logs`. */
export async function runLogs(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    COMMAND,
    argv,
    {
      follow: { type: 'boolean', short: 'f' },
      since: { type: 'string' },
      level: { type: 'string' },
      grep: { type: 'string' }
    },
    1
  )
  const dir = resolveDataDir(stringFlag(values, 'data-dir'), io.env)
  const available = [
    ...new Set([...KNOWN_COMPONENTS, CONTROL_PLANE_COMPONENT, ...loggedComponents(dir)])
  ].sort()
  // `kubelet/<node>`, as Kubernetes users name a node's kubelet, is the file `kubelet-<node>`.
  const component = positionals[0]?.replace(/^kubelet\//, 'kubelet-')
  if (component === undefined) {
    throw new UsageError(`logs needs a COMPONENT, one of: ${available.join(', ')}`, COMMAND)
  }
  const since = stringFlag(values, 'since')
  const level = stringFlag(values, 'level')
  const filter: LogFilter = {
    sinceMs: since === undefined ? undefined : parseDurationFlag(COMMAND, '--since', since),
    level: level === undefined ? undefined : parseChoiceFlag(COMMAND, '--level', level, LOG_LEVELS),
    grep: stringFlag(values, 'grep')
  }
  const follow = values.follow === true

  // A name that is not a component name is never turned into a path (no `../` escapes).
  const files = isComponentName(component) ? componentLogFiles(dir, component) : []
  if (files.length === 0) {
    const logged = loggedComponents(dir)
    if (!available.includes(component)) {
      throw new CliError(`unknown component '${component}'`, `Available: ${available.join(', ')}.`)
    }
    if (!follow) {
      throw new CliError(
        `${component} has not written a log in ${dir} yet`,
        logged.length > 0
          ? `Components with logs there: ${logged.join(', ')}.`
          : `No component has; start KubeDesk with 'kubedesk up --data-dir ${dir}'.`
      )
    }
  }

  const keep = createLineFilter(filter)
  const print = async (line: string): Promise<void> => {
    if (keep(line)) await write(io.stdout, line + '\n')
  }
  // With -f, Ctrl-C is the normal way out (exit 0), from the very first line on.
  let stop = false
  const dispose = follow ? onStopSignal(() => (stop = true)) : () => undefined
  try {
    const current = componentLogFile(dir, component)
    for (const file of files.filter((f) => f !== current)) {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
      for await (const line of lines) await print(line)
    }
    // The current file is read by offset, so following continues exactly where this stops.
    const tail = createTail(current)
    await tail.readNew(print)
    if (!follow) await tail.flush(print)
    while (follow && !stop) {
      await sleep(FOLLOW_POLL_MS)
      await tail.readNew(print)
    }
  } finally {
    dispose()
  }
  return 0
}

/** Reads a growing file line by line, from where the last read stopped. */
interface Tail {
  /** Passes each complete line added since the last call. */
  readNew(onLine: (line: string) => Promise<void>): Promise<void>
  /** Passes a last line that has no newline yet. */
  flush(onLine: (line: string) => Promise<void>): Promise<void>
}

/**
 * A reader for `file` that tolerates its absence (it may appear later) and its rotation (a new
 * file: start again from its top).
 */
function createTail(file: string): Tail {
  let offset = 0
  let inode: number | undefined
  let partial = ''
  // Decodes across reads, so a character split between two reads stays whole.
  let decoder = new StringDecoder('utf8')
  const buffer = Buffer.alloc(64 * 1024)
  return {
    async readNew(onLine) {
      let stat: Stats
      try {
        stat = statSync(file)
      } catch {
        return
      }
      const { size, ino } = stat
      // A new inode or a shorter file: rotated (or truncated) since the last read.
      if (size < offset || (inode !== undefined && ino !== inode)) {
        offset = 0
        partial = ''
        decoder = new StringDecoder('utf8')
      }
      inode = ino
      if (size === offset) return
      const fd = openSync(file, 'r')
      try {
        let read: number
        while ((read = readSync(fd, buffer, 0, buffer.length, offset)) > 0) {
          offset += read
          const lines = (partial + decoder.write(buffer.subarray(0, read))).split('\n')
          partial = lines.pop() ?? ''
          for (const line of lines) await onLine(line)
        }
      } finally {
        closeSync(fd)
      }
    },
    async flush(onLine) {
      const rest = partial + decoder.end()
      partial = ''
      if (rest !== '') await onLine(rest)
    }
  }
}
