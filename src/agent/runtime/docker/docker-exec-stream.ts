/**
 * The docker runtime's streaming exec (`kubectl exec`): a docker exec started with a hijacked
 * connection. Without a terminal the engine multiplexes stdout and stderr on that connection
 * (split here with the modem's demuxer); with one it is the raw terminal. Half-closing the
 * connection closes the command's stdin; the terminal size goes through the exec's resize call.
 */
import { PassThrough } from 'node:stream'
import type { Duplex } from 'node:stream'
import type Dockerode from 'dockerode'
import type { ExecOptions, ExecSession } from '../types'
import { execExitCode } from './docker-exec'

/** Starts `cmd` in `container`, attached as `opts` asks. */
export async function dockerExec(
  docker: Dockerode,
  container: Dockerode.Container,
  cmd: string[],
  opts: ExecOptions
): Promise<ExecSession> {
  if (!Array.isArray(cmd) || cmd.length === 0) throw new Error('exec needs a command')
  const exec = await container.exec({
    Cmd: cmd,
    AttachStdin: opts.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: opts.tty
  })
  const stream = (await exec.start({
    hijack: true,
    stdin: opts.stdin,
    Detach: false,
    Tty: opts.tty
  })) as Duplex
  const stdout = new PassThrough()
  const stderr = opts.tty ? undefined : new PassThrough()
  if (stderr) docker.modem.demuxStream(stream, stdout, stderr)
  else stream.on('data', (chunk: Buffer) => stdout.write(chunk))

  const ended = new Promise<void>((resolve) => {
    const done = (): void => {
      stdout.end()
      stderr?.end()
      resolve()
    }
    stream.once('end', done)
    stream.once('close', done)
    stream.once('error', done)
  })
  const exitCode = ended.then(() => execExitCode(exec, cmd))
  // Without stdin the engine expects nothing more from us.
  if (!opts.stdin) stream.end()

  const resize = async (size: { width: number; height: number }): Promise<void> => {
    if (!opts.tty || size.width <= 0 || size.height <= 0) return
    await exec.resize({ w: size.width, h: size.height })
  }
  if (opts.size) await resize(opts.size).catch(() => undefined)
  return {
    stdin: opts.stdin ? stdinOf(stream) : undefined,
    stdout,
    stderr,
    resize,
    exitCode,
    // Docker cannot kill an exec'd process: dropping the connection closes its stdin (and, on
    // a terminal, hangs it up), which ends shells and most interactive commands.
    close: () => stream.destroy()
  }
}

/** The write side of the hijacked connection; end() half-closes it, which the engine reads as EOF. */
function stdinOf(stream: Duplex): NodeJS.WritableStream {
  const input = new PassThrough()
  input.on('data', (chunk: Buffer) => {
    if (!stream.writableEnded && !stream.destroyed) stream.write(chunk)
  })
  input.on('end', () => {
    if (!stream.writableEnded && !stream.destroyed) stream.end()
  })
  return input
}
