/**
 * Follows a pod container's log as `kubectl logs -f` does, through the API server's pods/log
 * path in process (ControlPlane.podLog: mirror pods from the control plane, others from their
 * kubelet). When the stream ends while the pod still runs (the container restarted) it is
 * opened again for the new lines; a pod that is deleted, or has finished, ends the follow. Pods
 * on simulated nodes have the fake runtime's log (what it simulated), served the same way.
 */
import { ApiError } from '../../../apiserver/api-errors'
import type { ControlPlane } from '../../../control-plane'
import type { LogLine } from '../../../../shared/desktop-api'
import { errorMessage } from '../../../../shared/desktop-wire'
import { POD_TYPE } from '../resource-types'
import { toLogLine } from './log-line'

const RETRY_MIN_MS = 500
const RETRY_MAX_MS = 5000

/** What the follow reports besides lines. */
export interface PodFollowEvents {
  lines(lines: LogLine[]): void
  /** The follow is over for good (the pod went away): a readable reason. */
  end(message: string): void
}

/** Starts following; answers the stop function. */
export function followPod(
  controlPlane: ControlPlane,
  pod: { namespace: string; name: string; container: string },
  tail: number,
  events: PodFollowEvents
): () => void {
  const label = `pod ${pod.namespace}/${pod.name}`
  let stopped = false
  let stream: (NodeJS.ReadableStream & { destroy(): void }) | undefined
  let timer: NodeJS.Timeout | undefined
  let delay = RETRY_MIN_MS
  let lastWaiting = ''
  let tailLines = tail

  const retry = (): void => {
    if (stopped) return
    timer = setTimeout(() => void open(), delay)
    delay = Math.min(delay * 2, RETRY_MAX_MS)
  }

  /** After the stream ended or failed: is the pod still worth following? */
  const check = async (err?: unknown): Promise<void> => {
    if (stopped) return
    const client = controlPlane.apiClient
    let phase: string | undefined
    try {
      if (!client) throw new Error('the control plane stopped')
      const current = await client.get(POD_TYPE, pod.namespace, pod.name)
      phase = (current.status as { phase?: string } | undefined)?.phase
    } catch (e) {
      if (stopped) return
      const gone = e instanceof ApiError && e.code === 404
      return events.end(gone ? `${label} is gone (it was deleted)` : `${label}: ${String(e)}`)
    }
    if (stopped) return
    if (err instanceof ApiError && err.code === 400 && /is not valid for pod/.test(err.message)) {
      return events.end(err.message)
    }
    if (!err && (phase === 'Succeeded' || phase === 'Failed')) {
      return events.end(`${label} has finished (${phase}); its log ends here`)
    }
    if (err) {
      // Not running yet (ContainerCreating, a pull), or its kubelet is away: say so once, retry.
      const message = errorMessage(err)
      if (message !== lastWaiting) {
        lastWaiting = message
        events.lines([{ text: `waiting for the log of ${label}: ${message}`, level: 'warning' }])
      }
    }
    retry()
  }

  const open = async (): Promise<void> => {
    timer = undefined
    if (stopped) return
    let opened
    try {
      opened = await controlPlane.podLog(pod.namespace, pod.name, {
        container: pod.container,
        follow: true,
        previous: false,
        timestamps: false,
        tailLines
      })
    } catch (err) {
      return check(err)
    }
    if (stopped) {
      opened.destroy()
      return
    }
    stream = opened
    // Reopened after an end: only what comes after.
    tailLines = 0
    lastWaiting = ''
    let partial = ''
    opened.setEncoding('utf8')
    opened.on('data', (chunk: string) => {
      delay = RETRY_MIN_MS
      const parts = (partial + chunk).split('\n')
      partial = parts.pop() ?? ''
      if (parts.length > 0) events.lines(parts.map(toLogLine))
    })
    let ended = false
    const finish = (): void => {
      if (ended) return
      ended = true
      if (partial !== '') events.lines([toLogLine(partial)])
      partial = ''
      stream = undefined
      void check()
    }
    opened.on('end', finish)
    opened.on('close', finish)
    opened.on('error', finish)
  }

  void open()
  return () => {
    stopped = true
    if (timer) clearTimeout(timer)
    stream?.destroy()
    stream = undefined
  }
}
