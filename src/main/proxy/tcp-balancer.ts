/**
 * A loopback TCP port that forwards each connection to one of a changing set of backends, round
 * robin (kube-proxy's userspace mode, in miniature). A backend that refuses or times out is
 * skipped for the next one; with none left the client's connection is closed. The backends are
 * asked for at each connection, so endpoint changes need no restart of the listener.
 *
 * Used for NodePorts (127.0.0.1:<nodePort>) and for `kubedesk open` (a free port): it only ever
 * listens on 127.0.0.1.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import type { ComponentLog } from '../observe/component-log'
import type { Backend } from './service-backends'

/** The only address the proxy listens on. */
export const LOOPBACK = '127.0.0.1'

/** What `startTcpBalancer` needs. */
export interface TcpBalancerOptions {
  /** The port to listen on; 0 picks a free one. */
  port: number
  /** The backends of the moment (asked at each connection). */
  backends: () => Backend[]
  /** How the listener is named in log lines, e.g. `default/web:http`. */
  name: string
  log?: ComponentLog
  /** How long a backend may take to accept (default 3 s). */
  connectTimeoutMs?: number
}

/** A listening balancer. */
export interface TcpBalancer {
  /** The port it listens on (the chosen one when asked for 0). */
  readonly port: number
  /** Connections being forwarded now. */
  connections(): number
  /** Stops listening and ends the forwarded connections. Idempotent. */
  close(): Promise<void>
}

function connectTo(backend: Backend, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: backend.host, port: backend.port })
    const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.off('error', reject)
      resolve(socket)
    })
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

/** Listens on 127.0.0.1:`port`; rejects with the listen error (EADDRINUSE …). */
export async function startTcpBalancer(o: TcpBalancerOptions): Promise<TcpBalancer> {
  const timeoutMs = o.connectTimeoutMs ?? 3000
  const open = new Set<Socket>()
  const clients = new Set<Socket>()
  let next = 0

  const forward = async (client: Socket): Promise<void> => {
    open.add(client)
    clients.add(client)
    client.once('close', () => {
      open.delete(client)
      clients.delete(client)
    })
    client.on('error', () => undefined)
    client.pause()
    const backends = o.backends()
    let upstream: Socket | undefined
    for (let tried = 0; tried < backends.length && !upstream && !client.destroyed; tried++) {
      const backend = backends[next++ % backends.length]!
      try {
        upstream = await connectTo(backend, timeoutMs)
      } catch (err) {
        o.log?.warn('backend unreachable', {
          listener: o.name,
          backend: `${backend.host}:${backend.port}`,
          err: (err as Error).message
        })
      }
    }
    if (!upstream) {
      if (backends.length === 0) o.log?.info('no ready endpoints', { listener: o.name })
      client.destroy()
      return
    }
    if (client.destroyed) {
      upstream.destroy()
      return
    }
    const up = upstream
    open.add(up)
    up.once('close', () => {
      open.delete(up)
      client.destroy()
    })
    up.on('error', () => undefined)
    client.once('close', () => up.destroy())
    client.pipe(up)
    up.pipe(client)
    client.resume()
  }

  const server: Server = createServer((client) => void forward(client))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, LOOPBACK, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : o.port
  let closed: Promise<void> | undefined
  return {
    port,
    connections: () => clients.size,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of open) socket.destroy()
      })
      return closed
    }
  }
}
