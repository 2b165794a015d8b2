/**
 * Browser mode as `kubedesk up --ui` runs it: the desktop host over the control plane and the UI
 * server serving it, started before the control plane so the page can show start-up progress.
 */
import type { ControlPlane } from '../control-plane'
import { createDesktopHost } from './host/desktop-host'
import type { StartupTracker } from './startup-tracker'
import { startUiServer } from './ui-server'

/** What browser mode serves. */
export interface BrowserModeOptions {
  controlPlane: ControlPlane
  startup: StartupTracker
  dataDir: string
  /** The UI server's port (`--ui-port`); 0 or undefined: any free port. */
  port?: number
}

/** Running browser mode; `url` carries the access token (print it, never log it). */
export interface BrowserMode {
  url: string
  /** Closes the sockets, the server and the host. Idempotent. */
  close(): Promise<void>
}

/** Starts the host and the UI server; rejects (having closed the host) when the port is taken. */
export async function startBrowserMode(opts: BrowserModeOptions): Promise<BrowserMode> {
  const host = createDesktopHost({
    controlPlane: opts.controlPlane,
    startup: opts.startup,
    dataDir: opts.dataDir
  })
  let server: Awaited<ReturnType<typeof startUiServer>>
  try {
    server = await startUiServer({ port: opts.port, host })
  } catch (err) {
    host.close()
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    url: server.url,
    close: () =>
      (closing ??= server.close().finally(() => {
        host.close()
        opts.startup.close()
      }))
  }
}
