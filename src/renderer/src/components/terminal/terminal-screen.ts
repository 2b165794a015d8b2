/**
 * The screen a terminal draws on: xterm.js with its fit addon, behind a small interface so the
 * component tests can put a fake in its place (happy-dom has no canvas or layout).
 */
import { FitAddon } from '@xterm/addon-fit'
import { Terminal } from '@xterm/xterm'
import '@xterm/xterm/css/xterm.css'
import type { InjectionKey } from 'vue'

/** A terminal's size in character cells. */
export interface TerminalSize {
  cols: number
  rows: number
}

export interface TerminalScreen {
  /** Attaches to `parent` (once). */
  open(parent: HTMLElement): void
  /** Fits the screen to its parent and answers the resulting size. */
  fit(): TerminalSize
  write(data: string): void
  /** Keystrokes (and pastes) as the shell should get them. */
  onData(listener: (data: string) => void): void
  focus(): void
  dispose(): void
}

export type TerminalScreenFactory = () => TerminalScreen

/** Where tests provide a factory of their own. */
export const terminalScreenFactoryKey: InjectionKey<TerminalScreenFactory> =
  Symbol('TerminalScreenFactory')

/** The real screen. */
export const createXtermScreen: TerminalScreenFactory = () => {
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: "ui-monospace, 'SF Mono', Menlo, Consolas, monospace",
    fontSize: 13,
    scrollback: 5000,
    theme: { background: '#0f172a', foreground: '#e2e8f0' }
  })
  const fitAddon = new FitAddon()
  term.loadAddon(fitAddon)
  return {
    open: (parent) => term.open(parent),
    fit() {
      // A hidden parent (another tab is shown) has no size: keep the current one then.
      if (fitAddon.proposeDimensions()) fitAddon.fit()
      return { cols: term.cols, rows: term.rows }
    },
    write: (data) => term.write(data),
    onData: (listener) => void term.onData(listener),
    focus: () => term.focus(),
    dispose: () => term.dispose()
  }
}
