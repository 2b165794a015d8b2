/**
 * `kubedesk logs COMPONENT`: prints `<data-dir>/logs/<component>.log` (rotated files first),
 * filtered by `--since`, `--level` and `--grep`, and with `-f` keeps printing new lines until
 * Ctrl-C. Reads files only, so it works whether or not KubeDesk runs. `kubedesk logs` alone
 * lists the components; `--verbosity N` sets one's verbosity in the running instance
 * (logs-components.ts).
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { resolveDataDir } from '../data-dir'
import {
  componentLogFile,
  componentLogFiles,
  isComponentName,
  LOG_LEVELS,
  loggedComponents,
  parseLogLine,
  type LogLevel
} from '../observe/component-log'
import {
  availableComponents,
  componentOfName,
  listComponents,
  nameOfComponent,
  setVerbosity
} from './logs-components'
import { createTail } from '../observe/log-tail'
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
      grep: { type: 'string' },
      verbosity: { type: 'string' }
    },
    1
  )
  const dir = resolveDataDir(stringFlag(values, 'data-dir'), io.env)
  const available = availableComponents(dir)
  const component = positionals[0] === undefined ? undefined : componentOfName(positionals[0])
  const verbosity = stringFlag(values, 'verbosity')
  if (component === undefined) {
    if (verbosity !== undefined) {
      throw new UsageError(
        `--verbosity needs a COMPONENT, one of: ${available.map(nameOfComponent).join(', ')}`,
        COMMAND
      )
    }
    return listComponents(dir, io)
  }
  const follow = values.follow === true
  const since = stringFlag(values, 'since')
  const level = stringFlag(values, 'level')
  const filter: LogFilter = {
    sinceMs: since === undefined ? undefined : parseDurationFlag(COMMAND, '--since', since),
    level: level === undefined ? undefined : parseChoiceFlag(COMMAND, '--level', level, LOG_LEVELS),
    grep: stringFlag(values, 'grep')
  }
  if (verbosity !== undefined) {
    if (!/^\d{1,2}$/.test(verbosity)) {
      throw new UsageError(`--verbosity wants a level from 0 to 10, not '${verbosity}'`, COMMAND)
    }
    const said = await setVerbosity(dir, component, Number(verbosity))
    // Without -f the command only sets; with -f it goes on to follow the log, the usual pair.
    await write(follow ? io.stderr : io.stdout, said + '\n')
    if (!follow) return 0
  }

  // A name that is not a component name is never turned into a path (no `../` escapes).
  const files = isComponentName(component) ? componentLogFiles(dir, component) : []
  if (files.length === 0) {
    const logged = loggedComponents(dir)
    if (!available.includes(component)) {
      throw new CliError(
        `unknown component '${positionals[0]}'`,
        `Available: ${available.map(nameOfComponent).join(', ')}.`
      )
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
