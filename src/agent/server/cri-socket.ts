/**
 * The socket `crictl` talks to: the kubelet's container runtime over HTTP+JSON on a unix socket
 * (where real nodes expose CRI gRPC at /run/containerd/containerd.sock). Read-only:
 *
 *   GET /version                       runtime name and version
 *   GET /pods                          sandboxes          GET /pods/<id>        one sandbox
 *   GET /containers[?all=1]            containers (running only unless all)
 *   GET /containers/<id>               one container      GET /images           images
 *   GET /containers/<id>/logs?tail=&follow=&timestamps=
 *
 * `<id>` may be any unique prefix of an ID, as crictl accepts.
 */
import { existsSync, unlinkSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { RuntimeNotFoundError, type ContainerRuntime } from '../runtime/types'
import { boolQuery, HttpError, intQuery, sendHttpError, sendJson } from './http-util'

/** The API version the socket speaks (crictl prints it as RuntimeApiVersion). */
export const CRI_SOCKET_API_VERSION = 'v1'

/** The single ID among `ids` that `prefix` names; 404 when none, 400 when several. */
export function resolveIdPrefix(ids: string[], prefix: string, what: string): string {
  if (!prefix) throw new HttpError(400, `an ID of a ${what} is required`)
  const exact = ids.find((id) => id === prefix)
  if (exact) return exact
  const matches = ids.filter((id) => id.startsWith(prefix))
  if (matches.length === 0) throw new HttpError(404, `${what} "${prefix}" not found`)
  if (matches.length > 1) {
    throw new HttpError(
      400,
      `${what} ID prefix "${prefix}" is ambiguous: it matches ${matches.length}`
    )
  }
  return matches[0]
}

async function route(
  runtime: ContainerRuntime,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  if (req.method !== 'GET') throw new HttpError(405, `method ${req.method} not allowed`)
  const url = new URL(req.url ?? '/', 'http://cri')
  const q = url.searchParams
  const [kind, rawId, sub, ...rest] = url.pathname
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent)
  if (rest.length > 0) throw new HttpError(404, `no such path: ${url.pathname}`)
  if (kind === 'version' && !rawId) {
    return sendJson(res, {
      version: '0.1.0',
      apiVersion: CRI_SOCKET_API_VERSION,
      ...(await runtime.version())
    })
  }
  if (kind === 'images' && !rawId) return sendJson(res, await runtime.listImages())
  if (kind === 'pods') {
    const pods = await runtime.listPodSandboxes()
    if (!rawId) return sendJson(res, pods)
    if (sub) throw new HttpError(404, `no such path: ${url.pathname}`)
    const id = resolveIdPrefix(
      pods.map((p) => p.id),
      rawId,
      'pod sandbox'
    )
    return sendJson(res, await runtime.podSandboxStatus(id))
  }
  if (kind === 'containers') {
    if (!rawId) {
      const all = boolQuery(q, 'all') ?? false
      return sendJson(res, await runtime.listContainers(all ? {} : { state: 'running' }))
    }
    const ids = (await runtime.listContainers()).map((c) => c.id)
    const id = resolveIdPrefix(ids, rawId, 'container')
    if (!sub) return sendJson(res, await runtime.containerStatus(id))
    if (sub !== 'logs') throw new HttpError(404, `no such path: ${url.pathname}`)
    const stream = await runtime.containerLogs(id, {
      follow: boolQuery(q, 'follow') ?? false,
      tailLines: intQuery(q, 'tail', 0),
      timestamps: boolQuery(q, 'timestamps') ?? false
    })
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
    res.on('close', () => stream.destroy())
    stream.on('error', () => res.destroy())
    stream.pipe(res)
    return
  }
  throw new HttpError(404, `no such path: ${url.pathname}`)
}

/**
 * Serves `runtime` on the unix socket `path` (a stale socket file left by a previous kubelet is
 * replaced). `close()` stops serving and removes the socket file.
 */
export async function startCriSocket(
  path: string,
  runtime: ContainerRuntime
): Promise<{ close(): Promise<void> }> {
  const server = createServer((req, res) => {
    route(runtime, req, res).catch((err: unknown) => {
      if (err instanceof URIError) err = new HttpError(400, 'malformed path')
      else if (err instanceof RuntimeNotFoundError) err = new HttpError(404, err.message)
      sendHttpError(res, err)
    })
  })
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  if (existsSync(path)) unlinkSync(path)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  let closed: Promise<void> | undefined
  return {
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }).then(() => {
        if (existsSync(path)) unlinkSync(path)
      })
      return closed
    }
  }
}
