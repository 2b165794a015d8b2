/** The renderer's view of what the preload exposes (absent in browser mode). */
import type { DesktopApi } from '../shared/desktop-api'

declare global {
  interface Window {
    /** The desktop API over Electron IPC; undefined when the renderer runs in a browser. */
    kubedesk?: DesktopApi
  }
}

export {}
