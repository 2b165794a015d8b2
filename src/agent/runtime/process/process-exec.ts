/**
 * The process runtime's streaming exec (`kubectl exec`): the command runs on the host in the
 * container's working directory with the container's env, in a process group of its own so that
 * close() ends everything it started. A terminal (`-t`) comes from util-linux `script`, which
 * runs the command on a new pseudo-terminal; its size is set with `stty` on that terminal, which
 * is what delivers SIGWINCH to the command.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readlinkSync } from 'node:fs'
import { constants } from 'node:os'
import { PassThrough } from 'node:stream'
import type { ExecOptions, ExecSession, TerminalSize } from '../types'

/** Where a container's commands run. */
export interface ExecPlace {
  cwd: string
  env: Record<string, string>
}

/** Quotes `word` for sh. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/** The argv that runs `cmd` on a new terminal of `size` (util-linux script). */
export function ttyArgv(cmd: string[], size?: TerminalSize): string[] {
  const setSize =
    size && size.width > 0 && size.height > 0
      ? `stty rows ${Math.floor(size.height)} cols ${Math.floor(size.width)} 2>/dev/null; `
      : ''
  const script = `${setSize}exec ${cmd.map(shellQuote).join(' ')}`
  return ['script', '--quiet', '--return', '--flush', '--command', script, '/dev/null']
}

/** The pseudo-terminal the child of `script` (pid) has as its stdin, e.g. /dev/pts/3. */
function terminalOf(scriptPid: number): string | undefined {
  try {
    const children = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8')
    const child = children.trim().split(/\s+/)[0]
    if (!child) return undefined
    const tty = readlinkSync(`/proc/${child}/fd/0`)
    return tty.startsWith('/dev/pts/') ? tty : undefined
  } catch {
    return undefined
  }
}

function stty(tty: string, size: TerminalSize): Promise<void> {
  return new Promise((resolve) => {
    const args = ['-F', tty, 'rows', String(size.height), 'cols', String(size.width)]
    execFile('stty', args, { timeout: 5000 }, () => resolve())
  })
}

/** Starts `cmd` on the host as a container's exec. Rejects only on an empty command. */
export async function processExec(
  cmd: string[],
  place: ExecPlace,
  opts: ExecOptions
): Promise<ExecSession> {
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd[0]) throw new Error('exec needs a command')
  const argv = opts.tty ? ttyArgv(cmd, opts.size) : cmd
  const child: ChildProcess = spawn(argv[0], argv.slice(1), {
    cwd: place.cwd,
    env: opts.tty ? { TERM: 'xterm', ...place.env } : place.env,
    detached: true,
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe']
  })
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  child.stdout?.pipe(stdout)
  // On a terminal the command's stderr is the terminal; only `script`'s own errors come here.
  child.stderr?.pipe(opts.tty ? stdout : stderr, { end: !opts.tty })
  if (opts.tty) stderr.end()
  // A stdin the command stopped reading (it exited) must not crash the kubelet.
  child.stdin?.on('error', () => undefined)

  const exitCode = new Promise<number>((resolve) => {
    let spawnError: NodeJS.ErrnoException | undefined
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err
      if (child.pid) return
      // Never started: answer as a shell does (127 not found, 126 not executable).
      const missing = err.code === 'ENOENT'
      const what = opts.tty && missing ? 'script (util-linux, needed for a terminal)' : cmd[0]
      if (!stderr.writableEnded) stderr.write(`exec ${what}: ${err.message}\n`)
      stdout.end()
      stderr.end()
      resolve(missing ? 127 : 126)
    })
    child.on('close', (code, signal) => {
      if (spawnError && !child.pid) return
      const signo = signal ? (constants.signals[signal] ?? 0) : 0
      resolve(code ?? 128 + signo)
    })
  })

  let tty: string | undefined
  return {
    stdin: child.stdin ?? undefined,
    stdout,
    stderr: opts.tty ? undefined : stderr,
    async resize(size) {
      if (!opts.tty || !child.pid || size.width <= 0 || size.height <= 0) return
      // Right after the start `script` may not have made the terminal yet.
      for (let i = 0; !tty && i < 40 && child.exitCode === null; i++) {
        tty = terminalOf(child.pid)
        if (!tty) await new Promise((r) => setTimeout(r, 25))
      }
      if (tty) await stty(tty, size)
    },
    exitCode,
    close() {
      try {
        if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
  }
}
