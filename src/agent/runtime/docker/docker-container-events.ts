/**
 * The docker runtime's container event stream (CRI `GetContainerEvents`, for the evented PLEG):
 * the engine's `/events`, filtered to containers carrying this node's label and to the actions
 * that change a container's state. An idle node then costs the engine and the kubelet nothing,
 * where a relist every second costs a container listing each time.
 */
import type Dockerode from 'dockerode'
import type { Readable } from 'node:stream'
import {
  LABELS,
  type ContainerEvent,
  type ContainerEventHandlers,
  type ContainerEventWatch
} from '../types'
import { onEngineEventLines, type EngineEvent } from './engine-event-lines'

/**
 * Engine actions after which a container is in another state: created, running, exited, gone,
 * paused or running again. exec_*, attach, resize and health_status change nothing the kubelet
 * reads, and exec probes would otherwise wake it on every run.
 */
export const STATE_ACTIONS = [
  'create',
  'start',
  'restart',
  'die',
  'destroy',
  'pause',
  'unpause',
  'oom'
]

/** The container event of one line of the engine's stream; undefined for anything else. */
export function containerEventOf(line: string): ContainerEvent | undefined {
  let e: EngineEvent
  try {
    e = JSON.parse(line) as EngineEvent
  } catch {
    return undefined
  }
  if (e.Type !== 'container' || !e.Actor?.ID) return undefined
  if (!STATE_ACTIONS.includes((e.Action ?? '').split(':')[0])) return undefined
  const podUid = e.Actor.Attributes?.[LABELS.podUid]
  return { containerId: e.Actor.ID, ...(podUid ? { podUid } : {}) }
}

/** Watches the state changes of `nodeName`'s containers until `close()` or the stream ends. */
export function watchDockerContainerEvents(
  docker: Dockerode,
  nodeName: string,
  handlers: ContainerEventHandlers
): ContainerEventWatch {
  let closed = false
  let ended = false
  let stream: Readable | undefined
  const end = (err?: Error): void => {
    if (ended) return
    ended = true
    if (!closed) handlers.onEnd(err)
  }
  docker
    .getEvents({
      filters: { type: ['container'], event: STATE_ACTIONS, label: [`${LABELS.node}=${nodeName}`] }
    })
    .then((events) => {
      const readable = events as unknown as Readable
      if (closed) return readable.destroy()
      stream = readable
      onEngineEventLines(readable, (line) => {
        const event = containerEventOf(line)
        if (event && !closed) handlers.onEvent(event)
      })
      readable.on('error', (err: Error) => end(err))
      readable.on('close', () => end())
      // The engine answers the request when the stream opens: nothing is missed from here on.
      handlers.onConnected()
    })
    .catch((err: Error) => end(err))
  return {
    close() {
      closed = true
      stream?.destroy()
    }
  }
}
