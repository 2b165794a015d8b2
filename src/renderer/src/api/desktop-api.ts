/**
 * Picks the desktop API transport for this environment: the preload's IPC bridge inside
 * Electron, the WebSocket to the UI server in a browser (`kubedesk up --ui`). Nothing else in
 * the renderer knows which one it got.
 */
import { hasInjectionContext, inject, type InjectionKey } from 'vue'
import type { DesktopApi } from '../../../shared/desktop-api'
import { createWsDesktopApi } from './ws-desktop-api'

/** The key the app provides its DesktopApi under (tests provide a fake). */
export const desktopApiKey: InjectionKey<DesktopApi> = Symbol('DesktopApi')

let shared: DesktopApi | undefined

/**
 * `window.kubedesk` when the preload exposed it, else the WebSocket transport to this origin.
 * One per page: every caller shares the same connection.
 */
export function createDesktopApi(): DesktopApi {
  const bridge = typeof window === 'undefined' ? undefined : window.kubedesk
  return bridge ?? (shared ??= createWsDesktopApi())
}

/** The provided DesktopApi, or this environment's one when none was provided. */
export function useDesktopApi(): DesktopApi {
  const provided = hasInjectionContext() ? inject(desktopApiKey, null) : null
  return provided ?? createDesktopApi()
}
