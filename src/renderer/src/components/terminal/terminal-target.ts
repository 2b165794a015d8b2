/** How terminal targets read in tabs and messages. */
import type { TerminalOutput, TerminalTarget } from '../../../../shared/desktop-api'

/** "kubectl" or "node kubedesk-worker". */
export function targetLabel(target: TerminalTarget): string {
  return target.kind === 'kubectl' ? 'kubectl' : `node ${target.node}`
}

/** How a shell ended: "exited with code 0", "killed by SIGKILL". */
export function exitText(exit: NonNullable<TerminalOutput['exit']>): string {
  if (exit.signal) return `killed by ${exit.signal}`
  return exit.code === null ? 'exited' : `exited with code ${exit.code}`
}
