/** The eight views, by route name, with their sidebar titles; loaded when first shown. */
import { defineAsyncComponent, type Component } from 'vue'
import type { ViewName } from '../stores/nav'

export interface ViewEntry {
  title: string
  component: Component
}

export const VIEWS: Record<ViewName, ViewEntry> = {
  cluster: { title: 'Cluster', component: defineAsyncComponent(() => import('./ClusterView.vue')) },
  nodes: { title: 'Nodes', component: defineAsyncComponent(() => import('./NodesView.vue')) },
  workloads: {
    title: 'Workloads',
    component: defineAsyncComponent(() => import('./WorkloadsView.vue'))
  },
  deploy: { title: 'Deploy', component: defineAsyncComponent(() => import('./DeployView.vue')) },
  logs: { title: 'Logs', component: defineAsyncComponent(() => import('./LogsView.vue')) },
  events: { title: 'Events', component: defineAsyncComponent(() => import('./EventsView.vue')) },
  metrics: { title: 'Metrics', component: defineAsyncComponent(() => import('./MetricsView.vue')) },
  terminal: {
    title: 'Terminal',
    component: defineAsyncComponent(() => import('./TerminalView.vue'))
  }
}
