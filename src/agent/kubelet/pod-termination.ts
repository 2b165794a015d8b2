/**
 * Stopping a pod, as kubelet's killPod: preStop hooks, then every running container stopped
 * within what is left of the grace period (events Killing), then the sandbox stopped and removed.
 * A pod deleted gracefully (deletionTimestamp) is then deleted for good with gracePeriodSeconds 0
 * and a uid precondition, so a pod re-created under the same name is never touched.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1'
import { ApiError, KINDS } from '../api/types'
import { EVENT_REASONS as R } from './events'
import { runProbe } from './probes'
import type { WorkerDeps } from './worker-deps'

/** JSON with sorted keys, to compare statuses whatever their key order. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value
  )
}

/** Stops and removes everything of `pod`; with `deleteFromApi`, then deletes it with grace 0. */
export async function terminatePod(
  pod: Pod,
  deps: WorkerDeps,
  deleteFromApi: boolean
): Promise<void> {
  const { runtime } = deps
  const uid = pod.metadata?.uid ?? ''
  const grace =
    pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
  const deadline = Date.now() + grace * 1000
  const left = () => Math.max(0, Math.ceil((deadline - Date.now()) / 1000))
  const specs = new Map<string, Container>(
    [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c])
  )
  const containers = await runtime.listContainers({ podUid: uid })
  const sandboxes = await runtime.listPodSandboxes({ podUid: uid })
  const podIP = sandboxes.find((s) => s.ip)?.ip
  await Promise.all(
    containers
      .filter((c) => c.state === 'running')
      .map(async (c) => {
        const spec = specs.get(c.name)
        const preStop = spec?.lifecycle?.preStop
        if (spec && preStop && (preStop.exec || preStop.httpGet)) {
          const hook = { ...preStop, timeoutSeconds: left() } as never
          const r = await runProbe(hook, spec, c.id, { runtime, podIP: () => podIP })
          if (!r.ok) {
            deps.events.record(
              pod,
              'Warning',
              'FailedPreStopHook',
              `PreStopHook failed: ${r.output}`,
              c.name
            )
          }
        }
        deps.events.record(pod, 'Normal', R.killing, `Stopping container ${c.name}`, c.name)
        await runtime
          .stopContainer(c.id, left())
          .catch((err: unknown) =>
            deps.log.warn('stop container failed', { id: c.id, err: String(err) })
          )
      })
  )
  for (const c of containers) await runtime.removeContainer(c.id).catch(() => undefined)
  for (const s of sandboxes) {
    await runtime.stopPodSandbox(s.id).catch(() => undefined)
    await runtime.removePodSandbox(s.id).catch(() => undefined)
  }
  if (!deleteFromApi) return
  try {
    await deps.client.delete(KINDS.pod, pod.metadata?.namespace, pod.metadata?.name ?? '', {
      gracePeriodSeconds: 0,
      preconditions: { uid }
    })
    deps.log.info('pod deleted', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` })
  } catch (err) {
    if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return
    throw err
  }
}
