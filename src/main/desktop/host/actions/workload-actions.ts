/**
 * The Workloads view's buttons, as their kubectl commands: `scale`, `rollout restart`,
 * `rollout undo`, `delete` and `replace` (the edited YAML of one object).
 */
import { ApiError } from '../../../apiserver/api-errors'
import type { ApiClient } from '../../../apiserver/client'
import type { KubeObject } from '../../../apiserver/types'
import type { ActionResult, ObjectRef, WorkloadActionInput } from '../../../../shared/desktop-api'
import { parseDocuments, UI_FIELD_MANAGER } from './apply-yaml'
import { displayName, namespaceOf, resolveKind } from '../resource-types'
import { rollbackDeployment } from './rollback'

const SCALABLE = ['Deployment', 'ReplicaSet', 'StatefulSet']
const RESTARTABLE = ['Deployment', 'StatefulSet', 'DaemonSet']
/** The annotation `kubectl rollout restart` sets on the pod template. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt'
const MAX_REPLICAS = 1000

/** Runs one workload action; rejects with a readable message (the API's own when it refused). */
export async function workloadAction(
  client: ApiClient,
  input: WorkloadActionInput
): Promise<ActionResult> {
  switch (input?.action) {
    case 'scale':
      return scale(client, checkRef(input.ref), input.replicas)
    case 'restart':
      return restart(client, checkRef(input.ref))
    case 'rollback': {
      const ref = checkRef(input.ref)
      if (ref.kind !== 'Deployment')
        throw new Error(`only Deployments can be rolled back, not ${ref.kind}s`)
      return rollbackDeployment(client, ref.namespace || 'default', ref.name, input.revision)
    }
    case 'delete':
      return remove(client, checkRef(input.ref), input.propagationPolicy)
    case 'replace':
      return replace(client, input.yaml)
    default:
      throw new Error(
        `unknown workload action ${JSON.stringify((input as { action?: unknown })?.action)}: ` +
          'scale, restart, rollback, delete or replace'
      )
  }
}

function checkRef(ref: ObjectRef | undefined): ObjectRef {
  if (!ref || typeof ref.kind !== 'string' || typeof ref.name !== 'string' || ref.name === '') {
    throw new Error('the action needs an object (kind and name)')
  }
  return ref
}

async function scale(client: ApiClient, ref: ObjectRef, replicas: unknown): Promise<ActionResult> {
  if (!SCALABLE.includes(ref.kind)) {
    throw new Error(`${ref.kind}s cannot be scaled (only ${SCALABLE.join(', ')})`)
  }
  if (
    typeof replicas !== 'number' ||
    !Number.isInteger(replicas) ||
    replicas < 0 ||
    replicas > MAX_REPLICAS
  ) {
    throw new Error(
      `replicas must be a whole number from 0 to ${MAX_REPLICAS}, not ${String(replicas)}`
    )
  }
  const info = resolveKind(ref.kind, client.resources)
  await client.patch(
    info.type,
    namespaceOf(info, ref),
    ref.name,
    'merge',
    { spec: { replicas } },
    {
      fieldManager: UI_FIELD_MANAGER
    }
  )
  return { message: `${displayName(info, ref.name)} scaled to ${replicas}` }
}

async function restart(client: ApiClient, ref: ObjectRef): Promise<ActionResult> {
  if (!RESTARTABLE.includes(ref.kind)) {
    throw new Error(`${ref.kind}s cannot be restarted (only ${RESTARTABLE.join(', ')})`)
  }
  const info = resolveKind(ref.kind, client.resources)
  const patch = {
    spec: {
      template: {
        metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: new Date().toISOString() } }
      }
    }
  }
  await client.patch(info.type, namespaceOf(info, ref), ref.name, 'strategic', patch, {
    fieldManager: UI_FIELD_MANAGER
  })
  return { message: `${displayName(info, ref.name)} restarted` }
}

async function remove(
  client: ApiClient,
  ref: ObjectRef,
  propagationPolicy: 'Foreground' | 'Background' | 'Orphan' | undefined
): Promise<ActionResult> {
  if (propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(propagationPolicy)) {
    throw new Error(
      `propagationPolicy must be Foreground, Background or Orphan, not ${propagationPolicy}`
    )
  }
  const info = resolveKind(ref.kind, client.resources)
  await client.delete(
    info.type,
    namespaceOf(info, ref),
    ref.name,
    propagationPolicy ? { propagationPolicy } : {}
  )
  return { message: `${displayName(info, ref.name)} deleted` }
}

async function replace(client: ApiClient, yaml: string): Promise<ActionResult> {
  const docs = parseDocuments(yaml)
  if (docs.length !== 1) {
    throw new Error(`replace takes exactly one object; the YAML holds ${docs.length}`)
  }
  const doc = docs[0]
  if (!('object' in doc)) throw new Error(doc.error)
  const object = doc.object as unknown as KubeObject
  if (
    typeof object.kind !== 'string' ||
    typeof object.apiVersion !== 'string' ||
    !object.metadata?.name
  ) {
    throw new Error('the object needs apiVersion, kind and metadata.name')
  }
  const info = resolveKind(object.kind, client.resources)
  if (info.namespaced && !object.metadata.namespace) object.metadata.namespace = 'default'
  try {
    await client.update(object, { fieldManager: UI_FIELD_MANAGER })
  } catch (err) {
    // The API's own words ("... the object has been modified; please apply your changes to the
    // latest version and try again") are what the user needs; keep them.
    if (err instanceof ApiError) throw new Error(err.message)
    throw err
  }
  return { message: `${displayName(info, object.metadata.name)} replaced` }
}
