/**
 * How the `kubedesk` command fails: one readable line, `kubedesk: <what>. <hint>`, and an exit
 * code — 2 for a mistake in the command line, 1 for anything else. Never a stack trace, unless
 * KUBEDESK_DEBUG is set.
 */
import { StoreCorruptError } from '../store/errors'

/** Exit code of a command line the user got wrong (unknown flag, bad value). */
export const EXIT_USAGE = 2
/** Exit code of a command that could not do its job. */
export const EXIT_FAILURE = 1

/** A command failed for a reason the user can act on; `hint` says how. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT_FAILURE
  ) {
    super(message)
    this.name = 'CliError'
  }
}

/** The command line is wrong. The hint points at the command's `--help`. */
export class UsageError extends CliError {
  constructor(message: string, command: string) {
    super(message, `See '${command} --help'.`, EXIT_USAGE)
    this.name = 'UsageError'
  }
}

/** The line printed for `err` and the exit code to leave with. */
export function describeError(
  err: unknown,
  env: NodeJS.ProcessEnv = process.env
): { line: string; exitCode: number; stack?: string } {
  const exitCode = err instanceof CliError ? err.exitCode : EXIT_FAILURE
  const message = oneLine(err instanceof Error ? err.message : String(err))
  // Some errors carry their own hint (the sqlite store's StoreCorruptError does).
  const hint = /\bhint:/i.test(message) ? undefined : hintFor(err)
  const line = `kubedesk: ${message}${hint ? `${/[.!?]$/.test(message) ? '' : '.'} ${hint}` : ''}`
  const stack = env.KUBEDESK_DEBUG && err instanceof Error ? err.stack : undefined
  return { line, exitCode, stack }
}

function hintFor(err: unknown): string | undefined {
  if (err instanceof StoreCorruptError) {
    return `Move ${err.file} aside to start with an empty store, or choose another --data-dir.`
  }
  const withHint = (err as { hint?: unknown } | undefined)?.hint
  if (typeof withHint === 'string') return withHint
  const message = err instanceof Error ? err.message : ''
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (/^cannot reach etcd/i.test(message)) {
    return 'Check --etcd-endpoints and that etcd is running there.'
  }
  if (/^Cannot serve the UI/.test(message)) {
    return 'Choose another --ui-port, or leave it out to use a free port.'
  }
  if (code === 'EADDRINUSE') return 'Choose another port.'
  if (code === 'EACCES' || code === 'EPERM') {
    return 'Check the permissions, or choose another --data-dir.'
  }
  if (code === 'ENOSPC') return 'Free some disk space and try again.'
  if (err instanceof CliError) return undefined
  return 'Set KUBEDESK_DEBUG=1 to see where it failed.'
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
