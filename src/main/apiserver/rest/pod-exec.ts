/**
 * pods/<name>/exec (GET or POST with an upgrade), as kube-apiserver serves it: checks the
 * PodExecOptions (`command` repeated, `container`, `stdin`, `stdout`, `stderr`, `tty`), the pod
 * (bound, not finished, the container not known to be stopped) and the kubelet of its node, then
 * sends the upgrade on to that kubelet's `/exec/<ns>/<pod>/<container>` (the API server's
 * kubelet-client token, the kubelet's certificate verified against the cluster CA). Once the
 * kubelet switches protocols the two connections are spliced, byte for byte, like
 * kube-apiserver's upgrade-aware proxy: the WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) is
 * the kubelet's, end to end. Everything refused before that is a Status; a pod on a simulated
 * node (runtime `fake://`, no kubelet endpoint) is refused saying its containers have no processes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request } from 'node:https'
import type { Duplex } from 'node:stream'
import { isMirrorPod } from '../../../agent/kubelet/mirror-pod'
import { simulatedExecMessage } from '../../../agent/runtime/fake/fake-runtime'
import { ApiError, badRequest } from '../api-errors'
import { boolParam } from '../http/query'
import { upgradeOf } from '../http/upgrade'
import { findResourceByKind } from '../registry'
import type { KubeObject } from '../types'
import type { RestContext, Target } from './context'
import { kubeletBaseUrl, kubeletError, logContainerOf } from './pod-log'

/** How long to wait for the kubelet to accept or refuse the upgrade. */
const KUBELET_UPGRADE_TIMEOUT_MS = 10_000

/** Request headers passed on to the kubelet: the upgrade's own, nothing of the user's. */
const UPGRADE_HEADERS = [
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'x-stream-protocol-version',
  'user-agent'
]

/** PodExecOptions of a request, checked. */
export interface PodExecOptions {
  command: string[]
  container?: string
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

/** Decodes and validates the query (400 when bad). */
export function podExecOptions(q: URLSearchParams): PodExecOptions {
  const opts: PodExecOptions = {
    command: q.getAll('command'),
    container: q.get('container') || undefined,
    stdin: boolParam(q, 'stdin') ?? false,
    stdout: boolParam(q, 'stdout') ?? false,
    stderr: boolParam(q, 'stderr') ?? false,
    tty: boolParam(q, 'tty') ?? false
  }
  if (opts.command.length === 0 || !opts.command[0]) {
    throw badRequest('you must specify at least one command for the container')
  }
  if (!opts.stdin && !opts.stdout && !opts.stderr) {
    throw badRequest('you must specify at least 1 of stdin, stdout, stderr')
  }
  return opts
}

interface PodStatusView {
  phase?: string
  containerStatuses?: {
    name: string
    state?: { running?: object; waiting?: { reason?: string }; terminated?: { reason?: string } }
  }[]
}

/** 400 when the pod's status says the container cannot run a command now. */
function checkRunning(pod: KubeObject, container: string): void {
  const name = pod.metadata.name ?? ''
  const status = (pod.status ?? {}) as PodStatusView
  if (status.phase === 'Succeeded' || status.phase === 'Failed') {
    throw badRequest(
      `cannot exec into a container in a completed pod; current phase is ${status.phase}`
    )
  }
  const state = status.containerStatuses?.find((c) => c.name === container)?.state
  if (!state || state.running) return
  const why = state.waiting ? `waiting: ${state.waiting.reason ?? 'Waiting'}` : 'terminated'
  throw badRequest(`container ${container} in pod ${name} is not running (${why})`)
}

/** The node's `containerRuntimeVersion` (`docker://…`, `fake://…` on simulated nodes). */
function runtimeOf(node: KubeObject | undefined): string {
  const info = (node?.status as { nodeInfo?: { containerRuntimeVersion?: string } } | undefined)
    ?.nodeInfo
  return info?.containerRuntimeVersion ?? ''
}

function unavailable(nodeName: string, pod: string, cause?: string): ApiError {
  const why = cause ? ` (${cause})` : ''
  return new ApiError(
    503,
    'ServiceUnavailable',
    `no kubelet serves node "${nodeName}": cannot exec into pod "${pod}"${why}`
  )
}

/** The kubelet's path and query for `opts` (kubelet's names: input, output, error, tty). */
export function kubeletExecPath(
  namespace: string,
  pod: string,
  container: string,
  opts: PodExecOptions
): string {
  const params = new URLSearchParams()
  for (const word of opts.command) params.append('command', word)
  if (opts.stdin) params.set('input', '1')
  if (opts.stdout) params.set('output', '1')
  if (opts.stderr) params.set('error', '1')
  if (opts.tty) params.set('tty', '1')
  return (
    `/exec/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/` +
    `${encodeURIComponent(container)}?${params}`
  )
}

/** Serves pods/<name>/exec; resolves once the connection is handed over (or refused). */
export async function servePodExec(
  ctx: RestContext,
  target: Target,
  q: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const opts = podExecOptions(q)
  const podName = target.name ?? ''
  const pod = await ctx.storage.get(target.entry, target.namespace, podName)
  const container = logContainerOf(pod, opts.container)
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName
  if (!nodeName) throw badRequest(`pod ${podName} does not have a host assigned`)
  checkRunning(pod, container)
  if (isMirrorPod(pod)) {
    throw badRequest(
      `cannot exec into container "${container}" of pod "${target.namespace ?? ''}/${podName}": ` +
        `it mirrors a component that runs inside the KubeDesk process, not in a container`
    )
  }
  const client = upgradeOf(req)
  if (!client) throw badRequest('Upgrade request required')
  const nodeEntry = findResourceByKind('v1', 'Node')
  const node = nodeEntry
    ? await ctx.storage.get(nodeEntry, undefined, nodeName).catch(() => undefined)
    : undefined
  const base = kubeletBaseUrl(node)
  const kubelet = ctx.kubeletClient
  if (!base && runtimeOf(node).startsWith('fake://')) {
    const ref = `${target.namespace ?? ''}/${podName}`
    throw badRequest(simulatedExecMessage(ref, container, nodeName))
  }
  if (!base || !kubelet) throw unavailable(nodeName, podName)

  const url = new URL(kubeletExecPath(target.namespace ?? '', podName, container, opts), base)
  const headers: Record<string, string> = { Authorization: `Bearer ${kubelet.token}` }
  for (const name of UPGRADE_HEADERS) {
    const value = req.headers[name]
    if (typeof value === 'string') headers[name] = value
  }
  await new Promise<void>((resolve, reject) => {
    const upstream = request(url, { method: req.method, ca: kubelet.caCert, agent: false, headers })
    const timer = setTimeout(
      () => upstream.destroy(new Error(`no answer within ${KUBELET_UPGRADE_TIMEOUT_MS} ms`)),
      KUBELET_UPGRADE_TIMEOUT_MS
    )
    const dropped = (): void => {
      upstream.destroy()
    }
    client.socket.once('close', dropped)
    upstream.on('upgrade', (answer, socket, head) => {
      clearTimeout(timer)
      client.socket.off('close', dropped)
      res.statusCode = 101
      res.detachSocket(client.socket as never)
      splice(client.socket, client.head, answer, socket, head)
      resolve()
    })
    upstream.on('response', (answer) => {
      clearTimeout(timer)
      client.socket.off('close', dropped)
      const chunks: Buffer[] = []
      answer.on('data', (c: Buffer) => chunks.push(c))
      answer.on('error', () => reject(unavailable(nodeName, podName, 'the answer broke off')))
      answer.on('end', () =>
        reject(kubeletError(answer.statusCode ?? 0, Buffer.concat(chunks).toString(), nodeName))
      )
    })
    upstream.on('error', (err) => {
      clearTimeout(timer)
      client.socket.off('close', dropped)
      reject(unavailable(nodeName, podName, `${url.host}: ${err.message}`))
    })
    upstream.end()
  })
}

/** Answers the client with the kubelet's 101 and joins the two connections until either ends. */
function splice(
  client: Duplex,
  clientHead: Buffer,
  answer: IncomingMessage,
  kubelet: Duplex,
  kubeletHead: Buffer
): void {
  let head = 'HTTP/1.1 101 Switching Protocols\r\n'
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
    head += `${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}\r\n`
  }
  client.write(head + '\r\n')
  if (kubeletHead.length > 0) client.write(kubeletHead)
  if (clientHead.length > 0) kubelet.write(clientHead)
  const end = (): void => {
    client.destroy()
    kubelet.destroy()
  }
  for (const side of [client, kubelet]) {
    side.on('close', end)
    side.on('error', end)
  }
  kubelet.pipe(client)
  client.pipe(kubelet)
}
