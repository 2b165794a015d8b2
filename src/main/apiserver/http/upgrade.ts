/**
 * HTTP upgrade requests (`kubectl exec`'s WebSocket) through the ordinary request handler: the
 * HTTPS server's `upgrade` event gets a ServerResponse bound to the raw socket, so the Host
 * check, authentication, routing, authorization and Status errors are the same code as for every
 * request. A handler that takes the connection over (pods/exec) finds the socket and the bytes
 * read past the request's head with `upgradeOf`, and detaches the response before using them.
 */
import { ServerResponse, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/** The connection of an upgrade request. */
export interface UpgradeConnection {
  socket: Duplex
  /** The first bytes after the request's head (usually empty). */
  head: Buffer
}

const connections = new WeakMap<IncomingMessage, UpgradeConnection>()

/**
 * A response to `req` written straight onto its socket; once an ordinary answer (an error
 * Status) is complete the connection is closed, as an upgrade request never keeps it alive.
 */
export function upgradeResponse(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer
): ServerResponse {
  connections.set(req, { socket, head })
  socket.on('error', () => socket.destroy())
  const res = new ServerResponse(req)
  res.shouldKeepAlive = false
  res.assignSocket(socket as Socket)
  res.on('finish', () => {
    res.detachSocket(socket as Socket)
    socket.end()
  })
  return res
}

/** The raw connection of `req` when it came as an upgrade; undefined for ordinary requests. */
export function upgradeOf(req: IncomingMessage): UpgradeConnection | undefined {
  return connections.get(req)
}
