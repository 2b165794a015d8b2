/**
 * The main-process side of the desktop API over Electron IPC: one channel each way
 * (`kubedesk:wire`), one wire connection (serve-host.ts) per webContents. Every message's sender
 * frame must be our renderer; a connection's subscriptions end when its page reloads or
 * navigates, and when its webContents is destroyed.
 */
import { ipcMain, type IpcMainEvent, type WebContents } from 'electron'
import type { DesktopHostApi } from '../../shared/desktop-api'
import { IPC_WIRE_CHANNEL } from '../../shared/desktop-wire'
import { isTrustedRendererUrl } from './security'
import { serveHost, type HostConnection } from './serve-host'

/** What the IPC transport serves. */
export interface IpcHostOptions {
  host: DesktopHostApi
  /** The electron-vite dev server's URL in `electron-vite dev`, whose pages are also ours. */
  devServerUrl?: string
  /** Told about refused senders and malformed messages (default: console.warn). */
  warn?: (message: string) => void
}

/** Serves `host` to our renderers over IPC; answers the function that stops serving. */
export function registerIpcHost(opts: IpcHostOptions): () => void {
  const warn = opts.warn ?? ((message: string) => console.warn(message))
  const connections = new Map<number, HostConnection>()

  const connectionOf = (contents: WebContents): HostConnection => {
    let connection = connections.get(contents.id)
    if (connection) return connection
    const created = serveHost(
      opts.host,
      (message) => {
        if (!contents.isDestroyed()) contents.send(IPC_WIRE_CHANNEL, message)
      },
      { onBadMessage: (error) => warn(`desktop API (IPC): ${error}`) }
    )
    connection = created
    connections.set(contents.id, created)
    const end = (): void => {
      if (connections.get(contents.id) !== created) return
      connections.delete(contents.id)
      created.close()
      contents.off('did-start-navigation', onNavigation)
    }
    // A reload or navigation starts a new page whose preload knows nothing of these.
    const onNavigation = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
      if (details.isMainFrame && !details.isSameDocument) end()
    }
    contents.on('did-start-navigation', onNavigation)
    contents.once('destroyed', end)
    return created
  }

  const onMessage = (event: IpcMainEvent, message: unknown): void => {
    const sender = event.senderFrame?.url ?? ''
    if (!isTrustedRendererUrl(sender, opts.devServerUrl)) {
      warn(`desktop API (IPC): refused a message from ${sender || '(unknown frame)'}`)
      return
    }
    connectionOf(event.sender).receive(message)
  }

  ipcMain.on(IPC_WIRE_CHANNEL, onMessage)
  return () => {
    ipcMain.off(IPC_WIRE_CHANNEL, onMessage)
    for (const connection of connections.values()) connection.close()
    connections.clear()
  }
}
