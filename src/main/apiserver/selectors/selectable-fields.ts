/**
 * Which fields each kind can be selected by (`--field-selector`), how a field's value is read
 * from a stored object, and the error kube-apiserver gives for any other field. Mirrors the
 * scheme's field label conversion functions and the registry strategies' `ToSelectableFields`.
 */
import type { KubeObject, ResourceInfo } from '../types'

/** A kind's selectable fields: the accepted labels and how to read each value. */
interface SelectableFields {
  /** Accepted field labels, with an optional rename (`spec.host` → `spec.nodeName`). */
  labels: Record<string, string>
  /** The message for an unsupported label. */
  unsupported: (label: string) => string
  /** The object's values; a field absent here reads as `''`, as in `fields.Set.Get`. */
  values: (obj: KubeObject) => Record<string, string>
}

type Json = Record<string, unknown>

const asRecord = (value: unknown): Json =>
  value !== null && typeof value === 'object' ? (value as Json) : {}
const str = (value: unknown): string => (value === undefined || value === null ? '' : String(value))
/** Go's `fmt.Sprint(bool)` of an optional boolean: `true` / `false`. */
const bool = (value: unknown): string => (value === true ? 'true' : 'false')

function metaValues(obj: KubeObject, namespaced: boolean): Record<string, string> {
  const values: Record<string, string> = { 'metadata.name': str(obj.metadata?.name) }
  if (namespaced) values['metadata.namespace'] = str(obj.metadata?.namespace)
  return values
}

function accept(...labels: string[]): Record<string, string> {
  return Object.fromEntries(labels.map((l) => [l, l]))
}

const fieldLabelNotSupported = (label: string): string => `field label not supported: ${label}`

const eventLabels = accept(
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
  'metadata.namespace',
  'metadata.name'
)

function eventValues(
  obj: KubeObject,
  involved: Json,
  sourceComponent: unknown,
  reportingController: unknown
): Record<string, string> {
  return {
    ...metaValues(obj, true),
    'involvedObject.kind': str(involved.kind),
    'involvedObject.namespace': str(involved.namespace),
    'involvedObject.name': str(involved.name),
    'involvedObject.uid': str(involved.uid),
    'involvedObject.apiVersion': str(involved.apiVersion),
    'involvedObject.resourceVersion': str(involved.resourceVersion),
    'involvedObject.fieldPath': str(involved.fieldPath),
    reason: str(obj.reason),
    reportingComponent: str(reportingController),
    source: str(sourceComponent) || str(reportingController),
    type: str(obj.type)
  }
}

/** Per-kind tables, keyed `<group>/<Kind>` (core group: `/Pod`). */
const byKind: Record<string, SelectableFields> = {
  '/Pod': {
    labels: {
      ...accept(
        'metadata.name',
        'metadata.namespace',
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        'status.podIPs',
        'status.nominatedNodeName'
      ),
      // Old v1 clients send spec.host.
      'spec.host': 'spec.nodeName'
    },
    unsupported: fieldLabelNotSupported,
    values: (obj) => {
      const spec = asRecord(obj.spec)
      const status = asRecord(obj.status)
      const podIPs = Array.isArray(status.podIPs) ? status.podIPs : []
      return {
        ...metaValues(obj, true),
        'spec.nodeName': str(spec.nodeName),
        'spec.restartPolicy': str(spec.restartPolicy),
        'spec.schedulerName': str(spec.schedulerName),
        'spec.serviceAccountName': str(spec.serviceAccountName),
        'spec.hostNetwork': bool(spec.hostNetwork),
        'status.phase': str(status.phase),
        'status.podIP': str(asRecord(podIPs[0]).ip) || str(status.podIP),
        'status.nominatedNodeName': str(status.nominatedNodeName)
      }
    }
  },
  '/Node': {
    labels: accept('metadata.name', 'spec.unschedulable'),
    unsupported: fieldLabelNotSupported,
    values: (obj) => ({
      ...metaValues(obj, false),
      'spec.unschedulable': bool(asRecord(obj.spec).unschedulable)
    })
  },
  '/Namespace': {
    labels: accept('status.phase', 'metadata.name'),
    unsupported: fieldLabelNotSupported,
    values: (obj) => ({
      ...metaValues(obj, false),
      'status.phase': str(asRecord(obj.status).phase),
      name: str(obj.metadata?.name)
    })
  },
  '/Secret': {
    labels: accept('type', 'metadata.namespace', 'metadata.name'),
    unsupported: fieldLabelNotSupported,
    values: (obj) => ({ ...metaValues(obj, true), type: str(obj.type) })
  },
  '/Service': {
    labels: accept('metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type'),
    unsupported: fieldLabelNotSupported,
    values: (obj) => {
      const spec = asRecord(obj.spec)
      return {
        ...metaValues(obj, true),
        'spec.clusterIP': str(spec.clusterIP),
        'spec.type': str(spec.type)
      }
    }
  },
  '/ReplicationController': {
    labels: accept('metadata.name', 'metadata.namespace', 'status.replicas'),
    unsupported: fieldLabelNotSupported,
    values: (obj) => ({
      ...metaValues(obj, true),
      'status.replicas': String(Number(asRecord(obj.status).replicas ?? 0))
    })
  },
  '/Event': {
    labels: eventLabels,
    unsupported: fieldLabelNotSupported,
    values: (obj) =>
      eventValues(
        obj,
        asRecord(obj.involvedObject),
        asRecord(obj.source).component,
        obj.reportingComponent
      )
  },
  // events.k8s.io serves the same Event with new field names; selectors keep the core names.
  'events.k8s.io/Event': {
    labels: eventLabels,
    unsupported: fieldLabelNotSupported,
    values: (obj) =>
      eventValues(
        obj,
        asRecord(obj.regarding),
        asRecord(obj.deprecatedSource).component,
        obj.reportingController
      )
  },
  'batch/Job': {
    labels: accept('metadata.name', 'metadata.namespace', 'status.successful'),
    unsupported: (label) => `field label ${JSON.stringify(label)} not supported for batchv1.Job`,
    values: (obj) => ({
      ...metaValues(obj, true),
      'status.successful': String(Number(asRecord(obj.status).succeeded ?? 0))
    })
  }
}

/** Kinds without their own conversion accept only name and namespace (`DefaultMetaV1FieldSelectorConversion`). */
function defaultFields(namespaced: boolean): SelectableFields {
  return {
    labels: accept('metadata.name', 'metadata.namespace'),
    unsupported: (label) =>
      `${JSON.stringify(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
    values: (obj) => metaValues(obj, namespaced)
  }
}

/** The selectable fields of a resource. */
export function selectableFieldsOf(
  resource: Pick<ResourceInfo, 'group' | 'kind' | 'namespaced'>
): SelectableFields {
  return byKind[`${resource.group}/${resource.kind}`] ?? defaultFields(resource.namespaced)
}
