/**
 * Authentication: who is asking. The HTTPS server asks its Authenticator for every request and
 * answers 401 `Unauthorized` when it gets `undefined`, as kube-apiserver does when no
 * authenticator accepts a request and anonymous access is off.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { UserInfo } from './types'

/** Decides who sent a request, from its headers alone. */
export interface Authenticator {
  /** The user, or undefined when the request carries no credential we accept. */
  authenticate(headers: IncomingHttpHeaders): UserInfo | undefined
}

/** What the token authenticator needs: a token → user lookup (see credentials.ts). */
export interface TokenLookup {
  lookup(token: string): UserInfo | undefined
}

/**
 * The WebSocket subprotocol prefix that carries a bearer token, for clients (browsers) that
 * cannot set an Authorization header on a WebSocket (kube-apiserver's websocket authenticator).
 */
export const WEBSOCKET_TOKEN_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.'

/**
 * Authenticates `Authorization: Bearer <token>` (the scheme case-insensitive, as Kubernetes
 * reads it) and the WebSocket bearer subprotocol. Basic auth, other schemes, empty tokens and
 * unknown tokens all answer undefined.
 */
export function createTokenAuthenticator(credentials: TokenLookup): Authenticator {
  return {
    authenticate(headers) {
      const token = bearerToken(headers.authorization) ?? websocketToken(headers)
      return token === undefined ? undefined : credentials.lookup(token)
    }
  }
}

/** The token of an `Authorization: Bearer …` header, or undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  const parts = header.trim().split(/\s+/)
  if (parts.length !== 2 || parts[0].toLowerCase() !== 'bearer') return undefined
  return parts[1] || undefined
}

function websocketToken(headers: IncomingHttpHeaders): string | undefined {
  if (headers.upgrade?.toLowerCase() !== 'websocket') return undefined
  const raw = headers['sec-websocket-protocol']
  if (typeof raw !== 'string') return undefined
  const protocol = raw
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(WEBSOCKET_TOKEN_PROTOCOL_PREFIX))
  if (!protocol) return undefined
  const encoded = protocol.slice(WEBSOCKET_TOKEN_PROTOCOL_PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined
  const token = Buffer.from(encoded, 'base64url').toString('utf8')
  return token || undefined
}
