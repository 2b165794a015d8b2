/**
 * `docker exec` with a deadline, for exec probes, preStop hooks and `crictl exec`. Docker has no
 * way to kill an exec'd process, so on timeout the connection is dropped and the process is left
 * to finish inside the container (as dockershim did); the result says `timedOut`.
 */
import { PassThrough } from 'node:stream'
import type Dockerode from 'dockerode'
import type { ExecResult } from '../types'

/** The exit code reported when a command runs out of time (as coreutils `timeout`). */
export const EXEC_TIMEOUT_EXIT_CODE = 124

/** Runs `cmd` in `container` and collects its output, giving up after `timeoutSeconds`. */
export async function dockerExecSync(
  docker: Dockerode,
  container: Dockerode.Container,
  cmd: string[],
  timeoutSeconds: number
): Promise<ExecResult> {
  if (!Array.isArray(cmd) || cmd.length === 0) throw new Error('exec needs a command')
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  const outSink = new PassThrough()
  const errSink = new PassThrough()
  outSink.on('data', (chunk: Buffer) => stdout.push(chunk))
  errSink.on('data', (chunk: Buffer) => stderr.push(chunk))
  docker.modem.demuxStream(stream, outSink, errSink)
  const finished = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, timeoutSeconds) * 1000)
    const done = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    stream.on('end', done)
    stream.on('close', done)
    stream.on('error', done)
  })
  const result = (exitCode: number): ExecResult => ({
    exitCode,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8')
  })
  if (!finished) {
    stream.destroy()
    return { ...result(EXEC_TIMEOUT_EXIT_CODE), timedOut: true }
  }
  return result(await execExitCode(exec, cmd))
}

/** The exit code of an exec whose stream has ended (the engine records it a moment later). */
export async function execExitCode(exec: Dockerode.Exec, cmd: string[]): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect()
    if (!info.Running && info.ExitCode !== null) return info.ExitCode
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`exec ${JSON.stringify(cmd)} finished but its exit code never appeared`)
}
