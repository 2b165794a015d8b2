/**
 * The pods of a Job: made from `spec.template` with the tracking finalizer and a controller
 * reference (`CreatePodsWithGenerateName`), and for Indexed Jobs the completion index
 * (annotation, label, hostname `<job>-<i>`, `JOB_COMPLETION_INDEX` env, name `<job>-<i>-<rand>`),
 * the succeeded indexes (`completedIndexes` as "1,3-5,7") and the indexes still to run
 * (`indexed_job_utils.go`).
 */
import type { EnvVar } from 'kubernetes-types/core/v1'
import { newControllerRef } from '../shared/controller-ref'
import { compareForDeletion, isPodActive } from '../shared/pod-utils'
import {
  JOB_COMPLETION_INDEX,
  JOB_TRACKING_FINALIZER,
  completionIndexOf,
  isIndexedJob,
  type JobObj,
  type PodObj
} from './job-utils'

/** A pod for `job` (with completion index `index` for Indexed Jobs), ready to create. */
export function podForJob(job: JobObj, index = -1): PodObj {
  const template = structuredClone(job.spec?.template ?? {})
  const meta = template.metadata ?? {}
  const spec = template.spec ?? { containers: [] }
  const name = job.metadata.name ?? ''
  // The in-process client takes objects as they are: absent fields must be absent, not undefined.
  const metadata: PodObj['metadata'] = {
    generateName: index >= 0 ? `${name}-${index}-` : `${name}-`,
    namespace: job.metadata.namespace,
    ownerReferences: [newControllerRef(job)],
    finalizers: [...new Set([...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER])]
  }
  if (meta.labels) metadata.labels = meta.labels
  if (meta.annotations) metadata.annotations = meta.annotations
  if (index >= 0) {
    metadata.annotations = { ...metadata.annotations, [JOB_COMPLETION_INDEX]: String(index) }
    metadata.labels = { ...metadata.labels, [JOB_COMPLETION_INDEX]: String(index) }
    spec.hostname ??= `${name}-${index}`
    const env: EnvVar = {
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: {
        fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` }
      }
    }
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      if (!c.env?.some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env]
    }
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec }
}

/** Sorted, distinct indexes of succeeded pods below `completions`. */
export function succeededIndexes(pods: PodObj[], completions: number): number[] {
  const set = new Set<number>()
  for (const p of pods) {
    const i = completionIndexOf(p)
    if (p.status?.phase === 'Succeeded' && i >= 0 && i < completions) set.add(i)
  }
  return [...set].sort((a, b) => a - b)
}

/** Parses `completedIndexes` ("1,3-5,7") back into indexes below `completions`. */
export function parseIndexes(text: string | undefined, completions: number): number[] {
  const out: number[] = []
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number)
    for (let i = a; i <= (b ?? a); i++) if (i < completions) out.push(i)
  }
  return out
}

/** Formats indexes as Kubernetes does: runs of three or more become `first-last`. */
export function formatIndexes(indexes: number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`)
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]))
    i = j + 1
  }
  return parts.join(',')
}

/** The lowest `count` indexes neither succeeded nor held by an active pod. */
export function firstPendingIndexes(
  active: PodObj[],
  succeeded: Set<number>,
  count: number,
  completions: number
): number[] {
  const taken = new Set(active.map(completionIndexOf))
  const out: number[] = []
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!succeeded.has(i) && !taken.has(i)) out.push(i)
  }
  return out
}

/**
 * Active pods to delete (`activePodsForRemoval`): for Indexed Jobs first those with a missing,
 * out-of-range or repeated index, then at least `rmAtLeast` in deletion order.
 */
export function activePodsForRemoval(job: JobObj, active: PodObj[], rmAtLeast: number): PodObj[] {
  const rm: PodObj[] = []
  let left = active
  if (isIndexedJob(job)) {
    const completions = job.spec?.completions ?? 0
    const seen = new Set<number>()
    left = []
    for (const p of [...active].sort((a, b) => completionIndexOf(a) - completionIndexOf(b))) {
      const i = completionIndexOf(p)
      if (i < 0 || i >= completions || seen.has(i)) rm.push(p)
      else {
        seen.add(i)
        left.push(p)
      }
    }
  }
  if (rm.length < rmAtLeast) {
    rm.push(...[...left].sort(compareForDeletion).slice(0, rmAtLeast - rm.length))
  }
  return rm.filter(isPodActive)
}
