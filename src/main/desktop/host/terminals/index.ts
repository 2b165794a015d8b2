/**
 * The desktop host's terminals: openTerminal starts a shell on a pty (node-pty, loaded lazily)
 * for a node or for kubectl; the `terminal` topic carries its output and, once, how it ended;
 * write, resize and close act on it by its random id.
 */
import { randomBytes } from 'node:crypto'
import type { DesktopCalls, TerminalOutput, Unsubscribe } from '../../../../shared/desktop-api'
import type { HostContext } from '../host-context'
import { errorMessage } from '../../../../shared/desktop-wire'
import { loadPty } from './pty-loader'
import { shellFor } from './shell-command'
import { TerminalSession } from './terminal-session'

/** The most input one writeTerminal may carry (a large paste is fine, a flood is not). */
export const MAX_INPUT_CHARS = 64 * 1024
/** Terminals one host keeps open at once. */
const MAX_TERMINALS = 32
const MAX_COLS = 1000
const MAX_ROWS = 500

/** The terminals part of the desktop host. */
export type HostTerminals = Pick<
  DesktopCalls,
  'openTerminal' | 'writeTerminal' | 'resizeTerminal' | 'closeTerminal'
> & {
  subscribeTerminal(
    params: { id: string },
    emit: (out: TerminalOutput) => void,
    fail: (message: string) => void
  ): Unsubscribe
  /** Kills every shell. */
  close(): void
}

/** Makes the terminals part for `ctx`. */
export function createTerminals(ctx: HostContext): HostTerminals {
  const sessions = new Map<string, TerminalSession>()

  const sessionOf = (id: unknown): TerminalSession => {
    const session = typeof id === 'string' ? sessions.get(id) : undefined
    if (!session)
      throw new Error(`no open terminal ${JSON.stringify(id)} (it was closed or has exited)`)
    return session
  }

  return {
    async openTerminal(input) {
      const { cols, rows } = checkSize(input?.cols, input?.rows)
      if (sessions.size >= MAX_TERMINALS) {
        throw new Error(`at most ${MAX_TERMINALS} terminals can be open; close one first`)
      }
      const command = await shellFor(ctx.controlPlane, ctx.dataDir, input?.target)
      const pty = await loadPty()
      let proc
      try {
        proc = pty.spawn(command.file, command.args, {
          name: 'xterm-256color',
          cols,
          rows,
          cwd: command.cwd,
          env: command.env
        })
      } catch (err) {
        throw new Error(`cannot start ${command.file}: ${errorMessage(err)}`)
      }
      const id = randomBytes(12).toString('hex')
      const session = new TerminalSession(id, proc, command.banner, (done) => {
        if (sessions.get(done.id) === done) sessions.delete(done.id)
      })
      sessions.set(id, session)
      return { id, title: command.title }
    },

    async writeTerminal(input) {
      const session = sessionOf(input?.id)
      const data = input?.data
      if (typeof data !== 'string') throw new Error('terminal input must be text')
      if (data.length > MAX_INPUT_CHARS) {
        throw new Error(`terminal input is limited to ${MAX_INPUT_CHARS} characters at a time`)
      }
      if (!session.exited) session.pty.write(data)
    },

    async resizeTerminal(input) {
      const session = sessionOf(input?.id)
      const { cols, rows } = checkSize(input?.cols, input?.rows)
      if (!session.exited) session.pty.resize(cols, rows)
    },

    async closeTerminal(input) {
      const session = typeof input?.id === 'string' ? sessions.get(input.id) : undefined
      if (!session) return
      sessions.delete(session.id)
      session.kill()
    },

    subscribeTerminal(params, emit, fail) {
      const session = typeof params?.id === 'string' ? sessions.get(params.id) : undefined
      if (!session) {
        queueMicrotask(() => fail(`no open terminal ${JSON.stringify(params?.id)}`))
        return () => undefined
      }
      let unsubscribe: Unsubscribe | undefined
      let stopped = false
      // Held output goes out once the caller has the unsubscribe function.
      queueMicrotask(() => {
        if (!stopped) unsubscribe = session.subscribe(emit)
      })
      return () => {
        stopped = true
        unsubscribe?.()
      }
    },

    close() {
      for (const session of sessions.values()) session.kill()
      sessions.clear()
    }
  }
}

function checkSize(cols: unknown, rows: unknown): { cols: number; rows: number } {
  const ok = (n: unknown, max: number): n is number =>
    typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= max
  if (!ok(cols, MAX_COLS) || !ok(rows, MAX_ROWS)) {
    throw new Error(
      `a terminal's size is 1–${MAX_COLS} columns by 1–${MAX_ROWS} rows, not ${String(cols)}×${String(rows)}`
    )
  }
  return { cols, rows }
}
