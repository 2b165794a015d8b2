/**
 * Maps URL paths to files of the built renderer, for both the UI server (browser mode) and the
 * `app://` protocol (Electron). Both must never serve anything outside the renderer folder.
 */
import { extname, resolve, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}

/** The Content-Type for a file, by extension; unknown types are served as opaque bytes. */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The absolute file a URL path names inside `root`, or `undefined` when the path is malformed or
 * would leave `root` (`..` segments, encoded or not, NUL bytes). `/` maps to `index.html`.
 * The path is percent-decoded here, once, and then confined — deciding after decoding is what
 * defeats `%2e%2e` and `..%2f` tricks.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || !decoded.startsWith('/')) return undefined
  if (decoded.endsWith('/')) decoded += 'index.html'
  const base = resolve(root)
  const file = resolve(base, '.' + decoded)
  if (!file.startsWith(base + sep)) return undefined
  return file
}
