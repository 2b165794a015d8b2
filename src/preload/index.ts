/**
 * The preload: the only bridge between the sandboxed renderer and main. It exposes exactly the
 * DesktopApi, built by the wire client over one IPC channel, as `window.kubedesk` — no
 * ipcRenderer, no event objects, nothing else.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IPC_WIRE_CHANNEL, type HostMessage } from '../shared/desktop-wire'
import { createWireClient } from '../shared/wire-client'

const api = createWireClient({
  send: (message) => ipcRenderer.send(IPC_WIRE_CHANNEL, message),
  onMessage: (handler) => {
    // The page never sees the IpcRendererEvent (it carries the sender).
    ipcRenderer.on(IPC_WIRE_CHANNEL, (_event: IpcRendererEvent, message: HostMessage) =>
      handler(message)
    )
  }
})

contextBridge.exposeInMainWorld('kubedesk', api)
