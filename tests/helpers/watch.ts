/**
 * A raw watch on the API server (`?watch=1`), as a client library would hold one: every event
 * reaches `onEvent` in order, so a test can check an invariant at every change rather than at
 * the moments it happens to poll.
 */
import { request as httpsRequest } from 'node:https'
import { checkServerIdentity } from 'node:tls'
import type { ClusterAccess } from './cluster'

/** One watch event as the API server streams it. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: T
}

/** A running watch. */
export interface RawWatch {
  /** Resolves once the server answered 200 and the stream is open. */
  opened: Promise<void>
  stop(): void
}

/** Watches `path` (e.g. `/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`). */
export function watchPath<T>(
  access: ClusterAccess,
  path: string,
  onEvent: (event: WatchEvent<T>) => void
): RawWatch {
  const url = new URL(access.server)
  const sep = path.includes('?') ? '&' : '?'
  let stopped = false
  let req: ReturnType<typeof httpsRequest> | undefined
  const opened = new Promise<void>((resolve, reject) => {
    req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${path}${sep}watch=1`,
        headers: access.token ? { authorization: `Bearer ${access.token}` } : {},
        ca: access.ca,
        checkServerIdentity: (_host, cert) => checkServerIdentity(url.hostname, cert),
        agent: false,
        ...(access.cert && access.key ? { cert: access.cert, key: access.key } : {})
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${path}: HTTP ${res.statusCode}`))
          res.resume()
          return
        }
        resolve()
        let buffered = ''
        res.setEncoding('utf8').on('data', (chunk: string) => {
          buffered += chunk
          for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
            const line = buffered.slice(0, nl).trim()
            buffered = buffered.slice(nl + 1)
            if (line) onEvent(JSON.parse(line) as WatchEvent<T>)
          }
        })
        res.on('error', () => undefined)
      }
    )
    req.on('error', (err) => {
      if (!stopped) reject(err)
    })
    req.end()
  })
  opened.catch(() => undefined)
  return {
    opened,
    stop() {
      stopped = true
      req?.destroy()
    }
  }
}
