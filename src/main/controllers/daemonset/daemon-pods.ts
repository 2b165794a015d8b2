/**
 * A DaemonSet's pods (kube-controller-manager's `pkg/controller/daemon/util` and
 * `getNodesToDaemonPods`): the pods it claims (adopting matching orphans, releasing owned pods
 * that stopped matching), grouped by the node they are for — `spec.nodeName` once bound, the
 * `matchFields metadata.name In [node]` affinity until then — and the pod built for a node,
 * labelled with `controller-revision-hash` and `pod-template-generation`.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1'
import { newControllerRef, specSelector } from '../shared/controller-ref'
import { ControllerRefManager } from '../shared/controller-ref-manager'
import { computeHash } from '../deployment/deployment-util'
import { addDaemonPodTolerations, type DaemonSetObj } from './node-should-run'
import { DAEMONSET_TYPE, type PodObj, type SyncContext } from './sync-context'
import { POD_TYPE } from '../shared/pod-utils'

/** The label naming the revision (template hash) a daemon pod was made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash'
/** The label carrying the template generation a daemon pod was made from. */
export const POD_TEMPLATE_GENERATION = 'pod-template-generation'
/** The annotation kube-apiserver keeps the DaemonSet's template generation in. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation'

/** The current revision's hash: the template's, salted by `status.collisionCount`. */
export function currentHash(ds: DaemonSetObj): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount)
}

/**
 * The template generation (`GetTemplateGeneration`): kube-apiserver's annotation when present;
 * otherwise `metadata.generation`, which moves with every spec change rather than only template
 * changes, so the hash label stays what decides whether a pod is up to date.
 */
export function templateGeneration(ds: DaemonSetObj): number | undefined {
  const annotated = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]
  if (annotated !== undefined) {
    const n = Number(annotated)
    return Number.isInteger(n) ? n : undefined
  }
  return ds.metadata.generation
}

/** `IsPodUpdated`: the pod carries the current hash or the current template generation. */
export function isPodUpdated(pod: PodObj, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {}
  const templateMatches =
    generation !== undefined && labels[POD_TEMPLATE_GENERATION] === String(generation)
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH] === hash) || templateMatches
}

/** `GetTargetNodeName`: the node a daemon pod is bound to, or is pinned to by its affinity. */
export function targetNodeName(pod: PodObj): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? []
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In') {
        return f.values?.length === 1 ? f.values[0] : undefined
      }
    }
  }
  return undefined
}

/**
 * `CreatePodTemplate` + `ReplaceDaemonSetPodNodeNameNodeAffinity`: the pod for `nodeName`,
 * unbound, its required node affinity replaced by `metadata.name In [nodeName]` so the scheduler
 * binds it there (the controller has already checked the template's own affinity).
 */
export function newDaemonPod(ds: DaemonSetObj, nodeName: string, hash: string): PodObj {
  const template: PodTemplateSpec = structuredClone(ds.spec?.template ?? {})
  const spec = template.spec ?? { containers: [] }
  addDaemonPodTolerations(spec)
  const affinity = spec.affinity ?? {}
  const nodeAffinity = affinity.nodeAffinity ?? {}
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }
    ]
  }
  affinity.nodeAffinity = nodeAffinity
  spec.affinity = affinity
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) }
  const generation = templateGeneration(ds)
  if (generation !== undefined) labels[POD_TEMPLATE_GENERATION] = String(generation)
  if (hash) labels[CONTROLLER_REVISION_HASH] = hash
  // The in-process client takes objects as they are: absent fields must be absent, not undefined.
  const metadata: PodObj['metadata'] = {
    generateName: `${ds.metadata.name}-`,
    namespace: ds.metadata.namespace,
    labels,
    ownerReferences: [newControllerRef(ds)]
  }
  if (template.metadata?.annotations) metadata.annotations = template.metadata.annotations
  if (template.metadata?.finalizers) metadata.finalizers = template.metadata.finalizers
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec }
}

const created = (p: PodObj): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0

/** `podByCreationTimestampAndPhase`: bound pods first, then oldest first, then by name. */
export function byCreationAndPhase(a: PodObj, b: PodObj): number {
  const ba = a.spec?.nodeName ? 0 : 1
  const bb = b.spec?.nodeName ? 0 : 1
  if (ba !== bb) return ba - bb
  if (created(a) !== created(b)) return created(a) - created(b)
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
}

/**
 * `getNodesToDaemonPods`: the claimed pods by target node. Terminal pods already being deleted
 * are left out — their kubelet or the pod GC finishes them, the controller has nothing to do.
 */
export async function nodesToDaemonPods(
  ctx: SyncContext,
  ds: DaemonSetObj
): Promise<Map<string, PodObj[]>> {
  const byNode = new Map<string, PodObj[]>()
  for (const pod of await claimPods(ctx, ds)) {
    const phase = pod.status?.phase
    const terminal = phase === 'Succeeded' || phase === 'Failed'
    if (terminal && pod.metadata.deletionTimestamp) continue
    const node = targetNodeName(pod)
    if (node === undefined) continue
    const list = byNode.get(node)
    if (list) list.push(pod)
    else byNode.set(node, [pod])
  }
  return byNode
}

/** `ClaimPods`: owned pods that still match, plus matching orphans adopted; the rest released. */
function claimPods(ctx: SyncContext, ds: DaemonSetObj): Promise<PodObj[]> {
  const selector = specSelector(ds)
  if (!selector) return Promise.resolve([])
  const manager = new ControllerRefManager<PodObj>({
    client: ctx.client,
    log: ctx.log,
    owner: ds,
    ownerType: DAEMONSET_TYPE,
    objectType: POD_TYPE
  })
  return manager.claim(
    ctx.podInformer.store.byIndex('namespace', ds.metadata.namespace ?? ''),
    (pod) => selector.matches(pod.metadata.labels)
  )
}
