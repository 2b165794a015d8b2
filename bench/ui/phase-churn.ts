/**
 * The churn the UI benchmark measures under: every second, `perSecond` pods flip between Running
 * and Pending through status writes on the in-process client, as kubelets would report them.
 */
import type { ApiClient } from '../../src/main/apiserver/client'
import { inParallel } from '../scheduler/in-process-cluster'
import { podStatus, type StoredPod } from './ui-cluster'

export interface ChurnResult {
  /** Status writes that went through. */
  writes: number
  /** The slowest second's writes, first sent → last answered (over 1000: the writes lagged). */
  slowestBatchMs: number
  /** Pods Pending when it ended (what the UI must show once it caught up). */
  pendingAtEnd: number
  /** performance.now() when the last write was answered. */
  lastWriteAt: number
}

/** Runs the churn for `seconds`; resolves when the last second's writes are answered. */
export async function runPhaseChurn(
  client: ApiClient,
  pods: StoredPod[],
  perSecond: number,
  seconds: number
): Promise<ChurnResult> {
  let cursor = 0
  let writes = 0
  let lastWriteAt = 0
  let slowestBatchMs = 0
  for (let second = 0; second < seconds; second++) {
    const tickStart = performance.now()
    const batch = Array.from({ length: perSecond }, () => cursor++ % pods.length)
    await inParallel(batch.length, 16, async (j) => {
      const at = batch[j]
      const pod = pods[at]
      const next = pod.status?.phase === 'Running' ? 'Pending' : 'Running'
      pods[at] = await client.updateStatus({
        ...pod,
        status: podStatus(pod, next, pod.status?.podIP ?? '')
      })
      writes++
      lastWriteAt = performance.now()
    })
    slowestBatchMs = Math.max(slowestBatchMs, performance.now() - tickStart)
    if (second === seconds - 1) break
    // Paced to one batch per second (the last second ends with its writes); a slow second is
    // not made up for.
    const left = 1000 - (performance.now() - tickStart)
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
  }
  return {
    writes,
    slowestBatchMs,
    pendingAtEnd: pods.filter((p) => p.status?.phase === 'Pending').length,
    lastWriteAt
  }
}
