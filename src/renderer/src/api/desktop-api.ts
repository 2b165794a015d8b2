/**
 * Picks the desktop API transport for this environment: the preload's IPC bridge inside
 * Electron, HTTP polling in a browser (`kubedesk up --ui`). Nothing else in the renderer knows
 * which one it got.
 */
import { hasInjectionContext, inject, type InjectionKey } from 'vue'
import type { DesktopApi } from '../../../shared/desktop-api'
import { createHttpDesktopApi } from './http-desktop-api'

/** The key the app provides its DesktopApi under (tests provide a fake). */
export const desktopApiKey: InjectionKey<DesktopApi> = Symbol('DesktopApi')

/** `window.kubedesk` when the preload exposed it, else the HTTP transport to this origin. */
export function createDesktopApi(): DesktopApi {
  const bridge = typeof window === 'undefined' ? undefined : window.kubedesk
  return bridge ?? createHttpDesktopApi()
}

/** The provided DesktopApi, or a fresh one for this environment when none was provided. */
export function useDesktopApi(): DesktopApi {
  const provided = hasInjectionContext() ? inject(desktopApiKey, null) : null
  return provided ?? createDesktopApi()
}
