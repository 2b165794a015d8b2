/**
 * Follows a component's log through the data directory's log hub: the last `tail` lines (the
 * ring buffer, or the log files when the ring holds fewer), then every new line.
 */
import { isComponentName } from '../../../observe/component-log'
import { logHubFor } from '../../../observe/log-hub'
import type { LogLine } from '../../../../shared/desktop-api'
import { lastComponentLines } from './file-tail'
import { componentNames } from './log-sources'
import { toLogLine } from './log-line'

/** Starts following `component`; answers the stop function. Throws for an unknown component. */
export function followComponent(
  dataDir: string,
  component: string,
  tail: number,
  onLines: (lines: LogLine[]) => void
): () => void {
  // A kubelet may not have logged in this process yet (a node being added): follow it anyway.
  const known = componentNames(dataDir).has(component) || component.startsWith('kubelet-')
  if (typeof component !== 'string' || !isComponentName(component) || !known) {
    throw new Error(`no log named ${JSON.stringify(component)} in this cluster`)
  }
  const hub = logHubFor(dataDir)
  const sink = hub.get(component) ?? hub.sink(component)
  // Subscribed, flushed and read in one turn: no line can fall between the tail and the follow.
  const unsubscribe = sink.subscribe((line) => onLines([toLogLine(line)]))
  let initial = sink.recent(tail)
  if (initial.length < tail) {
    sink.flush()
    const fromFiles = lastComponentLines(dataDir, component, tail)
    if (fromFiles.length > initial.length) initial = fromFiles
  }
  if (initial.length > 0) onLines(initial.map(toLogLine))
  return unsubscribe
}
