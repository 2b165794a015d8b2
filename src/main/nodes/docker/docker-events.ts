/**
 * Docker engine events of this cluster's containers, as the `docker` component log: each node
 * container and pod container that is created, started, stopped, killed, dies (with its exit
 * code), runs out of memory or is destroyed, one line each, like `docker events` prints them:
 *
 *   W1203 18:04:05.123456   4242 docker] "container die" id="3f2a…" name="k8s_web_web-7d…"
 *     node="kubedesk-worker" pod="default/web-7d…" container="web" exitCode=137
 *
 * Read from the engine's event stream filtered to containers with KubeDesk's node label, then
 * kept to ours: node containers labelled with this data directory, and pod containers on one of
 * those nodes (node names are global on an engine, so another data directory's cluster could
 * use the same label values; it cannot use our data directory). Reconnects after the engine
 * restarts, from the last event seen.
 */
import type Dockerode from 'dockerode'
import type { Readable } from 'node:stream'
import {
  onEngineEventLines,
  type EngineEvent
} from '../../../agent/runtime/docker/engine-event-lines'
import { LABELS } from '../../../agent/runtime/types'
import type { ComponentLog } from '../../observe/component-log'
import { CLUSTER_LABEL } from './cluster-network'
import { ROLE_LABEL } from './docker-provider'

/** The component name of Docker engine events in logs. */
export const DOCKER_EVENTS_COMPONENT = 'docker'

/** Container actions worth a line (exec_* and attach happen far too often to be news). */
export const LOGGED_ACTIONS = [
  'create',
  'start',
  'restart',
  'stop',
  'kill',
  'die',
  'oom',
  'destroy'
]

const RECONNECT_MS = 2_000

/** A running event watch. */
export interface DockerEventWatch {
  /** Stops watching. */
  close(): void
}

/** Starts logging `dataDir`'s container events to `log`. */
export function watchDockerEvents(
  docker: Dockerode,
  dataDir: string,
  log: Pick<ComponentLog, 'info' | 'warn'>
): DockerEventWatch {
  const nodes = new Set<string>()
  let closed = false
  let stream: Readable | undefined
  let timer: NodeJS.Timeout | undefined
  let since = Math.floor(Date.now() / 1000)

  const ours = (attrs: Record<string, string>): boolean => {
    const node = attrs[LABELS.node]
    if (!node) return false
    if (attrs[ROLE_LABEL] === 'worker') {
      if (attrs[CLUSTER_LABEL] !== dataDir) return false
      nodes.add(node)
      return true
    }
    return nodes.has(node)
  }

  const onEvent = (e: EngineEvent): void => {
    if (e.Type !== 'container' || !e.Action) return
    if (e.time) since = e.time
    const attrs = e.Actor?.Attributes ?? {}
    if (!ours(attrs)) return
    const action = e.Action.split(':')[0]
    if (!LOGGED_ACTIONS.includes(action)) return
    const isNode = attrs[ROLE_LABEL] === 'worker'
    const namespace = attrs[LABELS.podNamespace]
    const exitCode = attrs.exitCode === undefined ? undefined : Number(attrs.exitCode)
    const values = {
      id: e.Actor?.ID?.slice(0, 12),
      name: attrs.name,
      node: attrs[LABELS.node],
      role: isNode ? 'node' : attrs[LABELS.type],
      pod: namespace ? `${namespace}/${attrs[LABELS.podName]}` : undefined,
      container: attrs[LABELS.containerName],
      exitCode,
      signal: attrs.signal
    }
    const bad = action === 'oom' || (action === 'die' && exitCode !== 0 && exitCode !== undefined)
    ;(bad ? log.warn : log.info)(`container ${action}`, values)
  }

  const reconnect = (): void => {
    stream = undefined
    if (closed || timer) return
    timer = setTimeout(() => {
      timer = undefined
      connect()
    }, RECONNECT_MS)
    timer.unref()
  }

  const connect = (): void => {
    if (closed) return
    docker
      .getEvents({
        since,
        filters: { type: ['container'], event: LOGGED_ACTIONS, label: [LABELS.node] }
      })
      .then((events) => {
        const readable = events as unknown as Readable
        if (closed) return readable.destroy()
        stream = readable
        onEngineEventLines(readable, (line) => {
          try {
            onEvent(JSON.parse(line) as EngineEvent)
          } catch {
            // A line that is not JSON is not an event.
          }
        })
        readable.on('error', () => undefined)
        readable.on('close', reconnect)
      })
      .catch(reconnect)
  }

  // Our nodes as they are now, so pod containers of adopted nodes count from the first event.
  docker
    .listContainers({
      all: true,
      filters: { label: [`${CLUSTER_LABEL}=${dataDir}`, `${ROLE_LABEL}=worker`] }
    })
    .then((found) => {
      for (const c of found) {
        const node = c.Labels?.[LABELS.node]
        if (node) nodes.add(node)
      }
    })
    .catch(() => undefined)
    .finally(connect)

  return {
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
      stream?.destroy()
      stream = undefined
    }
  }
}
