/**
 * Where a `kubedesk` command writes and what it reads from its environment. The real process
 * streams in use; tests pass their own to run commands in-process.
 */

/** A command's output streams and environment. */
export interface CliIO {
  /** Results: status blocks, JSON, log lines, the UI URL. */
  stdout: NodeJS.WritableStream
  /** Progress and errors. */
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
}

/** The process's own streams and environment. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env }
}

/** Writes `text`, waiting while the stream's buffer is full (e.g. `kubedesk logs | less`). */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (stream.write(text)) return
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      stream.off('error', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
    stream.on('error', done)
  })
}

/** Calls `handler` on each SIGINT and SIGTERM until the returned function is called. */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  const listener = (signal: NodeJS.Signals): void => handler(signal)
  process.on('SIGINT', listener)
  process.on('SIGTERM', listener)
  return () => {
    process.off('SIGINT', listener)
    process.off('SIGTERM', listener)
  }
}
