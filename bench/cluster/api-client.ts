/**
 * A small HTTPS client for the cluster `kubedesk up` started, built from the kubeconfig it wrote
 * (server URL, CA, bearer token): JSON requests on one keep-alive agent, and watch streams that
 * hand each event to a callback with the time it arrived.
 */
import { readFileSync } from 'node:fs'
import { Agent, request, type RequestOptions } from 'node:https'
import { performance } from 'node:perf_hooks'
import { parse as parseYaml } from 'yaml'

/** A Kubernetes object as far as the benchmark looks at it. */
export interface KubeObject {
  metadata: { name: string; uid?: string; resourceVersion?: string; [key: string]: unknown }
  spec?: Record<string, unknown>
  status?: Record<string, unknown>
}

/** One watch event and when it arrived (performance.now()). */
export interface WatchEvent {
  type: string
  object: KubeObject
  at: number
}

/** An open watch; `close()` ends it. */
export interface Watch {
  close(): void
  /** Rejects when the stream fails or ends before close(). */
  ended: Promise<void>
}

/** What the kubeconfig says. */
export interface ClusterAccess {
  server: string
  ca: string
  token: string
}

/** Reads `<data-dir>/kubeconfig`: the first cluster's server and CA, the first user's token. */
export function readKubeconfig(file: string): ClusterAccess {
  const doc = parseYaml(readFileSync(file, 'utf8')) as {
    clusters?: { cluster: { server: string; 'certificate-authority-data'?: string } }[]
    users?: { user: { token?: string } }[]
  }
  const cluster = doc.clusters?.[0]?.cluster
  const token = doc.users?.[0]?.user?.token
  if (!cluster?.server || !cluster['certificate-authority-data'] || !token) {
    throw new Error(`${file} has no server, CA data or token`)
  }
  const ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')
  return { server: cluster.server, ca, token }
}

/** A JSON client of one API server. */
export class ApiClient {
  private readonly url: URL
  private readonly agent: Agent

  constructor(private readonly access: ClusterAccess) {
    this.url = new URL(access.server)
    this.agent = new Agent({ keepAlive: true, maxSockets: 32, ca: access.ca })
  }

  private options(method: string, path: string, body?: string): RequestOptions {
    return {
      method,
      host: this.url.hostname,
      port: this.url.port,
      path,
      agent: this.agent,
      headers: {
        authorization: `Bearer ${this.access.token}`,
        accept: 'application/json',
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      }
    }
  }

  /** One request; resolves with the status and the parsed body (undefined when not JSON). */
  call(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 10_000
  ): Promise<{ status: number; json: unknown }> {
    const text = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const req = request(this.options(method, path, text), (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(raw)
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, json })
        })
      })
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: timed out`)))
      req.on('error', reject)
      req.end(text)
    })
  }

  /** A request that must answer 2xx; resolves with the body. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, json } = await this.call(method, path, body)
    if (status < 200 || status >= 300) {
      const message = (json as { message?: string } | undefined)?.message ?? ''
      throw new Error(`${method} ${path}: HTTP ${status} ${message}`)
    }
    return json as T
  }

  /** Opens a watch (`path` without `watch=1`) from `resourceVersion`; events go to `onEvent`. */
  watch(path: string, resourceVersion: string, onEvent: (event: WatchEvent) => void): Watch {
    const sep = path.includes('?') ? '&' : '?'
    const full = `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`
    let closed = false
    let req: ReturnType<typeof request> | undefined
    const ended = new Promise<void>((resolve, reject) => {
      req = request({ ...this.options('GET', full), agent: false, ca: this.access.ca }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${path}: HTTP ${res.statusCode}`))
          res.resume()
          return
        }
        let buffer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const at = performance.now()
          buffer += chunk
          let nl: number
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim()
            buffer = buffer.slice(nl + 1)
            if (!line) continue
            const event = JSON.parse(line) as { type: string; object: KubeObject }
            onEvent({ ...event, at })
          }
        })
        res.on('error', (err) => (closed ? resolve() : reject(err)))
        res.on('end', () =>
          closed ? resolve() : reject(new Error(`watch ${path} ended by the server`))
        )
      })
      req.on('error', (err) => (closed ? resolve() : reject(err)))
      req.end()
    })
    ended.catch(() => undefined)
    return {
      close() {
        closed = true
        req?.destroy()
      },
      ended
    }
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy()
  }
}
