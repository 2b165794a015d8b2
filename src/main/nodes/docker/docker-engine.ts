/**
 * The connection to the host's Docker engine, shared by the docker node provider and the node
 * image builder: one place that turns dockerode's low-level failures into messages a user can act
 * on ("cannot reach the Docker engine at /var/run/docker.sock: … — start Docker, or use
 * --provider process").
 */
import Dockerode from 'dockerode'
import type { Readable } from 'node:stream'
import { NodeProviderError } from '../types'

/** The engine's socket when DOCKER_HOST does not name another. */
export const DOCKER_SOCKET = '/var/run/docker.sock'

/** The Unix socket path of the engine `docker` talks to (DOCKER_HOST=unix://… or the default). */
export function dockerSocketPath(): string {
  const host = process.env.DOCKER_HOST
  if (host?.startsWith('unix://')) return host.slice('unix://'.length)
  return DOCKER_SOCKET
}

/** A client for the host's engine (the socket above, API version negotiated by the engine). */
export function connectDocker(): Dockerode {
  return new Dockerode({ socketPath: dockerSocketPath() })
}

/** True when the engine answers a ping within `timeoutMs` (default 2 s). Never rejects. */
export async function dockerAnswers(docker?: Dockerode, timeoutMs = 2000): Promise<boolean> {
  return (await pingDocker(docker ?? connectDocker(), timeoutMs)) === undefined
}

/** Pings the engine; resolves to why it did not answer, or undefined when it did. */
export async function pingDocker(docker: Dockerode, timeoutMs = 2000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)
  })
  try {
    return await Promise.race([
      docker.ping().then(
        () => undefined,
        (err: unknown) => errorText(err)
      ),
      timeout
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** True for dockerode's "no such object" answers (HTTP 404). */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number } | undefined)?.statusCode === 404
}

/** True for "already in that state" answers (HTTP 304 from start/stop). */
export function isNotModified(err: unknown): boolean {
  return (err as { statusCode?: number } | undefined)?.statusCode === 304
}

/** The engine's own words for an error: its JSON `message` when it sent one. */
export function errorText(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string }
  return e?.json?.message ?? e?.message ?? String(err)
}

/** Wraps a failed engine call as a NodeProviderError saying what was being done and what to try. */
export function dockerError(action: string, err: unknown): NodeProviderError {
  if (err instanceof NodeProviderError) return err
  const code = (err as { code?: string } | undefined)?.code
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
    const why = code === 'EACCES' ? 'permission denied' : errorText(err)
    return new NodeProviderError(
      `cannot reach the Docker engine at ${dockerSocketPath()}: ${why}`,
      code === 'EACCES'
        ? 'add your user to the docker group, or use --provider process'
        : 'start Docker, or use --provider process'
    )
  }
  return new NodeProviderError(`${action}: ${errorText(err)}`)
}

/**
 * Reads a build, import or pull progress stream to its end; rejects with the engine's message
 * when one of its events reports an error. `onEvent` sees each event (for progress lines).
 */
export function followProgress(
  docker: Dockerode,
  stream: NodeJS.ReadableStream | Readable,
  onEvent?: (event: { status?: string; stream?: string }) => void
): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream as NodeJS.ReadableStream,
      (err: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
        if (err) return reject(err)
        const failed = events.find((e) => e.error || e.errorDetail)
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error))
        resolve()
      },
      onEvent
    )
  })
}
