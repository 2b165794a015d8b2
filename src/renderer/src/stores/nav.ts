/**
 * Which view is shown, kept in the URL's hash (`#/nodes`, `#/workloads?kind=Pod&selector=app%3Dweb`)
 * so reloads and the back button work in the window and in a browser alike. Views may write their
 * filters back into the query (`replaceQuery`), so a link to a filtered view can be shared.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'

/** The views, in the sidebar's order. */
export const VIEW_NAMES = [
  'cluster',
  'nodes',
  'workloads',
  'deploy',
  'logs',
  'events',
  'metrics',
  'terminal'
] as const

export type ViewName = (typeof VIEW_NAMES)[number]

/** A view and its query (filters a view reads on mount, e.g. `{ kind: 'Pod', selector: 'app=web' }`). */
export interface Route {
  view: ViewName
  query: Record<string, string>
}

const DEFAULT_VIEW: ViewName = 'cluster'

/** Parses `#/view?a=b`; anything unknown is the default view. */
export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '')
  const at = body.indexOf('?')
  const name = at === -1 ? body : body.slice(0, at)
  const query = Object.fromEntries(new URLSearchParams(at === -1 ? '' : body.slice(at + 1)))
  const view = (VIEW_NAMES as readonly string[]).includes(name) ? (name as ViewName) : DEFAULT_VIEW
  return { view, query }
}

/** The hash for a route. */
export function formatHash(route: Route): string {
  const q = new URLSearchParams(route.query).toString()
  return `#/${route.view}${q ? `?${q}` : ''}`
}

export const useNavStore = defineStore('nav', () => {
  const route = ref<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash))

  /** Shows `view` with `query`; records it in the hash (and so in history). */
  function go(view: ViewName, query: Record<string, string> = {}): void {
    route.value = { view, query }
    if (typeof location !== 'undefined') {
      const hash = formatHash(route.value)
      if (location.hash !== hash) location.hash = hash
    }
  }

  /**
   * Replaces the shown view's query (a view writing its filters back) without a new history
   * entry, so typing in a filter does not fill the back button; back and reload see the last one.
   */
  function replaceQuery(query: Record<string, string>): void {
    route.value = { view: route.value.view, query }
    if (typeof location !== 'undefined') {
      const hash = formatHash(route.value)
      if (location.hash !== hash) history.replaceState(history.state, '', hash)
    }
  }

  /** Follows back/forward and hand-edited hashes; returns a function that stops following. */
  function follow(): () => void {
    const onHash = (): void => {
      route.value = parseHash(location.hash)
    }
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }

  return { route, go, replaceQuery, follow }
})
