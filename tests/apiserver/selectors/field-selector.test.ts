import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import { parseFieldSelector } from '../../../src/main/apiserver/selectors/field-selector'
import type { KubeObject, ResourceInfo } from '../../../src/main/apiserver/types'

function info(group: string, kind: string, namespaced = true): ResourceInfo {
  const plural = kind.toLowerCase() + 's'
  return {
    group,
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    subresources: [],
    verbs: []
  }
}

const pods = info('', 'Pod')
const nodes = info('', 'Node', false)
const pod = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  ...extra
})
const running = pod('web', {
  spec: { nodeName: 'worker-1', restartPolicy: 'Always', hostNetwork: true },
  status: { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }] }
})
const pending = pod('job', { spec: { restartPolicy: 'Never' }, status: { phase: 'Pending' } })

describe('parseFieldSelector on pods', () => {
  const cases: Array<[string, KubeObject, boolean]> = [
    ['', running, true],
    ['metadata.name=web', running, true],
    ['metadata.name==web', pending, false],
    ['metadata.namespace!=default', running, false],
    ['status.phase=Running', running, true],
    ['status.phase!=Running', pending, true],
    ['spec.nodeName=worker-1,status.phase=Running', running, true],
    ['spec.nodeName=', pending, true],
    ['spec.nodeName=', running, false],
    ['spec.host=worker-1', running, true],
    ['spec.hostNetwork=true', running, true],
    ['spec.hostNetwork=false', pending, true],
    ['status.podIP=10.244.1.5', running, true],
    ['spec.restartPolicy=Never', pending, true]
  ]
  it.each(cases)('%j on %s → %s', (text, obj, expected) => {
    expect(parseFieldSelector(text, pods).matches(obj)).toBe(expected)
  })

  it('unescapes values and knows an exact name match', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b', pods)
    expect(sel.matches(pod('a,b'))).toBe(true)
    expect(sel.requiresExactMatch('metadata.name')).toBe('a,b')
    expect(sel.toString()).toBe('metadata.name=a\\,b')
    expect(parseFieldSelector('', pods).empty).toBe(true)
  })
})

describe('parseFieldSelector on other kinds', () => {
  it('selects nodes by spec.unschedulable', () => {
    const cordoned = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      spec: { unschedulable: true }
    }
    const open = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' }, spec: {} }
    const sel = parseFieldSelector('spec.unschedulable=false', nodes)
    expect(sel.matches(cordoned)).toBe(false)
    expect(sel.matches(open)).toBe(true)
  })

  it('selects core events and events.k8s.io events by the same field names', () => {
    const core = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web' },
      reason: 'Scheduled',
      type: 'Normal',
      source: { component: 'default-scheduler' }
    }
    const v1 = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e2', namespace: 'default' },
      regarding: { kind: 'Pod', name: 'web' },
      reason: 'Scheduled',
      type: 'Normal',
      reportingController: 'default-scheduler'
    }
    const text =
      'involvedObject.kind=Pod,involvedObject.name=web,source=default-scheduler,type=Normal'
    expect(parseFieldSelector(text, info('', 'Event')).matches(core)).toBe(true)
    expect(parseFieldSelector(text, info('events.k8s.io', 'Event')).matches(v1)).toBe(true)
  })

  it('selects secrets by type and jobs by status.successful', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      type: 'kubernetes.io/tls'
    }
    expect(parseFieldSelector('type=kubernetes.io/tls', info('', 'Secret')).matches(secret)).toBe(
      true
    )
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      status: { succeeded: 2 }
    }
    expect(parseFieldSelector('status.successful=2', info('batch', 'Job')).matches(job)).toBe(true)
  })

  it('lets cluster-scoped kinds ask for metadata.namespace= and match', () => {
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x' },
      status: { phase: 'Active' }
    }
    expect(
      parseFieldSelector('status.phase=Active', info('', 'Namespace', false)).matches(ns)
    ).toBe(true)
    const lease = info('coordination.k8s.io', 'Lease')
    expect(parseFieldSelector('metadata.namespace=kube-node-lease', lease).empty).toBe(false)
  })
})

describe('parseFieldSelector errors', () => {
  it.each([
    ['spec.foo=bar', pods, 'field label not supported: spec.foo'],
    ['metadata.namespace=x', nodes, 'field label not supported: metadata.namespace'],
    [
      'spec.replicas=1',
      info('apps', 'Deployment'),
      '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'
    ],
    [
      'status.active=1',
      info('batch', 'Job'),
      'field label "status.active" not supported for batchv1.Job'
    ],
    ['status.phase', pods, "invalid selector: 'status.phase'; can't understand 'status.phase'"],
    ['a=b,c', pods, "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['metadata.name=a=b', pods, 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name=a\\x', pods, 'invalid field selector: invalid escape sequence: \\x'],
    ['metadata.name=a\\', pods, 'invalid field selector: invalid escape sequence: \\']
  ])('%j → %s', (text, resource, message) => {
    let error: unknown
    try {
      parseFieldSelector(text, resource)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe(400)
    expect((error as ApiError).message).toBe(message)
  })
})
