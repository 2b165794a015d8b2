/**
 * Runs `kubedesk <argv>` inside the test process (the CLI's `main` with captured streams), for
 * tests of what a command prints and its exit code without starting a process.
 */
import { PassThrough } from 'node:stream'
import { main } from '../../src/main/cli'

/** What one in-process run printed and answered. */
export interface InProcessRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI with `env` as its whole environment (default: a HOME that does not exist). */
export async function runCliInProcess(
  argv: string[],
  env: NodeJS.ProcessEnv = { HOME: '/nonexistent-home' }
): Promise<InProcessRun> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
  const code = await main(argv, { stdout, stderr, env })
  return { code, stdout: out, stderr: err }
}
