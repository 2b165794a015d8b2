/**
 * Command-line parsing for every `kubedesk` subcommand: node's `util.parseArgs` in strict mode,
 * with its errors rewritten as one readable line that names the command's `--help`, and the
 * value checks the subcommands share (counts, ports, choices, durations, URLs, names).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './errors'

/** The flags of one subcommand, in `util.parseArgs` form. */
export type FlagSpec = NonNullable<ParseArgsConfig['options']>

/** Parsed flags: strings and booleans by long name. */
export type FlagValues = Record<string, string | boolean | undefined>

/** Flags every subcommand accepts. */
export const COMMON_FLAGS: FlagSpec = {
  help: { type: 'boolean', short: 'h' },
  'data-dir': { type: 'string' }
}

/** True when the user asked for help anywhere before a `--`. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

/**
 * Parses `argv` for `command` (e.g. 'kubedesk up'); fails with a UsageError on unknown flags,
 * missing values and unexpected arguments.
 */
export function parseFlags(
  command: string,
  argv: string[],
  flags: FlagSpec,
  maxPositionals = 0
): { values: FlagValues; positionals: string[] } {
  const options = { ...COMMON_FLAGS, ...flags }
  let parsed: { values: FlagValues; positionals: string[] }
  try {
    parsed = parseArgs({
      args: joinDashValues(argv, options),
      options,
      strict: true,
      allowPositionals: true
    }) as { values: FlagValues; positionals: string[] }
  } catch (err) {
    throw readableParseError(err, command)
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals]
    throw new UsageError(`unexpected argument '${extra}' for '${command}'`, command)
  }
  return parsed
}

/**
 * parseArgs refuses `--nodes -1` as ambiguous; joining it to `--nodes=-1` lets the range check
 * answer instead, with a message about the number.
 */
function joinDashValues(argv: string[], options: FlagSpec): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined
    const next = argv[i + 1]
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`)
      i++
    } else {
      out.push(argv[i])
    }
  }
  return out
}

function readableParseError(err: unknown, command: string): Error {
  const e = err as NodeJS.ErrnoException
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? ''
  const flag = quoted.split(' ')[0]
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag '${flag}' for '${command}'`, command)
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument '${flag}' for '${command}'`, command)
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) {
        return new UsageError(`${flag} takes no value`, command)
      }
      return new UsageError(`${flag} needs a value`, command)
    default:
      return err instanceof Error ? err : new Error(String(err))
  }
}

/** A string flag's value, or undefined when absent. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

/** A whole number in [min, max]; `what` is the flag as the user typed it. */
export function parseIntegerFlag(
  command: string,
  what: string,
  raw: string,
  min: number,
  max: number
): number {
  const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${what} must be a whole number from ${min} to ${max} (got '${raw}')`,
      command
    )
  }
  return n
}

/** A TCP port, 1–65535 (or 0 when `allowZero`: any free port). */
export function parsePortFlag(command: string, what: string, raw: string, allowZero = false) {
  return parseIntegerFlag(command, what, raw, allowZero ? 0 : 1, 65535)
}

/** One of `choices`. */
export function parseChoiceFlag<T extends string>(
  command: string,
  what: string,
  raw: string,
  choices: readonly T[]
): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`${what} must be one of ${choices.join(', ')} (got '${raw}')`, command)
  }
  return raw as T
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000
}

/** A duration like `30s`, `5m`, `1h30m`, `2d` (as `kubectl logs --since`), in milliseconds. */
export function parseDurationFlag(command: string, what: string, raw: string): number {
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== raw) {
    throw new UsageError(
      `${what} must be a duration such as 30s, 5m, 1h30m or 2d (got '${raw}')`,
      command
    )
  }
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * DURATION_UNITS[unit], 0)
}

/** Comma-separated http(s) URLs, e.g. `--etcd-endpoints http://127.0.0.1:2379,http://…`. */
export function parseUrlListFlag(command: string, what: string, raw: string): string[] {
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
  if (urls.length === 0) throw new UsageError(`${what} needs at least one URL`, command)
  for (const url of urls) {
    let ok = false
    try {
      const parsed = new URL(url)
      ok = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host !== ''
    } catch {
      ok = false
    }
    if (!ok) {
      throw new UsageError(
        `${what} must be http:// or https:// URLs separated by commas (got '${url}')`,
        command
      )
    }
  }
  return urls
}

/** Kubernetes object names (Nodes): lowercase letters, digits and '-', at most 63. */
export function parseNameArg(command: string, what: string, raw: string): string {
  if (raw.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw)) {
    throw new UsageError(
      `${what} must be lowercase letters, digits and '-', starting and ending with a letter or ` +
        `digit, at most 63 characters (got '${raw}')`,
      command
    )
  }
  return raw
}
