/**
 * Component logs through the control socket: which components log in the running instance and
 * at what verbosity, and changing one's verbosity (`kubedesk logs --verbosity N COMPONENT`).
 *
 *   GET /logs                          → 200 `{ components: [{ name, verbosity, external, lines }] }`
 *   PUT /logs/COMPONENT/verbosity {"verbosity":N}
 *                                      → 200 `{ component, verbosity, previous }`;
 *                                        400 bad level, 404 no such component, 409 not ours to set
 *
 * Both halves are here: the server side the control socket calls, the client side the CLI uses.
 */
import type { IncomingMessage } from 'node:http'
import { call } from '../control-socket'
import { MAX_VERBOSITY, existingLogHub } from './log-hub'

/** One component as the control socket lists it. */
export interface LogComponentInfo {
  name: string
  verbosity: number
  /** Its lines come from another process (a node's kubelet): its verbosity is not set here. */
  external: boolean
  /** Lines logged since the instance started. */
  lines: number
}

/** What the control socket answers log requests with. */
export interface LogControl {
  list(): LogComponentInfo[]
  /** Sets `component`'s verbosity; answers the previous one. Rejects with LogControlError. */
  setVerbosity(component: string, level: number): Promise<{ verbosity: number; previous: number }>
}

/** Sets the verbosity of a component in another process (a node's kubelet, through its API). */
export type ExternalVerbosity = (component: string, level: number) => Promise<void>

/** A log request that cannot be done; `code` is the HTTP status the socket answers with. */
export class LogControlError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 404 | 409 | 503 = 400
  ) {
    super(message)
    this.name = 'LogControlError'
  }
}

/** The log control of the instance whose data directory is `dataDir` (this process's hub). */
export function createLogControl(dataDir: string, external?: ExternalVerbosity): LogControl {
  return {
    list() {
      const hub = existingLogHub(dataDir)
      if (!hub) return []
      return hub.components().map((name) => {
        const sink = hub.get(name)!
        return {
          name,
          verbosity: sink.verbosity,
          external: sink.external,
          lines: sink.written
        }
      })
    },
    async setVerbosity(component, level) {
      if (!Number.isInteger(level) || level < 0 || level > MAX_VERBOSITY) {
        throw new LogControlError(`verbosity must be an integer from 0 to ${MAX_VERBOSITY}`)
      }
      const sink = existingLogHub(dataDir)?.get(component)
      if (!sink) throw new LogControlError(`no component '${component}' logs here`, 404)
      const previous = sink.verbosity
      if (sink.external) {
        if (!external) {
          throw new LogControlError(
            `${component} runs in its own process (a node's kubelet); its verbosity cannot be set from here`,
            409
          )
        }
        try {
          await external(component, level)
        } catch (err) {
          throw new LogControlError(
            `cannot set the verbosity of ${component}: ${(err as Error).message}`,
            503
          )
        }
      }
      sink.verbosity = level
      return { verbosity: level, previous }
    }
  }
}

const MAX_BODY_BYTES = 4 * 1024

/**
 * Answers a control-socket request under /logs; undefined when the path is not one of these.
 * Without a LogControl (an instance that has none) every such path answers 503.
 */
export async function handleLogsRequest(
  req: IncomingMessage,
  control: LogControl | undefined
): Promise<[number, unknown] | undefined> {
  const path = (req.url ?? '').split('?')[0]
  if (path !== '/logs' && !path.startsWith('/logs/')) return undefined
  if (!control) return [503, { error: 'this instance has no component logs' }]
  if (path === '/logs') {
    if (req.method !== 'GET') return [405, { error: `method ${req.method} not allowed` }]
    return [200, { components: control.list() }]
  }
  const m = /^\/logs\/([^/]+)\/verbosity$/.exec(path)
  if (!m) return [404, { error: `no such endpoint: ${path}` }]
  if (req.method !== 'PUT') return [405, { error: `method ${req.method} not allowed` }]
  let raw = ''
  for await (const chunk of req) {
    raw += String(chunk)
    if (raw.length > MAX_BODY_BYTES) return [413, { error: 'request body too large' }]
  }
  let level: unknown
  try {
    level = (JSON.parse(raw) as { verbosity?: unknown }).verbosity
  } catch {
    return [400, { error: 'the request body is not JSON' }]
  }
  const component = decodeURIComponent(m[1])
  try {
    return [200, { component, ...(await control.setVerbosity(component, level as number)) }]
  } catch (err) {
    if (err instanceof LogControlError) return [err.code, { error: err.message }]
    throw err
  }
}

/** Asks the instance behind `socketPath` which components log there. */
export async function requestLogComponents(socketPath: string): Promise<LogComponentInfo[]> {
  const { status, body } = await call(socketPath, 'GET', '/logs', 5000)
  if (status !== 200) throw new LogControlError(errorOf(body, status), 503)
  return (JSON.parse(body) as { components: LogComponentInfo[] }).components
}

/** Sets a component's verbosity in the instance behind `socketPath`; answers the previous one. */
export async function requestSetVerbosity(
  socketPath: string,
  component: string,
  verbosity: number
): Promise<{ verbosity: number; previous: number }> {
  const { status, body } = await call(
    socketPath,
    'PUT',
    `/logs/${encodeURIComponent(component)}/verbosity`,
    5000,
    JSON.stringify({ verbosity })
  )
  if (status === 200) return JSON.parse(body) as { verbosity: number; previous: number }
  const code = [400, 404, 409].includes(status) ? (status as 400) : 503
  throw new LogControlError(errorOf(body, status), code)
}

function errorOf(body: string, status: number): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? `the control socket answered ${status}`
  } catch {
    return `the control socket answered ${status}: ${body.trim()}`
  }
}
