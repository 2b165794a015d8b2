/**
 * Helpers for the admission tests: resource descriptions, minimal valid objects, and the line
 * kubectl prints for a 422 (so expectations read like what a user sees).
 */
import { admit, validate } from '../../../src/main/apiserver/admission'
import type { FieldCause, KubeObject, ResourceInfo } from '../../../src/main/apiserver/types'

const KINDS: Record<string, [group: string, version: string, plural: string, namespaced: boolean]> =
  {
    Pod: ['', 'v1', 'pods', true],
    Service: ['', 'v1', 'services', true],
    Endpoints: ['', 'v1', 'endpoints', true],
    ConfigMap: ['', 'v1', 'configmaps', true],
    Secret: ['', 'v1', 'secrets', true],
    Namespace: ['', 'v1', 'namespaces', false],
    Node: ['', 'v1', 'nodes', false],
    ServiceAccount: ['', 'v1', 'serviceaccounts', true],
    Event: ['', 'v1', 'events', true],
    Deployment: ['apps', 'v1', 'deployments', true],
    ReplicaSet: ['apps', 'v1', 'replicasets', true],
    StatefulSet: ['apps', 'v1', 'statefulsets', true],
    DaemonSet: ['apps', 'v1', 'daemonsets', true],
    Job: ['batch', 'v1', 'jobs', true],
    CronJob: ['batch', 'v1', 'cronjobs', true],
    Lease: ['coordination.k8s.io', 'v1', 'leases', true],
    EndpointSlice: ['discovery.k8s.io', 'v1', 'endpointslices', true],
    'events.k8s.io/Event': ['events.k8s.io', 'v1', 'events', true]
  }

/** Every kind the server serves, by the key `resourceOf` takes. */
export const ALL_KINDS = Object.keys(KINDS)

/** The ResourceInfo of a kind (`events.k8s.io/Event` for the events API's Event). */
export function resourceOf(kind: string): ResourceInfo {
  const [group, version, plural, namespaced] = KINDS[kind]
  const bare = kind.includes('/') ? kind.split('/')[1] : kind
  return {
    group,
    version,
    kind: bare,
    plural,
    singular: bare.toLowerCase(),
    namespaced,
    subresources: [],
    verbs: ['get', 'list', 'create', 'update']
  }
}

/** A minimal object as a user would write it, before defaults. */
export function minimal(kind: string, name = 'web'): KubeObject {
  const r = resourceOf(kind)
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version
  const meta = { name, ...(r.namespaced ? { namespace: 'default' } : {}) }
  const podSpec = { containers: [{ name: 'nginx', image: 'nginx:1.27' }] }
  const template = { metadata: { labels: { app: name } }, spec: podSpec }
  const selector = { matchLabels: { app: name } }
  const bodies: Record<string, Record<string, unknown>> = {
    Pod: { spec: podSpec },
    Service: { spec: { selector: { app: name }, ports: [{ port: 80 }] } },
    Endpoints: { subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }] }] },
    ConfigMap: { data: { 'app.conf': 'x=1' } },
    Secret: { stringData: { password: 's3cret' } },
    Namespace: {},
    Node: { status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } },
    ServiceAccount: {},
    Event: {
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Scheduled',
      message: 'assigned',
      type: 'Normal'
    },
    Deployment: { spec: { selector, template } },
    ReplicaSet: { spec: { selector, template } },
    StatefulSet: { spec: { selector, serviceName: name, template } },
    DaemonSet: { spec: { selector, template } },
    Job: { spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } },
    CronJob: {
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'OnFailure' } } } }
      }
    },
    Lease: { spec: { holderIdentity: 'kube-scheduler', leaseDurationSeconds: 15 } },
    EndpointSlice: {
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'] }],
      ports: [{ port: 80 }]
    },
    'events.k8s.io/Event': {
      eventTime: '2024-01-01T00:00:00.000000Z',
      reportingController: 'kubedesk.io/scheduler',
      reportingInstance: 'scheduler-1',
      action: 'Binding',
      reason: 'Scheduled',
      type: 'Normal',
      regarding: { kind: 'Pod', name: 'web', namespace: 'default' }
    }
  }
  return structuredClone({
    apiVersion,
    kind: r.kind,
    metadata: meta,
    ...bodies[kind]
  }) as KubeObject
}

/** Creates as the core does: uid and timestamp first, then admission and validation. */
export function create(
  kind: string,
  obj: KubeObject = minimal(kind)
): { obj: KubeObject; causes: FieldCause[] } {
  // As the core does before admission (kubernetes-types marks these read-only).
  const meta = obj.metadata as Record<string, unknown>
  meta.uid ??= '5f0c1c1e-0000-4000-8000-000000000001'
  meta.creationTimestamp ??= '2024-01-01T00:00:00Z'
  admit(resourceOf(kind), 'CREATE', obj)
  return { obj, causes: validate(resourceOf(kind), 'CREATE', obj) }
}

/** An update of `old` by `mutate` (on a copy), admitted and validated. */
export function update(
  kind: string,
  old: KubeObject,
  mutate: (o: KubeObject) => void
): FieldCause[] {
  const next = structuredClone(old)
  mutate(next)
  admit(resourceOf(kind), 'UPDATE', next, old)
  return validate(resourceOf(kind), 'UPDATE', next, old)
}

/** The line kubectl prints for a 422 Invalid with these causes. */
export function kubectlLine(kind: string, name: string, causes: FieldCause[]): string {
  const list = causes.map((c) => `${c.field}: ${c.message}`)
  return list.length === 1
    ? `The ${kind} "${name}" is invalid: ${list[0]}`
    : `The ${kind} "${name}" is invalid: \n${list.map((l) => `* ${l}`).join('\n')}`
}

/** The causes as `field: message` lines (what a user reads). */
export function lines(causes: FieldCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`)
}
