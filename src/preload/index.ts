/**
 * The preload: the only bridge between the sandboxed renderer and main. It exposes exactly the
 * DesktopApi as `window.kubedesk` — no ipcRenderer, no event objects, nothing else.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IpcChannel, type DesktopApi, type IpcResult } from '../shared/desktop-api'
import type { ClusterStatus } from '../shared/status'

const api: DesktopApi = {
  async getStatus() {
    const result = (await ipcRenderer.invoke(IpcChannel.getStatus)) as IpcResult<ClusterStatus>
    if (!result.ok) throw new Error(result.error)
    return result.value
  },
  onStatus(listener) {
    // The page gets the status only; the IpcRendererEvent (with its sender) stays here.
    const handler = (_event: IpcRendererEvent, status: ClusterStatus): void => listener(status)
    ipcRenderer.on(IpcChannel.status, handler)
    return () => {
      ipcRenderer.removeListener(IpcChannel.status, handler)
    }
  }
}

contextBridge.exposeInMainWorld('kubedesk', api)
