/**
 * The desktop host: the main-process implementation of the desktop API that both transports
 * (Electron IPC and browser mode's WebSocket) serve. It assembles the read side (status, lists,
 * detail, overview, metrics), the actions, logs and terminals, and start-up progress, and routes
 * each subscription to its topic. A topic that does not exist or a bad parameter ends the
 * subscription with a readable message; `close()` stops every watch, timer, log and terminal.
 */
import type {
  DesktopHostApi,
  TopicName,
  TopicParams,
  TopicUpdate,
  Unsubscribe
} from '../../../shared/desktop-api'
import { DESKTOP_TOPICS } from '../../../shared/desktop-api'
import { errorMessage } from '../../../shared/desktop-wire'
import { createActions } from './actions/index'
import type { HostContext } from './host-context'
import { createLogs } from './logs/index'
import { createReadTopics, type ReadTopicsOptions } from './read-topics'
import { getResource } from './resource-detail'
import { getStatus, listNamespaces } from './status'
import { createTerminals } from './terminals/index'

type Emit = (update: unknown) => void
type Fail = (message: string) => void

/** Creates the host for `ctx`; `options` tune batching and polling (tests). */
export function createDesktopHost(
  ctx: HostContext,
  options: ReadTopicsOptions = {}
): DesktopHostApi & { close(): void } {
  const read = createReadTopics(ctx, options)
  const actions = createActions(ctx)
  const logs = createLogs(ctx)
  const terminals = createTerminals(ctx)
  let closed = false
  // Every live subscription's end, so close() ends them all.
  const live = new Set<() => void>()

  const startup = (emit: Emit): Unsubscribe => {
    let subscribed = true
    // The state now, then after each change (the source only reports changes).
    queueMicrotask(() => {
      if (subscribed) emit(ctx.startup.current())
    })
    const stop = ctx.startup.subscribe((state) => emit(state))
    return () => {
      subscribed = false
      stop()
    }
  }

  const topics: Record<TopicName, (params: never, emit: Emit, fail: Fail) => Unsubscribe> = {
    status: (_params: never, emit) => read.status(emit),
    startup: (_params: never, emit) => startup(emit),
    cluster: (_params: never, emit, fail) => read.cluster(emit, fail),
    nodes: (_params: never, emit, fail) => read.nodes(emit, fail),
    pods: (params: TopicParams<'pods'>, emit, fail) => read.pods(params, emit, fail),
    resources: (params: TopicParams<'resources'>, emit, fail) => read.resources(params, emit, fail),
    events: (params: TopicParams<'events'>, emit, fail) => read.events(params, emit, fail),
    logs: (params: TopicParams<'logs'>, emit, fail) => logs.subscribeLogs(params, emit, fail),
    metrics: (_params: never, emit, fail) => read.metrics(emit, fail),
    terminal: (params: TopicParams<'terminal'>, emit, fail) =>
      terminals.subscribeTerminal(params, emit, fail)
  }

  return {
    getStatus: () => getStatus(ctx),
    getResource: async (input) => getResource(ctx, input?.ref),
    listNamespaces: () => listNamespaces(ctx),
    nodeAction: (input) => actions.nodeAction(input),
    workloadAction: (input) => actions.workloadAction(input),
    applyYaml: (input) => actions.applyYaml(input),
    deploy: (input) => actions.deploy(input),
    listLogSources: () => logs.listLogSources(),
    openTerminal: (input) => terminals.openTerminal(input),
    writeTerminal: (input) => terminals.writeTerminal(input),
    resizeTerminal: (input) => terminals.resizeTerminal(input),
    closeTerminal: (input) => terminals.closeTerminal(input),

    subscribe<T extends TopicName>(
      topic: T,
      params: TopicParams<T>,
      emit: (update: TopicUpdate<T>) => void,
      fail: (message: string) => void
    ): Unsubscribe {
      let ended = false
      let stop: Unsubscribe | undefined
      const end = (): void => {
        if (ended) return
        ended = true
        live.delete(end)
        stop?.()
      }
      const failOnce = (message: string): void => {
        if (ended) return
        end()
        fail(message)
      }
      if (closed) {
        failOnce('the desktop host is closed')
        return end
      }
      if (!(DESKTOP_TOPICS as readonly string[]).includes(topic)) {
        const known = DESKTOP_TOPICS.join(', ')
        failOnce(`unknown topic "${String(topic)}" (one of ${known})`)
        return end
      }
      live.add(end)
      try {
        stop = topics[topic](
          params as never,
          (update) => {
            if (!ended) emit(update as TopicUpdate<T>)
          },
          failOnce
        )
      } catch (err) {
        failOnce(errorMessage(err))
      }
      // `fail` may have run inside the topic, before `stop` was known.
      if (ended) stop?.()
      return end
    },

    close() {
      if (closed) return
      closed = true
      for (const end of [...live]) end()
      read.close()
      logs.close()
      terminals.close()
    }
  }
}
