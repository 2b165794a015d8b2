/**
 * The Electron entry: one window onto a ControlPlane hosted in this process.
 * Security posture (see DESIGN.md): the renderer is sandboxed with no Node access, loads from the
 * private `app://` scheme under a strict CSP, cannot navigate away or open windows, gets no
 * permissions, and can reach main only through the desktop API's IPC channel, whose senders
 * are checked. The window opens before the control plane starts, so it shows start-up step by
 * step (startup-tracker.ts).
 */
import { join } from 'node:path'
import { app, BrowserWindow, dialog, session } from 'electron'
import { ControlPlane, defaultControlPlaneOptions } from './control-plane'
import { resolveDataDir } from './data-dir'
import { handleAppProtocol, registerAppScheme } from './desktop/app-protocol'
import { createDesktopHost } from './desktop/host/desktop-host'
import { registerIpcHost } from './desktop/ipc'
import { installMenu } from './desktop/menu'
import { StartupTracker } from './desktop/startup-tracker'
import { createMainWindow, hardenSession, hardenWebContents } from './desktop/window'

/** How long quitting waits for the control plane to stop before giving up on it. */
const STOP_TIMEOUT_MS = 20_000

// Only an unpackaged app follows the dev server; a packaged one always loads app://.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined

// Must happen before `ready`.
registerAppScheme()

if (!app.requestSingleInstanceLock()) {
  // Another KubeDesk window owns this user's session; it is focused by its second-instance handler.
  app.quit()
} else {
  main()
}

function main(): void {
  let controlPlane: ControlPlane | undefined
  let phase: 'starting' | 'running' | 'failed' = 'starting'
  let window: BrowserWindow | undefined
  let quitState: 'running' | 'stopping' | 'done' = 'running'
  let closeHost: (() => void) | undefined

  const openWindow = (): void => {
    window = createMainWindow({ preload: join(__dirname, '../preload/index.js'), devServerUrl })
    if (phase === 'starting') window.setProgressBar(2) // indeterminate until started
  }

  const clearProgress = (): void => {
    if (window && !window.isDestroyed()) window.setProgressBar(-1)
  }

  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) return
    if (window.isMinimized()) window.restore()
    window.focus()
  })

  app.on('window-all-closed', () => {
    // macOS apps stay in the dock without windows; elsewhere closing the window quits.
    if (process.platform !== 'darwin') app.quit()
  })

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow()
  })

  app.on('before-quit', (event) => {
    if (quitState === 'done' || !controlPlane) return
    // Hold the quit until the control plane has stopped its components and closed the store.
    event.preventDefault()
    if (quitState === 'stopping') return
    quitState = 'stopping'
    closeHost?.()
    void stopWithin(controlPlane, STOP_TIMEOUT_MS).finally(() => {
      quitState = 'done'
      app.quit()
    })
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => app.quit())
  }

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession)
    hardenWebContents(devServerUrl)
    handleAppProtocol(session.defaultSession, join(__dirname, '../renderer'))
    installMenu(devServerUrl !== undefined || !app.isPackaged)

    // --data-dir is a CLI flag; the app honours $KUBEDESK_HOME, else ~/.kubedesk.
    const options = defaultControlPlaneOptions({ dataDir: resolveDataDir(undefined) })
    const tracker = new StartupTracker({
      nodes: options.nodes,
      dataDir: options.dataDir,
      apiClient: () => controlPlane?.apiClient
    })
    try {
      const created = new ControlPlane({
        ...options,
        onProgress: (event) => {
          console.log(`[${event.component}] ${event.message}`)
          tracker.onProgress(event)
        },
        // `kubedesk down` asks through the control socket; quitting stops the control plane.
        onShutdownRequested: () => app.quit()
      })
      controlPlane = created
      const host = createDesktopHost({
        controlPlane: created,
        startup: tracker,
        dataDir: options.dataDir
      })
      const stopIpc = registerIpcHost({ host, devServerUrl })
      closeHost = () => {
        stopIpc()
        host.close()
        tracker.close()
      }
      openWindow()
      await created.start()
      phase = 'running'
      tracker.markRunning()
      clearProgress()
    } catch (err) {
      phase = 'failed'
      tracker.markFailed(err)
      clearProgress()
      const message = readableError(err)
      console.error(`KubeDesk could not start: ${message}`)
      dialog.showErrorBox('KubeDesk could not start', message)
      app.quit()
    }
  })
}

/** An error as the CLI prints it: the message, then the hint saying how to fix it, if any. */
function readableError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const hint = (err as { hint?: unknown }).hint
  return typeof hint === 'string' && hint ? `${err.message}.\n${hint}` : err.message
}

/** Stops the control plane, logging (not throwing) a failure or a stop that takes too long. */
async function stopWithin(controlPlane: ControlPlane, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`The control plane did not stop within ${timeoutMs / 1000} s; quitting anyway`)
      resolve()
    }, timeoutMs)
  })
  try {
    await Promise.race([controlPlane.stop(), timeout])
  } catch (err) {
    console.error(`Stopping the control plane failed: ${err instanceof Error ? err.message : err}`)
  } finally {
    clearTimeout(timer)
  }
}
