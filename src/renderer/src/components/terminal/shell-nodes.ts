/**
 * Which nodes the Terminal view offers for a node shell, in what order, and which one it picks
 * by itself: Ready workers first, then workers that are not Ready, the control-plane node last
 * (it runs the control plane's own processes and usually has no shell of its own).
 */
import type { NodeSummary } from '../../../../shared/desktop-api'

/** One entry of the node select. */
export interface ShellNode {
  name: string
  /** What the option reads: the name, with "(not ready)" or "(control plane)" when so. */
  label: string
  /** A Ready worker: what the view picks by itself. */
  preferred: boolean
}

const CONTROL_PLANE_ROLES = ['control-plane', 'master']

function isControlPlane(node: NodeSummary): boolean {
  return (node.roles ?? []).some((r) => CONTROL_PLANE_ROLES.includes(r))
}

/** 0: Ready worker, 1: worker not Ready, 2: control plane. */
function rank(node: NodeSummary): number {
  if (isControlPlane(node)) return 2
  return node.ready === 'True' ? 0 : 1
}

function labelOf(node: NodeSummary): string {
  const notes = [
    ...(node.ready === 'True' ? [] : ['not ready']),
    ...(isControlPlane(node) ? ['control plane'] : [])
  ]
  return notes.length ? `${node.name} (${notes.join(', ')})` : node.name
}

/** The select's entries, best choice first. */
export function shellNodes(nodes: readonly NodeSummary[]): ShellNode[] {
  return [...nodes]
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
    .map((n) => ({ name: n.name, label: labelOf(n), preferred: rank(n) === 0 }))
}

/**
 * The node to select after the list changed: the user's choice while it is still there; else
 * the current pick while it is a Ready worker (no jumping around); else the best entry.
 */
export function nextShellNode(
  entries: readonly ShellNode[],
  current: string,
  chosenByUser: boolean
): string {
  const now = entries.find((e) => e.name === current)
  if (now && (chosenByUser || now.preferred)) return current
  return entries[0]?.name ?? ''
}
