/**
 * The main window and the hardening every web contents and the session get: no navigation away
 * from our renderer, no new windows, no permissions, and the CSP on every response.
 */
import { app, BrowserWindow, type Session } from 'electron'
import { APP_INDEX_URL, CONTENT_SECURITY_POLICY, isTrustedRendererUrl } from './security'

/** Where the window's code comes from. */
export interface MainWindowOptions {
  /** The built preload, `out/preload/index.js`. */
  preload: string
  /** Set in `electron-vite dev`: load the renderer from the dev server instead of `app://`. */
  devServerUrl?: string
}

/** Creates and loads the main window; it is shown once the page is ready to paint. */
export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 640,
    minHeight: 420,
    title: 'KubeDesk',
    show: false,
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false
    }
  })
  window.once('ready-to-show', () => window.show())
  void window.loadURL(opts.devServerUrl ?? APP_INDEX_URL)
  return window
}

/**
 * Applies the navigation rules to every web contents Electron creates (windows, devtools,
 * anything a bug might open): navigation only within our renderer, new windows denied,
 * `<webview>` refused.
 */
export function hardenWebContents(devServerUrl?: string): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedRendererUrl(url, devServerUrl)) event.preventDefault()
    })
    contents.on('will-redirect', (event, url) => {
      if (!isTrustedRendererUrl(url, devServerUrl)) event.preventDefault()
    })
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}

/**
 * Denies every permission request and check (camera, notifications, geolocation …) and adds
 * the CSP header to HTTP responses — the dev server's pages in `electron-vite dev`; `app://`
 * responses carry it from the protocol handler.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY]
      }
    })
  })
}
