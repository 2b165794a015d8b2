/**
 * Runs a command on the host with a deadline: the process runtime's `execSync`. The command gets
 * its own process group so a timeout kills everything it started.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import type { ExecResult } from '../types'

/** The exit code reported when a command runs out of time (as coreutils `timeout`). */
export const EXEC_TIMEOUT_EXIT_CODE = 124

/** Runs `cmd` (no shell) in `cwd` with exactly `env`, killed after `timeoutSeconds`. */
export function runHostCommand(
  cmd: string[],
  where: { cwd: string; env: Record<string, string> },
  timeoutSeconds: number
): Promise<ExecResult> {
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd[0]) {
    return Promise.reject(new Error('exec needs a command'))
  }
  return new Promise((resolve) => {
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let timedOut = false
    let spawnError: Error | undefined
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: where.cwd,
      env: where.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    child.stdout?.on('data', (c: Buffer) => stdout.push(c))
    child.stderr?.on('data', (c: Buffer) => stderr.push(c))
    const timer = setTimeout(
      () => {
        timedOut = true
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
      },
      Math.max(0, timeoutSeconds) * 1000
    )
    let settled = false
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const out = Buffer.concat(stdout).toString('utf8')
      const err = Buffer.concat(stderr).toString('utf8')
      if (spawnError) {
        const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
        resolve({
          exitCode: missing ? 127 : 126,
          stdout: out,
          stderr: err + spawnError.message + '\n'
        })
      } else if (timedOut) {
        resolve({ exitCode: EXEC_TIMEOUT_EXIT_CODE, stdout: out, stderr: err, timedOut: true })
      } else {
        const signo = signal ? (constants.signals[signal] ?? 0) : 0
        resolve({ exitCode: code ?? 128 + signo, stdout: out, stderr: err })
      }
    }
    child.on('error', (err) => {
      spawnError = err
      // A child that never started emits no 'close' on every Node version.
      if (!child.pid) finish(null, null)
    })
    child.on('close', finish)
  })
}
