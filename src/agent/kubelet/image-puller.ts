/**
 * Makes a container's image present per its imagePullPolicy, with kubelet's events and
 * ImagePullBackOff: a failed pull is ErrImagePull; until its back-off passes, the container waits
 * in ImagePullBackOff with the runtime's own message.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1'
import type { ContainerRuntime } from '../runtime/types'
import type { Backoff } from './backoff'
import { EVENT_REASONS as R, type EventRecorder } from './events'
import type { Waiting } from './pod-status'

/** The pull policy Kubernetes defaults to: Always for `:latest` or no tag, else IfNotPresent. */
export function pullPolicyOf(c: Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy
  const image = c.image ?? ''
  const tag = /:([^/:@]+)$/.exec(image)?.[1]
  return image.includes('@') || (tag && tag !== 'latest') ? 'IfNotPresent' : 'Always'
}

/** What `ensureImage` needs. */
export interface PullContext {
  runtime: ContainerRuntime
  events: EventRecorder
  backoff: Backoff
  /** Last pull error per back-off key, for the ImagePullBackOff message. */
  lastError: Map<string, string>
}

/** The outcome: pulled/present, or why the container waits and when to retry (ms). */
export type PullResult = { ok: true } | { ok: false; waiting: Waiting; retryMs?: number }

/** Ensures `c.image` is present. Never throws. */
export async function ensureImage(pod: Pod, c: Container, ctx: PullContext): Promise<PullResult> {
  const image = c.image ?? ''
  const policy = pullPolicyOf(c)
  const key = `${pod.metadata?.uid}/image/${image}`
  const rec = (type: 'Normal' | 'Warning', reason: string, message: string) =>
    ctx.events.record(pod, type, reason, message, c.name)
  if (policy !== 'Always') {
    const present = await ctx.runtime.imageStatus(image).catch(() => undefined)
    if (present) {
      rec('Normal', R.pulled, `Container image "${image}" already present on machine`)
      return { ok: true }
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`
      rec('Warning', 'ErrImageNeverPull', message)
      return { ok: false, waiting: { reason: 'ErrImageNeverPull', message } }
    }
  }
  if (ctx.backoff.isInBackOffSinceUpdate(key)) {
    const message = `Back-off pulling image "${image}": ErrImagePull: ${ctx.lastError.get(key) ?? ''}`
    rec('Normal', R.backOff, `Back-off pulling image "${image}"`)
    rec('Warning', R.failed, 'Error: ImagePullBackOff')
    return {
      ok: false,
      waiting: { reason: 'ImagePullBackOff', message },
      retryMs: ctx.backoff.delay(key)
    }
  }
  rec('Normal', R.pulling, `Pulling image "${image}"`)
  const started = Date.now()
  try {
    const info = await ctx.runtime.pullImage(image)
    const ms = Date.now() - started
    rec(
      'Normal',
      R.pulled,
      `Successfully pulled image "${image}" in ${ms}ms (${ms}ms including waiting). Image size: ${info.sizeBytes} bytes.`
    )
    ctx.lastError.delete(key)
    return { ok: true }
  } catch (err) {
    const message = (err as Error).message
    ctx.backoff.next(key)
    ctx.lastError.set(key, message)
    rec('Warning', R.failed, `Failed to pull image "${image}": ${message}`)
    rec('Warning', R.failed, 'Error: ErrImagePull')
    return {
      ok: false,
      waiting: { reason: 'ErrImagePull', message },
      retryMs: ctx.backoff.delay(key)
    }
  }
}
