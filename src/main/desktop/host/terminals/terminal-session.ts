/**
 * One open terminal: a shell on a pty whose output is batched (~30 ms) and bounded, held while
 * nobody is subscribed (the renderer subscribes right after openTerminal), and ended with one
 * `exit` once the shell has exited and its last output went out.
 */
import type { IPty } from 'node-pty'
import type { TerminalOutput } from '../../../../shared/desktop-api'

/** How long output is gathered before a push. */
export const OUTPUT_BATCH_MS = 30
/** The most output held for a terminal (a fast `yes` must not grow memory); older is dropped. */
export const MAX_PENDING_CHARS = 1024 * 1024
/** How long an exited shell nobody subscribes to is kept for a late subscriber. */
const UNCLAIMED_EXIT_MS = 60_000

/** A pty with its output queue and (at most one) subscriber. */
export class TerminalSession {
  private pending: string[] = []
  private pendingChars = 0
  private timer?: NodeJS.Timeout
  private listener?: (out: TerminalOutput) => void
  private exit?: TerminalOutput['exit']
  private exitSent = false

  constructor(
    readonly id: string,
    readonly pty: IPty,
    banner: string,
    private readonly onDone: (session: TerminalSession) => void
  ) {
    if (banner) this.push(banner)
    pty.onData((data) => this.push(data))
    pty.onExit(({ exitCode, signal }) => {
      this.exit = {
        code: signal ? null : exitCode,
        ...(signal ? { signal: signalName(signal) } : {})
      }
      this.flush()
      if (!this.exitSent) {
        setTimeout(() => {
          if (!this.exitSent) this.onDone(this)
        }, UNCLAIMED_EXIT_MS).unref()
      }
    })
  }

  /** True once the shell has exited. */
  get exited(): boolean {
    return this.exit !== undefined
  }

  /** Sends held output and later output to `listener` (replacing an earlier subscriber). */
  subscribe(listener: (out: TerminalOutput) => void): () => void {
    this.listener = listener
    this.flush()
    return () => {
      if (this.listener === listener) this.listener = undefined
    }
  }

  /** Kills the shell (SIGHUP, as closing a terminal window does). */
  kill(): void {
    if (this.exited) return
    try {
      this.pty.kill('SIGHUP')
    } catch {
      // Already gone.
    }
  }

  private push(data: string): void {
    this.pending.push(data)
    this.pendingChars += data.length
    while (this.pendingChars > MAX_PENDING_CHARS && this.pending.length > 1) {
      this.pendingChars -= this.pending.shift()!.length
    }
    this.timer ??= setTimeout(() => this.flush(), OUTPUT_BATCH_MS)
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const listener = this.listener
    if (!listener) return
    if (this.pending.length > 0) {
      const data = this.pending.join('')
      this.pending = []
      this.pendingChars = 0
      listener({ data })
    }
    if (this.exit && !this.exitSent) {
      this.exitSent = true
      listener({ exit: this.exit })
      this.onDone(this)
    }
  }
}

function signalName(signal: number): string {
  const names: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' }
  return names[signal] ?? `signal ${signal}`
}
