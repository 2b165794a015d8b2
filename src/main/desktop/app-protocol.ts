/**
 * The `app://kubedesk/…` scheme the Electron window loads the renderer from. A privileged
 * standard scheme gives the page a real origin (so CSP 'self', fetch and ES modules behave as on
 * the web) without file://'s access to the whole disk.
 */
import { readFile, stat } from 'node:fs/promises'
import { protocol, type Session } from 'electron'
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security'
import { contentTypeFor, resolveStaticPath } from './static-files'

/** Declares `app:` privileged; Electron requires this before the `ready` event. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true }
    }
  ])
}

/** Serves `app://kubedesk/<path>` from `rendererDir`, confined to that folder, with the CSP. */
export function handleAppProtocol(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== APP_HOST) return textResponse(404, 'Not found')
    const file = resolveStaticPath(rendererDir, url.pathname)
    if (!file) return textResponse(400, 'Bad path')
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile()) return textResponse(404, `Not found: ${url.pathname}`)
    const body = await readFile(file)
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: {
        'Content-Type': contentTypeFor(file),
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff'
      }
    })
  })
}

function textResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }
  })
}
