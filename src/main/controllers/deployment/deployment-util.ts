/**
 * Deployment helpers (kube-controller-manager's `pkg/controller/deployment/util`): the
 * pod-template-hash, maxSurge/maxUnavailable resolution with Kubernetes' rounding, revisions,
 * and the annotations a Deployment's ReplicaSets carry.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1'
import type { PodTemplateSpec } from 'kubernetes-types/core/v1'
import type { KubeObject } from '../../apiserver/types'

/** A Deployment as the cache holds it. */
export type DeploymentObj = Deployment & KubeObject
/** A ReplicaSet as the cache holds it. */
export type ReplicaSetObj = ReplicaSet & KubeObject

/** The label (and selector term) telling a Deployment's ReplicaSets apart. */
export const POD_TEMPLATE_HASH = 'pod-template-hash'
/** The revision annotation kubectl rollout history reads. */
export const REVISION = 'deployment.kubernetes.io/revision'
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history'
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas'
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas'
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'

// rand.SafeEncodeString's alphabet: no vowels (no words), no 0/1/3 (no look-alikes).
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789'

/** JSON with object keys sorted: equal values give equal text whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** Whether `v` is what Go's encoding leaves for an unset field: null, {} or []. */
const unset = (v: unknown): boolean =>
  v === null ||
  (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v!).length === 0)

/** `value` without unset fields, deepest first, so equal Go values give equal JSON. */
function withoutUnset(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUnset)
  if (!value || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const pruned = withoutUnset(v)
    if (!unset(pruned)) out[k] = pruned
  }
  return out
}

/**
 * The template without the pod-template-hash label (what `EqualIgnoreHash` compares), and
 * without unset fields: kubectl's rollout undo sends the ReplicaSet's template as Go serialises
 * it (`creationTimestamp: null`, `resources: {}`), which must still equal the ReplicaSet it
 * came from, as it does once kube-apiserver has decoded it.
 */
function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const t = withoutUnset(template ?? {}) as PodTemplateSpec
  if (t.metadata?.labels) {
    delete t.metadata.labels[POD_TEMPLATE_HASH]
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels
  }
  return t
}

/** Whether two templates are equal apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined) {
  return canonical(withoutHash(a)) === canonical(withoutHash(b))
}

/**
 * `ComputeHash`: FNV-1a 32 of the template (plus the collision count when set), its decimal
 * digits encoded with the safe alphabet — names like `web-7d4b9c8f6`.
 */
export function computeHash(
  template: PodTemplateSpec | undefined,
  collisionCount?: number
): string {
  let text = canonical(withoutHash(template))
  if (collisionCount) text += String(collisionCount)
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return [...String(hash)].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('')
}

/** `intstr.GetScaledValueFromIntOrPercent`: an int, or a percentage of `total` rounded. */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean) {
  if (value === undefined) return 0
  if (typeof value === 'number') return value
  const m = /^(\d+)%$/.exec(value)
  if (!m) {
    const n = Number(value)
    if (Number.isInteger(n)) return n
    throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}`)
  }
  const exact = (Number(m[1]) * total) / 100
  return roundUp ? Math.ceil(exact) : Math.floor(exact)
}

/**
 * `ResolveFenceposts`: maxSurge rounds up, maxUnavailable rounds down; when both come to 0,
 * maxUnavailable is 1 so a rollout can move at all.
 */
export function resolveFenceposts(d: DeploymentObj): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec?.replicas ?? 1
  const ru = d.spec?.strategy?.rollingUpdate
  const maxSurge = scaledValue(ru?.maxSurge ?? '25%', replicas, true)
  let maxUnavailable = scaledValue(ru?.maxUnavailable ?? '25%', replicas, false)
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1
  return { maxSurge, maxUnavailable }
}

/** `MaxUnavailable`: what may be unavailable; 0 for Recreate, never more than replicas. */
export function maxUnavailable(d: DeploymentObj): number {
  const replicas = d.spec?.replicas ?? 1
  if (d.spec?.strategy?.type !== 'RollingUpdate' || replicas === 0) return 0
  return Math.min(resolveFenceposts(d).maxUnavailable, replicas)
}

/** The revision number of a ReplicaSet (0 when it has none). */
export function revisionOf(obj: KubeObject): number {
  return Number(obj.metadata.annotations?.[REVISION] ?? 0) || 0
}

/** Sum of `spec.replicas` over `sets`. */
export const specReplicas = (sets: ReplicaSetObj[]): number =>
  sets.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0)

/** Sum of a status count over `sets`. */
export const statusSum = (
  sets: ReplicaSetObj[],
  field: 'replicas' | 'readyReplicas' | 'availableReplicas'
): number => sets.reduce((n, rs) => n + (rs.status?.[field] ?? 0), 0)

/** Oldest first, ties by name (`ReplicaSetsByCreationTimestamp`). */
export function byCreation(a: ReplicaSetObj, b: ReplicaSetObj): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0
  return ta !== tb ? ta - tb : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
}

/**
 * The annotations copied from a Deployment to its ReplicaSets (`copyDeploymentAnnotationsToReplicaSet`):
 * all but kubectl's last-applied and the controller's own.
 */
export function copiedAnnotations(d: DeploymentObj): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if ([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS].includes(k))
      continue
    out[k] = v
  }
  return out
}
