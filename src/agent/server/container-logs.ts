/**
 * `GET /containerLogs/{namespace}/{pod}/{container}`: the kubelet's log endpoint, what
 * kube-apiserver's `pods/log` proxies to. Finds the container by its CRI labels (the current run
 * is the highest restartCount, `previous` the run before it) and streams the runtime's log.
 */
import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import {
  LABELS,
  type ContainerRuntime,
  type ContainerStatus,
  type LogOptions
} from '../runtime/types'
import { boolQuery, HttpError, intQuery } from './http-util'

/** The query of /containerLogs, decoded (kubelet's PodLogOptions). */
export interface ContainerLogQuery extends LogOptions {
  previous: boolean
}

/** Decodes and checks the query; 400 HttpError on bad values. */
export function parseLogQuery(q: URLSearchParams, now: Date = new Date()): ContainerLogQuery {
  const tailLines = intQuery(q, 'tailLines', 0)
  const limitBytes = intQuery(q, 'limitBytes', 1)
  const sinceSeconds = intQuery(q, 'sinceSeconds', 1)
  const sinceTimeText = q.get('sinceTime') || undefined
  if (sinceSeconds !== undefined && sinceTimeText !== undefined) {
    throw new HttpError(400, 'at most one of `sinceTime` or `sinceSeconds` may be specified')
  }
  let since: Date | undefined
  if (sinceSeconds !== undefined) since = new Date(now.getTime() - sinceSeconds * 1000)
  if (sinceTimeText !== undefined) {
    since = new Date(sinceTimeText)
    if (Number.isNaN(since.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(sinceTimeText)) {
      throw new HttpError(
        400,
        `invalid value for sinceTime: ${JSON.stringify(sinceTimeText)} (expected RFC 3339)`
      )
    }
  }
  return {
    follow: boolQuery(q, 'follow') ?? false,
    timestamps: boolQuery(q, 'timestamps') ?? false,
    previous: boolQuery(q, 'previous') ?? false,
    tailLines,
    limitBytes,
    since
  }
}

/**
 * The container whose log is wanted: the runs of `container` in the pod, newest attempt first;
 * `previous` picks the run before the newest. 404 HttpError when there is none.
 */
export async function findLogContainer(
  runtime: ContainerRuntime,
  namespace: string,
  pod: string,
  container: string,
  previous: boolean
): Promise<ContainerStatus> {
  const runs = await runtime.listContainers({
    labels: {
      [LABELS.podNamespace]: namespace,
      [LABELS.podName]: pod,
      [LABELS.containerName]: container
    }
  })
  runs.sort((a, b) => b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime())
  if (previous) {
    const before = runs[1]
    if (!before) {
      throw new HttpError(
        404,
        `previous terminated container "${container}" in pod "${pod}" not found`
      )
    }
    return before
  }
  if (!runs[0]) {
    throw new HttpError(404, `container "${container}" in pod "${pod}" is not available`)
  }
  return runs[0]
}

/**
 * Streams a container's log into `res` (text/plain, chunked). With `follow` the answer lasts
 * until the container exits or the client goes away; the runtime's stream is destroyed then.
 */
export async function serveContainerLogs(
  runtime: ContainerRuntime,
  path: { namespace: string; pod: string; container: string },
  q: URLSearchParams,
  res: ServerResponse
): Promise<void> {
  const opts = parseLogQuery(q)
  const target = await findLogContainer(
    runtime,
    path.namespace,
    path.pod,
    path.container,
    opts.previous
  )
  const { previous: _previous, ...logOpts } = opts
  const stream: Readable = await runtime.containerLogs(target.id, logOpts)
  if (res.destroyed) {
    stream.destroy()
    return
  }
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Transfer-Encoding': 'chunked',
    'X-Content-Type-Options': 'nosniff'
  })
  res.flushHeaders()
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.destroy()
      resolve()
    }
    res.on('close', done)
    stream.on('error', () => {
      res.destroy()
      done()
    })
    stream.on('end', () => res.end(done))
    stream.pipe(res, { end: false })
  })
}
