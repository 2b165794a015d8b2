/**
 * Security rules shared by the Electron window and browser mode's UI server: one CSP, one
 * idea of which hosts and which renderer URLs are ours.
 */
import { timingSafeEqual } from 'node:crypto'

/**
 * The renderer's Content-Security-Policy: only our own scripts, no plugins, no framing, no
 * `<base>` tricks. Inline styles are allowed because Vue binds `style` attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** The custom scheme the Electron window loads the renderer from (`app://kubedesk/…`). */
export const APP_SCHEME = 'app'
/** The host part of every `app://` URL we serve. */
export const APP_HOST = 'kubedesk'
/** The page the Electron window opens. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

/**
 * Whether a request's Host header names this loopback server. Anything else — a DNS name that
 * rebinds to 127.0.0.1, a missing header — is refused, as `kubectl proxy` does, so a web page
 * cannot reach the server through a hostname it controls.
 */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
  return allowed.includes(host.toLowerCase())
}

/** Compares a presented token with the expected one in constant time. */
export function tokensEqual(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Whether a URL belongs to our renderer: the `app://kubedesk` origin, or the electron-vite dev
 * server when one is given. Used to validate IPC senders and to allow in-app navigation only.
 * (Node reports the origin of non-special schemes as "null", so scheme and host are compared.)
 */
export function isTrustedRendererUrl(url: string, devServerUrl?: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST) return true
  if (!devServerUrl) return false
  try {
    return parsed.origin === new URL(devServerUrl).origin
  } catch {
    return false
  }
}
