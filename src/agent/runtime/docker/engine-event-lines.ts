/**
 * The Docker engine's `/events` stream as lines: the engine writes one JSON object per line, and
 * a chunk may end mid-line. Used by the kubelet's container events and the control plane's
 * `docker` component log.
 */
import type { Readable } from 'node:stream'

/** One event as the engine's API sends it (the fields KubeDesk reads). */
export interface EngineEvent {
  Type?: string
  Action?: string
  time?: number
  timeNano?: number
  Actor?: { ID?: string; Attributes?: Record<string, string> }
}

/** Calls `onLine` with each non-empty line of `stream`, as the lines complete. */
export function onEngineEventLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = ''
  stream.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') onLine(line)
  })
}
