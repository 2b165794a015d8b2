/**
 * The `kubedesk` command: parses the subcommand, runs it, and turns any failure into one
 * readable line with an exit code (2: the command line is wrong; 1: the command failed).
 *
 * Runs the same ControlPlane as the desktop app, without Electron. Entry points: the built
 * `out/main/cli.js` (through bin/kubedesk.js, which calls `run`) and, from source,
 * `npx tsx src/main/cli.ts …` or `node --import tsx src/main/cli.ts …`.
 */
import { COMMAND_HELP, ROOT_HELP } from './cli/help'
import { wantsHelp } from './cli/args'
import { describeError, UsageError } from './cli/errors'
import { processIO, write, type CliIO } from './cli/io'
import { KUBEDESK_VERSION } from './version'

type Command = (argv: string[], io: CliIO) => Promise<number>

// Loaded on demand: only `up` needs the store (sqlite, the etcd client), and `status` or
// `--version` should not pay for loading it.
const COMMANDS: Record<string, () => Promise<Command>> = {
  up: async () => (await import('./cli/up')).runUp,
  status: async () => (await import('./cli/status')).runStatus,
  down: async () => (await import('./cli/down')).runDown,
  logs: async () => (await import('./cli/logs')).runLogs,
  node: async () => (await import('./cli/node')).runNode,
  component: async () => (await import('./cli/component')).runComponent,
  open: async () => (await import('./cli/open')).runOpen
}

/** Runs one `kubedesk` invocation (`argv` without node and script); resolves with the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  try {
    const [first, ...rest] = argv
    if (first === undefined || first === '--help' || first === '-h') {
      await write(io.stdout, ROOT_HELP)
      return 0
    }
    if (first === '--version' || first === 'version') {
      await write(io.stdout, `kubedesk ${KUBEDESK_VERSION}\n`)
      return 0
    }
    if (first === 'help') {
      const topic = rest[0]
      if (topic !== undefined && !Object.hasOwn(COMMAND_HELP, topic)) throw unknownCommand(topic)
      await write(io.stdout, topic === undefined ? ROOT_HELP : COMMAND_HELP[topic])
      return 0
    }
    const load = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined
    if (!load) throw unknownCommand(first)
    if (wantsHelp(rest)) {
      await write(io.stdout, COMMAND_HELP[first])
      return 0
    }
    const command = await load()
    return await command(rest, io)
  } catch (err) {
    const { line, exitCode, stack } = describeError(err, io.env)
    await write(io.stderr, line + '\n' + (stack ? stack + '\n' : ''))
    return exitCode
  }
}

function unknownCommand(name: string): UsageError {
  return new UsageError(
    name.startsWith('-')
      ? `unknown flag '${name}' (flags go after the command, e.g. 'kubedesk up ${name}')`
      : `unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`,
    'kubedesk'
  )
}

/** Runs `main` for this process and exits with its code. */
export function run(argv: string[] = process.argv.slice(2)): void {
  // `kubedesk logs etcd | head` closes the pipe early: that is success, not a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
  })
  // A failure outside any command's flow (a background task) still ends as one readable line;
  // the data directory's lock is left to the stale-lock takeover of the next `up`.
  const crash = (err: unknown): void => {
    const { line, stack } = describeError(err)
    process.stderr.write(line + '\n' + (stack ? stack + '\n' : ''))
    process.exit(1)
  }
  process.on('uncaughtException', crash)
  process.on('unhandledRejection', crash)
  void main(argv).then((code) => {
    process.exitCode = code
    // Normally the process ends by itself here; this backstop keeps a forgotten timer or
    // socket from holding it (and so `kubedesk down`) open.
    setTimeout(() => process.exit(code), 2000).unref()
  })
}

// Run when this file is the program (tsx, or `node out/main/cli.js`); bin/kubedesk.js calls
// `run` itself. `require`/`module` are absent when a test runner imports this as ESM.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  run()
}
