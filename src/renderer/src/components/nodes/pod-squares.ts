/**
 * What the Nodes view needs about a pod square without making each one a component: its hover
 * text, and the pod a click landed on (one listener per box, not one per square).
 */
import type { PodSummary } from '../../../../shared/desktop-api'

/** The hover text: name, status, ready containers, restarts, IP. */
export function podTitle(pod: PodSummary): string {
  return (
    `${pod.namespace}/${pod.name}\n` +
    `Status: ${pod.status}\n` +
    `Ready: ${pod.ready}\n` +
    `Restarts: ${pod.restarts}\n` +
    `IP: ${pod.podIP ?? '—'}`
  )
}

/** The `data-pod` ("ns/name") of the square an event happened on, if it was one. */
export function podRefOf(event: Event): { namespace: string; name: string } | null {
  const target = event.target as HTMLElement | null
  const square = target?.closest?.('[data-pod]')
  const ref = square?.getAttribute('data-pod')
  if (!ref) return null
  const at = ref.indexOf('/')
  return { namespace: ref.slice(0, at), name: ref.slice(at + 1) }
}
