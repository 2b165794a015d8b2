/**
 * List-then-watch until a condition holds over the objects seen: the state every event leaves
 * is handed to `done`, which answers true when the wait is over.
 */
import { performance } from 'node:perf_hooks'
import type { ApiClient, KubeObject, Watch, WatchEvent } from './api-client'

/** Lists `path`, then watches it; `onChange` sees every object (list items, then events). */
export async function listAndWatch(
  api: ApiClient,
  path: string,
  onChange: (obj: KubeObject, event: WatchEvent) => void
): Promise<Watch> {
  const list = await api.json<{ metadata: { resourceVersion: string }; items: KubeObject[] }>(
    'GET',
    path
  )
  const now = performance.now()
  for (const item of list.items) onChange(item, { type: 'ADDED', object: item, at: now })
  return api.watch(path, list.metadata.resourceVersion, (event) => {
    if (event.type === 'ADDED' || event.type === 'MODIFIED') onChange(event.object, event)
  })
}

/**
 * Resolves with the time (performance.now()) `done()` first answered true after a change;
 * rejects when the watch fails, `timeoutMs` passes (`describe()` says what was missing) or
 * `abort()` answers a reason.
 */
export async function watchUntil(
  api: ApiClient,
  path: string,
  onChange: (obj: KubeObject) => void,
  done: () => boolean,
  timeoutMs: number,
  describe: () => string,
  abort: () => string | undefined = () => undefined
): Promise<number> {
  let finish: (at: number) => void = () => undefined
  const reached = new Promise<number>((resolve) => (finish = resolve))
  const watch = await listAndWatch(api, path, (obj, event) => {
    onChange(obj)
    if (done()) finish(event.at)
  })
  let timer: NodeJS.Timeout | undefined
  let poll: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      reached,
      new Promise<never>((_, reject) => {
        poll = setInterval(() => {
          const why = abort()
          if (why) reject(new Error(`${describe()}: ${why}`))
        }, 250)
      }),
      watch.ended.then(() => Promise.reject(new Error(`watch ${path} ended`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`not reached after ${timeoutMs / 1000} s: ${describe()}`)),
          timeoutMs
        )
      })
    ])
  } finally {
    clearTimeout(timer)
    clearInterval(poll)
    watch.close()
  }
}

/** True when a Node's Ready condition is True. */
export function nodeReady(node: KubeObject): boolean {
  const conditions = (node.status?.conditions ?? []) as { type: string; status: string }[]
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True')
}

/** Worker nodes are every node but the control plane's. */
export function isWorker(node: KubeObject): boolean {
  return node.metadata.name !== 'kubedesk-control-plane'
}
