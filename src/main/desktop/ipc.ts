/**
 * The main-process side of the desktop API over IPC: answers `getStatus` and pushes status
 * events to the window. Every call's sender is checked to be our own renderer.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { IpcChannel, STATUS_PUSH_INTERVAL_MS, type IpcResult } from '../../shared/desktop-api'
import type { ClusterStatus } from '../../shared/status'
import { isTrustedRendererUrl } from './security'

/** What the IPC handlers need from the host. */
export interface IpcHandlerOptions {
  /** Rejects with a readable error while the control plane is not running. */
  getStatus: () => Promise<ClusterStatus>
  /** The electron-vite dev server's URL in `electron-vite dev`, whose pages are also ours. */
  devServerUrl?: string
}

/** Registers the desktop API's IPC handlers; returns a function that removes them. */
export function registerIpcHandlers(opts: IpcHandlerOptions): () => void {
  ipcMain.handle(
    IpcChannel.getStatus,
    async (event: IpcMainInvokeEvent): Promise<IpcResult<ClusterStatus>> => {
      const sender = event.senderFrame?.url ?? ''
      if (!isTrustedRendererUrl(sender, opts.devServerUrl)) {
        return { ok: false, error: `IPC refused: sender ${sender || '(unknown)'} is not KubeDesk` }
      }
      try {
        return { ok: true, value: await opts.getStatus() }
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) }
      }
    }
  )
  return () => ipcMain.removeHandler(IpcChannel.getStatus)
}

/**
 * Pushes the status to `window` every 2 s until the returned function is called or the window
 * closes. A slow `getStatus` never overlaps the next tick; failures are skipped (the renderer
 * notices the silence and asks `getStatus`, which reports the error).
 */
export function startStatusPush(
  window: BrowserWindow,
  getStatus: () => Promise<ClusterStatus>,
  intervalMs: number = STATUS_PUSH_INTERVAL_MS
): () => void {
  let inFlight = false
  const tick = async (): Promise<void> => {
    if (inFlight || window.isDestroyed()) return
    inFlight = true
    try {
      const status = await getStatus()
      if (!window.isDestroyed()) window.webContents.send(IpcChannel.status, status)
    } catch {
      // Reported through getStatus; pushing errors would widen the contract for no gain.
    } finally {
      inFlight = false
    }
  }
  const timer = setInterval(() => void tick(), intervalMs)
  const stop = (): void => clearInterval(timer)
  window.once('closed', stop)
  return stop
}
