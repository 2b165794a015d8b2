/**
 * The subresources beyond status: scale (autoscaling/v1 Scale of deployments, replicasets and
 * statefulsets), pods/binding (the scheduler's write), pods/eviction (deletes the pod;
 * PodDisruptionBudgets are not modelled) and pods/log (proxied to the kubelet of the pod's node,
 * in pod-log.ts).
 */
import { ApiError, badRequest, conflict } from '../api-errors'
import type { KubeObject } from '../types'
import { patchObject } from './collaborators'
import {
  timestamp,
  type RestContext,
  type Target,
  type WriteOptions,
  type WriteResult
} from './context'
import { deleteObject, type DeleteOptions } from './delete'
import type { PatchType } from './patch'
import { writeUpdate } from './update'

interface ScaleSpec {
  replicas?: number
}

/** The Scale view of a workload. */
export function scaleOf(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as {
    replicas?: number
    selector?: { matchLabels?: Record<string, string> }
  }
  const status = (obj.status ?? {}) as { replicas?: number }
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
  const m = obj.metadata
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) }
  }
}

/** GET …/scale. */
export async function getScale(ctx: RestContext, target: Target): Promise<KubeObject> {
  return scaleOf(await ctx.storage.get(target.entry, target.namespace, target.name ?? ''))
}

/** PUT or PATCH …/scale: changes spec.replicas of the workload; answers the new Scale. */
export async function writeScale(
  ctx: RestContext,
  target: Target,
  change: { put: unknown } | { patchType: PatchType; patch: unknown },
  opts: WriteOptions
): Promise<WriteResult> {
  const { entry } = target
  const name = target.name ?? ''
  const old = await ctx.storage.get(entry, target.namespace, name)
  const current = scaleOf(old)
  let scale: KubeObject
  if ('put' in change) {
    scale = change.put as KubeObject
  } else {
    if (change.patchType === 'apply')
      throw badRequest('apply patches are not supported on the scale subresource')
    scale = patchObject(change.patchType, current, change.patch)
  }
  if (!scale || typeof scale !== 'object' || (scale.kind && scale.kind !== 'Scale')) {
    throw badRequest('the body must be an autoscaling/v1 Scale')
  }
  const wanted = scale.metadata?.resourceVersion
  if (wanted && wanted !== old.metadata.resourceVersion)
    throw conflict(entry.plural, entry.group, name)
  const replicas = (scale.spec as ScaleSpec | undefined)?.replicas
  if (replicas === undefined || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      422,
      'Invalid',
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      {
        name,
        group: 'autoscaling',
        kind: 'Scale',
        causes: [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.replicas',
            message: 'Invalid value: must be greater than or equal to 0'
          }
        ]
      }
    )
  }
  const updated = { ...old, spec: { ...((old.spec as object) ?? {}), replicas } }
  const result = await writeUpdate(ctx, target, old, updated, opts, 'main')
  return { ...result, object: scaleOf(result.object) }
}

/** POST pods/<name>/binding: assigns the pod to a node; 409 when it already has one. */
export async function bindPod(
  ctx: RestContext,
  target: Target,
  body: unknown,
  opts: WriteOptions
): Promise<WriteResult> {
  const binding = body as
    | {
        target?: { kind?: string; name?: string }
        metadata?: { name?: string; annotations?: Record<string, string> }
      }
    | undefined
  const nodeName = binding?.target?.name
  if (!nodeName) throw badRequest('a Binding needs target.name (the node)')
  if (binding?.target?.kind && binding.target.kind !== 'Node') {
    throw badRequest(`a pod can only be bound to a Node, not ${binding.target.kind}`)
  }
  const name = binding?.metadata?.name ?? target.name ?? ''
  if (name !== target.name)
    throw badRequest('the name of the Binding does not match the pod in the URL')
  const pod = await ctx.storage.get(target.entry, target.namespace, name)
  const spec = (pod.spec ?? {}) as { nodeName?: string }
  if (pod.metadata.deletionTimestamp) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`
    )
  }
  if (spec.nodeName) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${spec.nodeName}"`
    )
  }
  // Like kube-apiserver's binding storage: a direct write of spec.nodeName (pod update validation
  // forbids it) plus the PodScheduled condition and the binding's annotations.
  const status = { ...((pod.status as Record<string, unknown>) ?? {}) }
  const conditions = ((status.conditions as { type: string }[]) ?? []).filter(
    (c) => c.type !== 'PodScheduled'
  )
  status.conditions = [
    ...conditions,
    {
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: timestamp(ctx.now())
    }
  ]
  const annotations = {
    ...(pod.metadata.annotations ?? {}),
    ...(binding?.metadata?.annotations ?? {})
  }
  const updated: KubeObject = {
    ...pod,
    metadata: { ...pod.metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: { ...spec, nodeName },
    status
  }
  if (!opts.dryRun)
    await ctx.storage.update(target.entry, updated, Number(pod.metadata.resourceVersion))
  return { object: successStatus(201), code: 201, warnings: [] }
}

/** POST pods/<name>/eviction: deletes the pod with the eviction's delete options. */
export async function evictPod(
  ctx: RestContext,
  target: Target,
  body: unknown,
  dryRun: boolean
): Promise<WriteResult> {
  const eviction = (body ?? {}) as { deleteOptions?: DeleteOptions; metadata?: { name?: string } }
  if (eviction.metadata?.name && eviction.metadata.name !== target.name) {
    throw badRequest('name in URL does not match name in Eviction object')
  }
  await deleteObject(ctx, target, { ...(eviction.deleteOptions ?? {}), dryRun })
  return { object: successStatus(201), code: 201, warnings: [] }
}

/** GET pods/<name>/log: streamed from the kubelet of the pod's node (see pod-log.ts). */
export { servePodLog as podLog } from './pod-log'

/** A `Status` with status Success (what binding and eviction answer). */
export function successStatus(code: number, details?: Record<string, unknown>): KubeObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
    code
  }
}
