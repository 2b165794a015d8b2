import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { schemaFromSpec } from '../../../src/main/apiserver/patch/patch-schema'
import { patchSchemaFor } from '../../../src/main/apiserver/openapi/patch-schemas'
import {
  defaultFieldManager,
  serverSideApply,
  validateFieldManager
} from '../../../src/main/apiserver/patch/server-side-apply'
import { recordUpdate } from '../../../src/main/apiserver/patch/managed-fields'

// The parts of the Deployment schema that matter here, as the OpenAPI extensions declare them.
const container = {
  type: 'object',
  fields: {
    name: { type: 'string' },
    image: { type: 'string' },
    args: { type: 'array', items: { type: 'string' }, listType: 'atomic' as const },
    ports: {
      type: 'array',
      listType: 'map' as const,
      listMapKeys: ['containerPort', 'protocol'],
      items: {
        type: 'object',
        fields: { containerPort: { type: 'integer' }, protocol: { type: 'string' } }
      }
    },
    resources: { type: 'object', fields: {} }
  }
}
const labels = { type: 'object', items: { type: 'string' } }
const schema = schemaFromSpec({
  type: 'object',
  fields: {
    metadata: { type: 'object', fields: { name: { type: 'string' }, labels, annotations: labels } },
    spec: {
      type: 'object',
      fields: {
        replicas: { type: 'integer' },
        paused: { type: 'boolean' },
        selector: { type: 'object', mapType: 'atomic' },
        template: {
          type: 'object',
          fields: {
            metadata: { type: 'object', fields: { labels } },
            spec: {
              type: 'object',
              fields: {
                containers: {
                  type: 'array',
                  listType: 'map',
                  listMapKeys: ['name'],
                  items: container
                }
              }
            }
          }
        }
      }
    },
    status: { type: 'object', fields: { replicas: { type: 'integer' } } }
  }
})

const T0 = '2025-01-01T10:00:00Z'
const T1 = '2025-01-01T10:05:00Z'

interface Spec {
  replicas?: number
  paused?: boolean
  labels?: Record<string, string>
  containers?: Record<string, unknown>[]
}

/** A Deployment with only the given fields (no `spec` at all when none is given). */
function deployment(spec: Spec): KubeObject {
  const body = {
    ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
    ...(spec.paused !== undefined ? { paused: spec.paused } : {}),
    ...(spec.containers ? { template: { spec: { containers: spec.containers } } } : {})
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', ...(spec.labels ? { labels: spec.labels } : {}) },
    ...(Object.keys(body).length > 0 ? { spec: body } : {})
  }
}

function apply(
  live: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  force = false,
  now = T1
) {
  return serverSideApply(live, applied, { manager, force, schema, now })
}

function update(
  old: KubeObject | undefined,
  updated: KubeObject,
  manager: string,
  subresource?: string
) {
  return recordUpdate(old, updated, { manager, operation: 'Update', schema, now: T0, subresource })
}

/** The fields each manager owns, as paths (`.spec.replicas`). */
function owners(obj: KubeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const entry of obj.metadata.managedFields ?? []) {
    const key = `${entry.manager}/${entry.operation}${entry.subresource ? `/${entry.subresource}` : ''}`
    out[key] = entry.fieldsV1
  }
  return out
}

function applyError(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ApiError) return err
    throw err
  }
  throw new Error('expected an ApiError')
}

describe('server-side apply', () => {
  it('creates the object and records the applier as the owner of what it applied', () => {
    const created = apply(undefined, deployment({ replicas: 2, labels: { app: 'web' } }), 'kubectl')
    expect(created.spec).toEqual({ replicas: 2 })
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } }
      }
    ])
  })

  it.each([
    [
      'a changed field is updated',
      { replicas: 3, paused: true },
      { replicas: 5, paused: true },
      { replicas: 5, paused: true }
    ],
    [
      'an omitted field is removed',
      { replicas: 3, paused: true },
      { replicas: 3 },
      { replicas: 3 }
    ],
    [
      'a new field is added',
      { replicas: 3 },
      { replicas: 3, paused: false },
      { replicas: 3, paused: false }
    ]
  ])('re-applying: %s', (_name, first, second, expected) => {
    const live = apply(undefined, deployment(first), 'kubectl', false, T0)
    const next = apply(live, deployment(second), 'kubectl')
    expect(next.spec).toEqual(expected)
    expect(Object.keys(owners(next))).toEqual(['kubectl/Apply'])
  })

  it('removes an omitted label but keeps labels other managers own', () => {
    const live = apply(undefined, deployment({ labels: { app: 'web', tier: 'front' } }), 'kubectl')
    const labelled = update(
      live,
      deployment({ labels: { app: 'web', tier: 'front', team: 'a' } }),
      'kubectl-label'
    )
    const next = apply(labelled, deployment({ labels: { app: 'web' } }), 'kubectl')
    expect(next.metadata.labels).toEqual({ app: 'web', team: 'a' })
  })

  it('keeps a field the applier omits when another manager also owns it', () => {
    const live = apply(undefined, deployment({ replicas: 3 }), 'kubectl')
    const shared = apply(live, deployment({ replicas: 3 }), 'ci')
    const next = apply(shared, deployment({}), 'kubectl')
    expect(next.spec).toEqual({ replicas: 3 })
    expect(owners(next)).toEqual({ 'ci/Apply': { 'f:spec': { 'f:replicas': {} } } })
  })

  it('never modifies the live object or the applied configuration', () => {
    const live = apply(
      undefined,
      deployment({ replicas: 3, containers: [{ name: 'a' }] }),
      'kubectl'
    )
    const applied = deployment({ replicas: 4, containers: [{ name: 'b', image: 'x' }] })
    const before = JSON.stringify([live, applied])
    apply(live, applied, 'ci', true)
    update(live, applied, 'kubectl-edit')
    expect(JSON.stringify([live, applied])).toBe(before)
  })

  it('leaves the time alone when a re-apply changes nothing', () => {
    const live = apply(undefined, deployment({ replicas: 3 }), 'kubectl', false, T0)
    const next = apply(live, deployment({ replicas: 3 }), 'kubectl', false, T1)
    expect(next.metadata.managedFields?.[0].time).toBe(T0)
  })

  it('refuses a different value for a field another applier owns, with the message kubectl prints', () => {
    const live = apply(undefined, deployment({ replicas: 3 }), 'kubectl')
    const err = applyError(() => apply(live, deployment({ replicas: 5 }), 'ci'))
    expect(err.code).toBe(409)
    expect(err.reason).toBe('Conflict')
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    )
    expect(err.details?.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl"',
        field: '.spec.replicas'
      }
    ])
  })

  it('with force, changes the value and moves the ownership', () => {
    const live = apply(undefined, deployment({ replicas: 3, paused: false }), 'kubectl')
    const forced = apply(live, deployment({ replicas: 5 }), 'ci', true)
    expect(forced.spec).toEqual({ replicas: 5, paused: false })
    expect(owners(forced)).toEqual({
      'kubectl/Apply': { 'f:spec': { 'f:paused': {} } },
      'ci/Apply': { 'f:spec': { 'f:replicas': {} } }
    })
  })

  it('shares a field when a second applier agrees with its value', () => {
    const live = apply(undefined, deployment({ replicas: 3 }), 'kubectl')
    const shared = apply(live, deployment({ replicas: 3 }), 'ci')
    expect(Object.keys(owners(shared)).sort()).toEqual(['ci/Apply', 'kubectl/Apply'])
  })

  it('conflicts with a field set by kubectl scale (an Update manager of the scale subresource)', () => {
    const live = apply(undefined, deployment({ replicas: 1 }), 'kubectl')
    const scaled = update(live, deployment({ replicas: 4 }), 'kubectl', 'scale')
    expect(owners(scaled)).toEqual({ 'kubectl/Update/scale': { 'f:spec': { 'f:replicas': {} } } })
    const err = applyError(() => apply(scaled, deployment({ replicas: 2 }), 'ci'))
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas'
    )
  })

  it('conflicts with kubectl-client-side-apply as kubectl words it', () => {
    const created = update(undefined, deployment({ replicas: 1 }), 'kubectl-client-side-apply')
    const err = applyError(() => apply(created, deployment({ replicas: 2 }), 'kubectl'))
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
    )
  })

  it('lists several conflicts by manager', () => {
    const live = apply(
      undefined,
      deployment({ replicas: 1, paused: false, labels: { app: 'a' } }),
      'kubectl'
    )
    const err = applyError(() =>
      apply(live, deployment({ replicas: 2, paused: true, labels: { app: 'a' } }), 'ci')
    )
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.paused\n- .spec.replicas'
    )
    expect(err.details?.causes?.map((c) => c.field)).toEqual(['.spec.paused', '.spec.replicas'])
  })

  it('keeps the containers other managers applied and merges its own by name', () => {
    const first = apply(
      undefined,
      deployment({ containers: [{ name: 'web', image: 'nginx:1' }] }),
      'web-team'
    )
    const second = apply(
      first,
      deployment({ containers: [{ name: 'proxy', image: 'envoy:1' }] }),
      'mesh'
    )
    const third = apply(
      second,
      deployment({ containers: [{ name: 'web', image: 'nginx:2' }] }),
      'web-team'
    )
    const spec = third.spec as { template: { spec: { containers: unknown[] } } }
    expect(spec.template.spec.containers).toEqual([
      { name: 'web', image: 'nginx:2' },
      { name: 'proxy', image: 'envoy:1' }
    ])
    const dropped = apply(third, deployment({}), 'web-team')
    expect((dropped.spec as typeof spec).template.spec.containers).toEqual([
      { name: 'proxy', image: 'envoy:1' }
    ])
  })

  it('owns an atomic list as a whole and replaces it', () => {
    const live = apply(
      undefined,
      deployment({ containers: [{ name: 'web', args: ['a', 'b'] }] }),
      'kubectl'
    )
    const next = apply(live, deployment({ containers: [{ name: 'web', args: ['c'] }] }), 'kubectl')
    expect(
      (next.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers
    ).toEqual([{ name: 'web', args: ['c'] }])
    const fields = JSON.stringify(next.metadata.managedFields?.[0].fieldsV1)
    expect(fields).toContain('"f:args":{}')
  })

  it('keeps server-owned metadata and ignores status on the main resource', () => {
    const live: KubeObject = {
      ...deployment({ replicas: 1 }),
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: 'u-1',
        resourceVersion: '7',
        generation: 3,
        creationTimestamp: T0
      },
      status: { replicas: 1 }
    }
    const applied = { ...deployment({ replicas: 2 }), status: { replicas: 9 } }
    applied.metadata = { ...applied.metadata, uid: 'forged', generation: 99 }
    const next = apply(live, applied, 'kubectl')
    expect(next.metadata).toMatchObject({
      uid: 'u-1',
      resourceVersion: '7',
      generation: 3,
      creationTimestamp: T0
    })
    expect(next.status).toEqual({ replicas: 1 })
    expect(JSON.stringify(next.metadata.managedFields)).not.toContain('f:status')
  })

  it.each([
    [
      'another kind',
      { kind: 'StatefulSet' },
      400,
      'invalid object type: apps/v1, Kind=StatefulSet'
    ],
    [
      'managedFields in the body',
      { metadata: { name: 'web', managedFields: [] } },
      400,
      'metadata.managedFields must be nil'
    ],
    [
      'no name',
      { metadata: {} },
      422,
      'Deployment.apps "" is invalid: metadata.name: Required value: name is required'
    ]
  ])('rejects an applied object with %s', (_name, override, code, message) => {
    const live = apply(undefined, deployment({ replicas: 1 }), 'kubectl')
    const err = applyError(() =>
      apply(live, { ...deployment({ replicas: 2 }), ...override } as KubeObject, 'ci')
    )
    expect([err.code, err.message]).toEqual([code, message])
  })

  it('answers a list item without its key fields with the typed-object error', () => {
    const err = applyError(() =>
      apply(undefined, deployment({ containers: [{ image: 'nginx' }] }), 'kubectl')
    )
    expect(err.code).toBe(500)
    expect(err.message).toBe(
      'failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn\'t have default values for any key fields)'
    )
  })

  it('writes the FieldsV1 Kubernetes writes for a Deployment applied with kubectl apply --server-side', () => {
    const applied: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx', labels: { app: 'nginx' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'nginx' } },
        template: {
          metadata: { labels: { app: 'nginx' } },
          spec: {
            containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }]
          }
        }
      }
    }
    const real = patchSchemaFor('apps', 'v1', 'Deployment')
    const created = serverSideApply(undefined, applied, {
      manager: 'kubectl',
      force: false,
      schema: real,
      now: T0
    })
    expect(JSON.stringify(created.metadata.managedFields?.[0].fieldsV1)).toBe(
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}'
    )
  })
})

describe('managedFields of non-apply writes', () => {
  it('records kubectl create as an Update owning everything it set, maps and new items with "."', () => {
    const created = deployment({
      replicas: 1,
      labels: { app: 'web' },
      containers: [{ name: 'web', image: 'nginx', resources: {} }]
    })
    const result = update(undefined, created, 'kubectl-create')
    expect(result.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} }
                }
              }
            }
          }
        }
      }
    ])
  })

  it('gives changed fields to the writer and takes them from their previous owner', () => {
    const live = apply(undefined, deployment({ replicas: 1, paused: false }), 'kubectl')
    const edited = update(live, { ...live, spec: { replicas: 1, paused: true } }, 'kubectl-edit')
    expect(owners(edited)).toEqual({
      'kubectl/Apply': { 'f:spec': { 'f:replicas': {} } },
      'kubectl-edit/Update': { 'f:spec': { 'f:paused': {} } }
    })
  })

  it('adds no entry for a write that changes nothing', () => {
    const live = apply(undefined, deployment({ replicas: 1 }), 'kubectl')
    expect(update(live, { ...live }, 'kubectl-edit').metadata.managedFields).toEqual(
      live.metadata.managedFields
    )
  })

  it('records status writes under the status subresource', () => {
    const live = apply(undefined, deployment({ replicas: 1 }), 'kubectl')
    const reported = update(
      live,
      { ...live, status: { replicas: 1 } },
      'kube-controller-manager',
      'status'
    )
    expect(owners(reported)['kube-controller-manager/Update/status']).toEqual({
      'f:status': { 'f:replicas': {} }
    })
  })

  it('resets managedFields when a client sends an empty list', () => {
    const live = apply(undefined, deployment({ replicas: 1 }), 'kubectl')
    const reset = { ...live, metadata: { ...live.metadata, managedFields: [] } }
    expect(update(live, reset, 'kubectl-edit').metadata.managedFields).toBeUndefined()
  })
})

describe('field manager names', () => {
  it.each([
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9', 'kubectl'],
    ['node-fetch', 'node-fetch'],
    ['', 'unknown'],
    [undefined, 'unknown'],
    ['a\u0007b/1.0', 'ab']
  ])('the user agent %j gives %j', (agent, manager) => {
    expect(defaultFieldManager(agent, 'unknown')).toBe(manager)
  })

  it('cuts a long user agent at 128 bytes', () => {
    expect(defaultFieldManager('x'.repeat(300), 'unknown')).toHaveLength(128)
  })

  it.each([
    [
      undefined,
      true,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    ],
    [
      'x'.repeat(129),
      false,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes'
    ],
    [
      'bad\u0001',
      true,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "bad\\u0001": invalid character U+0001 (at position 3)'
    ]
  ])('rejects the field manager %j', (manager, isApply, message) => {
    const err = applyError(() => validateFieldManager(manager, { apply: isApply }))
    expect([err.code, err.message]).toEqual([422, message])
  })

  it('accepts a valid manager, and none for other writes', () => {
    expect(() => validateFieldManager('kubectl', { apply: true })).not.toThrow()
    expect(() => validateFieldManager(undefined, { apply: false })).not.toThrow()
  })
})
