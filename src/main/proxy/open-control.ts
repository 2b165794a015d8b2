/**
 * `kubedesk open` over the control socket: `POST /services/open` with `{ namespace, name }`
 * answers 200 with the OpenedService, or 404/409/503 `{ error, hint }`. Both halves live here;
 * control-socket.ts routes to `handleOpenRequest`.
 */
import type { IncomingMessage } from 'node:http'
import { call } from '../control-socket'
import { ServiceOpenError, type OpenedService } from './kube-proxy'

/** The path of the request. */
export const OPEN_SERVICE_PATH = '/services/open'

/** What the control plane does for the request (ControlPlane.openService). */
export type OpenServiceHandler = (namespace: string, name: string) => Promise<OpenedService>

const MAX_BODY_BYTES = 16 * 1024

/** Answers `POST /services/open`; undefined for any other path. */
export async function handleOpenRequest(
  req: IncomingMessage,
  handler: OpenServiceHandler | undefined
): Promise<[number, unknown] | undefined> {
  if ((req.url ?? '').split('?')[0] !== OPEN_SERVICE_PATH) return undefined
  if (req.method !== 'POST') return [405, { error: `method ${req.method} not allowed` }]
  if (!handler) return [503, { error: 'this instance runs no kube-proxy' }]
  let raw = ''
  for await (const chunk of req) {
    raw += String(chunk)
    if (raw.length > MAX_BODY_BYTES) return [413, { error: 'request body too large' }]
  }
  let body: { namespace?: unknown; name?: unknown }
  try {
    body = JSON.parse(raw) as typeof body
  } catch {
    return [400, { error: 'the request body is not JSON' }]
  }
  if (typeof body.name !== 'string' || !body.name || typeof body.namespace !== 'string') {
    return [400, { error: 'open needs a service name and namespace' }]
  }
  try {
    return [200, await handler(body.namespace, body.name)]
  } catch (err) {
    if (err instanceof ServiceOpenError) return [err.code, { error: err.message, hint: err.hint }]
    throw err
  }
}

/** Asks the instance behind `socketPath` to open the Service; rejects with ServiceOpenError. */
export async function requestOpenService(
  socketPath: string,
  namespace: string,
  name: string
): Promise<OpenedService> {
  const { status, body } = await call(
    socketPath,
    'POST',
    OPEN_SERVICE_PATH,
    30_000,
    JSON.stringify({ namespace, name })
  )
  let parsed: Partial<OpenedService> & { error?: string; hint?: string } = {}
  try {
    parsed = JSON.parse(body) as typeof parsed
  } catch {
    parsed = { error: body.trim() }
  }
  if (status === 200) return parsed as OpenedService
  const code = status === 404 || status === 409 || status === 503 ? status : 503
  throw new ServiceOpenError(
    parsed.error ?? `the control socket answered ${status}`,
    code,
    parsed.hint
  )
}
