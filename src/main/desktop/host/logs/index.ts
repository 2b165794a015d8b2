/**
 * The desktop host's logs: the picker's sources and the `logs` topic (the last lines, then
 * follow), for components through the log hub and for pods through the pods/log path, each
 * subscription batched (≤ 10 pushes a second) and stopped on unsubscribe.
 */
import type { DesktopCalls, LogLine, LogQuery, Unsubscribe } from '../../../../shared/desktop-api'
import type { HostContext } from '../host-context'
import { errorMessage } from '../../../../shared/desktop-wire'
import { followComponent } from './component-follow'
import { LogBatcher } from './log-batcher'
import { listLogSources } from './log-sources'
import { followPod } from './pod-follow'

/** The default number of lines a subscription starts with. */
export const DEFAULT_TAIL = 500
const MAX_TAIL = 10_000

/** The logs part of the desktop host. */
export interface HostLogs {
  listLogSources: DesktopCalls['listLogSources']
  subscribeLogs(
    params: LogQuery,
    emit: (lines: LogLine[]) => void,
    fail: (message: string) => void
  ): Unsubscribe
  /** Ends every subscription. */
  close(): void
}

/** Makes the logs part for `ctx`. */
export function createLogs(ctx: HostContext): HostLogs {
  const open = new Set<() => void>()

  function subscribeLogs(
    params: LogQuery,
    emit: (lines: LogLine[]) => void,
    fail: (message: string) => void
  ): Unsubscribe {
    const batcher = new LogBatcher(emit)
    let stop: (() => void) | undefined
    let done = false
    const end = (): void => {
      if (done) return
      done = true
      open.delete(end)
      batcher.close()
      stop?.()
    }
    try {
      const tail = tailOf(params?.tail)
      const source = params?.source
      if (source?.kind === 'component') {
        stop = followComponent(ctx.dataDir, source.name, tail, (lines) => batcher.add(lines))
      } else if (source?.kind === 'pod') {
        for (const field of ['namespace', 'name', 'container'] as const) {
          if (typeof source[field] !== 'string' || source[field] === '') {
            throw new Error(`a pod log source needs its ${field}`)
          }
        }
        stop = followPod(ctx.controlPlane, source, tail, {
          lines: (lines) => batcher.add(lines),
          end: (message) => {
            batcher.flush()
            end()
            fail(message)
          }
        })
      } else {
        throw new Error('a log source is a component or a pod container')
      }
    } catch (err) {
      end()
      // Failing synchronously would reach the transport before it has the unsubscribe function.
      queueMicrotask(() => fail(errorMessage(err)))
      return () => undefined
    }
    // The initial tail goes out at once (once the caller has the unsubscribe function); later
    // lines in batches.
    queueMicrotask(() => batcher.flush())
    open.add(end)
    return end
  }

  return {
    listLogSources: () => listLogSources(ctx),
    subscribeLogs,
    close: () => {
      for (const end of [...open]) end()
    }
  }
}

function tailOf(tail: unknown): number {
  if (tail === undefined) return DEFAULT_TAIL
  if (typeof tail !== 'number' || !Number.isInteger(tail) || tail < 0) {
    throw new Error(`tail must be a whole number of lines, not ${String(tail)}`)
  }
  return Math.min(tail, MAX_TAIL)
}
