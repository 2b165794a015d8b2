/**
 * Admission for every kind the API server serves: `admit` applies kube-apiserver's defaults (and
 * the default-on admission plugins that mutate pods), `validate` answers the field causes a 422
 * Invalid carries, `validateStatusUpdate` the lighter checks of a status subresource write.
 * Pure functions over the object: no store, no HTTP.
 */
import type { FieldCause, KubeObject, ResourceInfo } from '../types'
import {
  defaultEndpoints,
  defaultEndpointSlice,
  defaultNamespace,
  defaultNode,
  defaultSecret,
  defaultService
} from './defaults-core'
import { defaultPod, type PodAdmissionOptions } from './defaults-pod'
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet
} from './defaults-workloads'
import {
  validateConfigMap,
  validateCoreEvent,
  validateNamespace,
  validateNode,
  validateNodeStatus,
  validateSecret,
  validateServiceAccount
} from './validate-core'
import { nameCheckFor, validateObjectMeta, validateObjectMetaUpdate } from './validate-meta'
import { validateEndpointSlice, validateEventsV1, validateLease } from './validate-other'
import { validatePod, validatePodStatus, validatePodUpdate } from './validate-pod'
import { validateEndpoints, validateService } from './validate-service'
import {
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateStatefulSet,
  validateWorkloadStatus
} from './validate-workloads'
import { validateCronJob, validateJob } from './validate-batch'
import {
  defaultControllerRevision,
  validateControllerRevision
} from './validate-controller-revision'

/** The operation being admitted. */
export type AdmissionOperation = 'CREATE' | 'UPDATE'

/** Admission settings of the API server (kube-apiserver flags). */
export type AdmissionOptions = PodAdmissionOptions

type Defaulter = (
  obj: KubeObject,
  operation: AdmissionOperation,
  old?: KubeObject,
  opts?: AdmissionOptions
) => void
type Validator = (obj: KubeObject, old?: KubeObject) => FieldCause[]

const kindKey = (r: Pick<ResourceInfo, 'group' | 'kind'>): string => `${r.group}/${r.kind}`

const DEFAULTERS: Record<string, Defaulter> = {
  '/Pod': (o, op, _old, opts) => defaultPod(o, op, opts),
  '/Service': (o, _op, old) => defaultService(o, old),
  '/Secret': (o) => defaultSecret(o),
  '/Namespace': (o, op) => defaultNamespace(o, op),
  '/Node': (o) => defaultNode(o),
  '/Endpoints': (o) => defaultEndpoints(o),
  '/ReplicationController': (o) => defaultReplicationController(o),
  'apps/Deployment': (o) => defaultDeployment(o),
  'apps/ReplicaSet': (o) => defaultReplicaSet(o),
  'apps/StatefulSet': (o) => defaultStatefulSet(o),
  'apps/DaemonSet': (o) => defaultDaemonSet(o),
  'apps/ControllerRevision': (o) => defaultControllerRevision(o),
  'batch/Job': (o, op) => defaultJob(o, op),
  'batch/CronJob': (o) => defaultCronJob(o),
  'discovery.k8s.io/EndpointSlice': (o) => defaultEndpointSlice(o)
}

const VALIDATORS: Record<string, Validator> = {
  '/Pod': (o, old) => (old ? validatePodUpdate(o, old) : validatePod(o)),
  '/Service': validateService,
  '/Endpoints': validateEndpoints,
  '/ConfigMap': validateConfigMap,
  '/Secret': validateSecret,
  '/Namespace': validateNamespace,
  '/Node': validateNode,
  '/ServiceAccount': validateServiceAccount,
  '/Event': (o) => validateCoreEvent(o),
  'apps/Deployment': validateDeployment,
  'apps/ReplicaSet': validateReplicaSet,
  'apps/StatefulSet': validateStatefulSet,
  'apps/DaemonSet': validateDaemonSet,
  'apps/ControllerRevision': validateControllerRevision,
  'batch/Job': validateJob,
  'batch/CronJob': validateCronJob,
  'coordination.k8s.io/Lease': validateLease,
  'discovery.k8s.io/EndpointSlice': validateEndpointSlice,
  'events.k8s.io/Event': validateEventsV1
}

/**
 * Applies Kubernetes defaults to `obj` in place. On CREATE of a Job the caller must already have
 * set `metadata.uid` (the generated selector uses it). May throw a 403 ApiError when a pod names
 * a PriorityClass that does not exist, as the Priority admission plugin does.
 */
export function admit(
  resource: ResourceInfo,
  operation: AdmissionOperation,
  obj: KubeObject,
  old?: KubeObject,
  opts?: AdmissionOptions
): void {
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {}
  DEFAULTERS[kindKey(resource)]?.(obj, operation, old, opts)
}

/**
 * The field causes that make `obj` invalid (empty when it is valid), with kube-apiserver's field
 * paths, reasons and messages. With `old` (UPDATE), also what the update may not change.
 */
export function validate(
  resource: ResourceInfo,
  operation: AdmissionOperation,
  obj: KubeObject,
  old?: KubeObject
): FieldCause[] {
  const previous = operation === 'UPDATE' ? old : undefined
  const validator = VALIDATORS[kindKey(resource)]
  if (validator) return validator(obj, previous)
  const causes = validateObjectMeta(obj.metadata ?? {}, resource.namespaced, nameCheckFor(resource))
  if (previous)
    causes.push(...validateObjectMetaUpdate(obj.metadata ?? {}, previous.metadata ?? {}))
  return causes
}

/** Light checks for a write through the status subresource: metadata identity and status shape. */
export function validateStatusUpdate(
  resource: ResourceInfo,
  obj: KubeObject,
  old: KubeObject
): FieldCause[] {
  const causes = validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {})
  switch (kindKey(resource)) {
    case '/Pod':
      return [...causes, ...validatePodStatus(obj)]
    case '/Node':
      return [...causes, ...validateNodeStatus(obj)]
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case 'batch/Job':
      return [...causes, ...validateWorkloadStatus(obj)]
    default:
      return causes
  }
}
