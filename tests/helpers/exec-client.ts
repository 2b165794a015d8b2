/**
 * A pods/exec client over the WebSocket remote command protocol, for tests that need what kubectl
 * hides: the terminal size (resize messages), the raw Status on the error channel, and the
 * API's refusal (status and Status body) before the upgrade.
 */
import { execFile } from 'node:child_process'
import WebSocket from 'ws'
import {
  CHANNEL,
  closeFrame,
  decodeFrame,
  encodeFrame,
  STREAM_PROTOCOL_V5
} from '../../src/agent/server/remote-command'

/** A finished command run on a terminal. */
export interface TerminalRun {
  code: number
  /** What the terminal showed (the command's output with CR LF line ends). */
  stdout: string
  stderr: string
}

/**
 * Runs `argv` on a terminal of `rows`×`cols` (util-linux `script`), as a user at a shell would:
 * `kubectl exec -it` needs a terminal on its stdin and reads its size from it.
 */
export function runOnTerminal(
  argv: string[],
  rows: number,
  cols: number,
  env: NodeJS.ProcessEnv = process.env
): Promise<TerminalRun> {
  const quoted = argv.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ')
  const command = `stty rows ${rows} cols ${cols}; ${quoted}`
  return new Promise((resolve) => {
    // script's stdin stays an open pipe: the terminal sees no EOF while the command runs.
    execFile(
      'script',
      ['--quiet', '--return', '--command', command, '/dev/null'],
      { timeout: 60_000, env },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    )
  })
}

/** Where and as whom to connect. */
export interface ExecTarget {
  /** `https://127.0.0.1:<port>` of the API server. */
  server: string
  ca: string
  token: string
  namespace?: string
  pod: string
}

/** The parts of a PodExecOptions query. */
export interface ExecParams {
  command: string[]
  container?: string
  stdin?: boolean
  tty?: boolean
  protocols?: string[]
}

/** An open exec session. */
export interface ExecConnection {
  protocol: string
  stdin(text: string): void
  closeStdin(): void
  resize(width: number, height: number): void
  stdout(): string
  stderr(): string
  /** Resolves once stdout matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** The Status of the error channel, once the server closed the connection. */
  done: Promise<{ status?: Record<string, unknown>; closeCode: number }>
  close(): void
}

/** The exec URL (wss) of `target` with `params`. */
export function execUrl(target: ExecTarget, params: ExecParams, extra = ''): string {
  const q = new URLSearchParams()
  for (const word of params.command) q.append('command', word)
  if (params.container) q.set('container', params.container)
  if (params.stdin) q.set('stdin', 'true')
  q.set('stdout', 'true')
  if (!params.tty) q.set('stderr', 'true')
  if (params.tty) q.set('tty', 'true')
  const base = target.server.replace(/^https:/, 'wss:')
  const ns = target.namespace ?? 'default'
  return `${base}/api/v1/namespaces/${ns}/pods/${target.pod}/exec?${q}${extra}`
}

function options(target: ExecTarget): WebSocket.ClientOptions {
  return { ca: target.ca, headers: { Authorization: `Bearer ${target.token}` } }
}

/** Connects; rejects with the HTTP status and body when the server refuses the upgrade. */
export function openExec(target: ExecTarget, params: ExecParams): Promise<ExecConnection> {
  return connect(execUrl(target, params), params.protocols ?? [STREAM_PROTOCOL_V5], target)
}

/** Connects to a raw URL (for malformed queries). */
export function connect(url: string, protocols: string[], target: ExecTarget) {
  return new Promise<ExecConnection>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options(target))
    const out = { stdout: '', stderr: '', error: '' }
    const waiters = new Set<() => void>()
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode, body })))
    })
    ws.on('error', reject)
    ws.on('message', (data: Buffer) => {
      const frame = decodeFrame(data)
      if (!frame) return
      const text = frame.data.toString('utf8')
      if (frame.channel === CHANNEL.stdout) out.stdout += text
      if (frame.channel === CHANNEL.stderr) out.stderr += text
      if (frame.channel === CHANNEL.error) out.error += text
      for (const w of waiters) w()
    })
    const done = new Promise<{ status?: Record<string, unknown>; closeCode: number }>((res) =>
      ws.on('close', (code) =>
        res({ status: out.error ? JSON.parse(out.error) : undefined, closeCode: code })
      )
    )
    ws.on('open', () =>
      resolve({
        protocol: ws.protocol,
        stdin: (text) => ws.send(encodeFrame(CHANNEL.stdin, text)),
        closeStdin: () => ws.send(closeFrame(CHANNEL.stdin)),
        resize: (width, height) =>
          ws.send(encodeFrame(CHANNEL.resize, JSON.stringify({ Width: width, Height: height }))),
        stdout: () => out.stdout,
        stderr: () => out.stderr,
        waitFor: (pattern, timeoutMs = 10_000) =>
          new Promise<void>((ok, fail) => {
            const check = (): void => {
              if (!pattern.test(out.stdout)) return
              waiters.delete(check)
              clearTimeout(timer)
              ok()
            }
            const timer = setTimeout(() => {
              waiters.delete(check)
              fail(new Error(`no ${pattern} in stdout: ${JSON.stringify(out.stdout)}`))
            }, timeoutMs)
            waiters.add(check)
            check()
          }),
        done,
        close: () => ws.close()
      })
    )
  })
}

/** The HTTP status and body the server answered instead of upgrading. */
export async function execRefusal(
  url: string,
  target: ExecTarget,
  protocols = [STREAM_PROTOCOL_V5]
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const conn = await connect(url, protocols, target)
    conn.close()
  } catch (err) {
    const e = err as { status?: number; body?: string }
    if (e.status !== undefined) return { status: e.status, body: JSON.parse(e.body ?? '{}') }
    throw err
  }
  throw new Error('the server accepted the upgrade')
}
