/**
 * Where the Cluster view draws the control plane: a fixed SVG layout with the API server in the
 * middle and the other components around it, and the arrows between them with what each carries.
 */
import type { ClusterComponent, ClusterOverview } from '../../../../shared/desktop-api'

export type ControlPlaneRole = Exclude<ClusterComponent['role'], 'kubelet' | 'runtime'>

export interface Box {
  x: number
  y: number
  w: number
  h: number
}

/** The diagram's size (SVG user units). */
export const VIEW_BOX = { w: 760, h: 320 }

export const BOXES: Record<ControlPlaneRole, Box> = {
  apiserver: { x: 290, y: 128, w: 190, h: 64 },
  store: { x: 10, y: 128, w: 170, h: 64 },
  scheduler: { x: 80, y: 12, w: 210, h: 60 },
  'controller-manager': { x: 470, y: 12, w: 250, h: 60 },
  proxy: { x: 580, y: 128, w: 170, h: 64 }
}

/** Human names of the roles (the component's own name is shown beneath). */
export const ROLE_TITLES: Record<ClusterComponent['role'], string> = {
  apiserver: 'API server',
  store: 'Store',
  scheduler: 'Scheduler',
  'controller-manager': 'Controller manager',
  proxy: 'kube-proxy',
  kubelet: 'kubelet',
  runtime: 'Runtime'
}

export interface Arrow {
  from: { x: number; y: number }
  to: { x: number; y: number }
  label: string
  /** Both ends get a head (a request and its answer). */
  both: boolean
}

function rate(value: number, digits = 1): string {
  return Number.isFinite(value) ? String(Number(value.toFixed(digits))) : '–'
}

/** The arrows between the roles present, labelled with the overview's rates. */
export function arrowsFor(
  present: Set<ControlPlaneRole>,
  rates: ClusterOverview['rates']
): Arrow[] {
  const api = BOXES.apiserver
  const arrows: Arrow[] = []
  if (present.has('store')) {
    const s = BOXES.store
    arrows.push({
      from: { x: api.x, y: api.y + api.h / 2 },
      to: { x: s.x + s.w, y: s.y + s.h / 2 },
      label: `${rate(rates.apiRequestsPerSecond)} req/s`,
      both: true
    })
  }
  if (present.has('scheduler')) {
    const s = BOXES.scheduler
    arrows.push({
      from: { x: s.x + s.w / 2 + 40, y: s.y + s.h },
      to: { x: api.x + 40, y: api.y },
      label: `${rate(rates.podsScheduledPerSecond)} pods/s bound`,
      both: false
    })
  }
  if (present.has('controller-manager')) {
    const c = BOXES['controller-manager']
    arrows.push({
      from: { x: c.x + c.w / 2 - 40, y: c.y + c.h },
      to: { x: api.x + api.w - 40, y: api.y },
      label: `${rate(rates.eventsPerMinute, 0)} events/min`,
      both: false
    })
  }
  if (present.has('proxy')) {
    const p = BOXES.proxy
    arrows.push({
      from: { x: api.x + api.w, y: api.y + api.h / 2 },
      to: { x: p.x, y: p.y + p.h / 2 },
      label: 'watch',
      both: false
    })
  }
  arrows.push({
    from: { x: api.x + api.w / 2, y: api.y + api.h },
    to: { x: api.x + api.w / 2, y: VIEW_BOX.h - 4 },
    label: `kubelets · ${rate(rates.eventsPerMinute, 0)} events/min`,
    both: true
  })
  return arrows
}
