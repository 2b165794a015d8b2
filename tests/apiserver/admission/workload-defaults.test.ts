/**
 * The defaults a user sees on created workloads, services, secrets, namespaces and nodes.
 */
import { describe, expect, it } from 'vitest'
import { admit } from '../../../src/main/apiserver/admission'
import { create, minimal, resourceOf, update } from './admission-fixtures'

type Any = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function created(kind: string, patch?: (o: Any) => void): Any {
  const o = minimal(kind) as Any
  patch?.(o)
  const { obj, causes } = create(kind, o as never)
  expect(causes).toEqual([])
  return obj as Any
}

describe('Deployment', () => {
  const d = created('Deployment')
  it('gets replicas 1, RollingUpdate 25%/25%, history 10, progress deadline 600', () => {
    expect(d.spec.replicas).toBe(1)
    expect(d.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' }
    })
    expect(d.spec.revisionHistoryLimit).toBe(10)
    expect(d.spec.progressDeadlineSeconds).toBe(600)
  })
  it('gets PodSpec defaults in its template, but not the pod-only ones', () => {
    const spec = d.spec.template.spec
    expect(spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler'
    })
    expect(spec.containers[0].imagePullPolicy).toBe('IfNotPresent')
    for (const podOnly of ['tolerations', 'serviceAccountName', 'priority', 'enableServiceLinks']) {
      expect(spec[podOnly]).toBeUndefined()
    }
  })
  it('keeps replicas: 0 and a Recreate strategy without rollingUpdate', () => {
    const r = created('Deployment', (o) => {
      o.spec.replicas = 0
      o.spec.strategy = { type: 'Recreate' }
    })
    expect(r.spec.replicas).toBe(0)
    expect(r.spec.strategy).toEqual({ type: 'Recreate' })
  })
})

describe('other apps/v1 kinds', () => {
  it('ReplicaSet: replicas 1', () => expect(created('ReplicaSet').spec.replicas).toBe(1))
  it('StatefulSet: OrderedReady, RollingUpdate partition 0, Retain/Retain, replicas 1, history 10', () => {
    const s = created('StatefulSet').spec
    expect(s).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 10
    })
  })
  it('DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, history 10', () => {
    const s = created('DaemonSet').spec
    expect(s.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 }
    })
    expect(s.revisionHistoryLimit).toBe(10)
  })
})

describe('Job', () => {
  const job = created('Job')
  const uid = job.metadata.uid
  it('gets parallelism 1, completions 1, backoffLimit 6, NonIndexed, suspend false, manualSelector false', () => {
    expect(job.spec).toMatchObject({
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed'
    })
  })
  it('gets a selector on its uid and labels its pods and itself with uid and name', () => {
    const labels = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'web',
      'controller-uid': uid,
      'job-name': 'web'
    }
    expect(job.spec.selector).toEqual({
      matchLabels: { 'batch.kubernetes.io/controller-uid': uid }
    })
    expect(job.spec.template.metadata.labels).toEqual(labels)
    expect(job.metadata.labels).toEqual(labels)
  })
  it('sets only parallelism when completions is given', () => {
    const j = created('Job', (o) => (o.spec.completions = 5))
    expect([j.spec.completions, j.spec.parallelism]).toEqual([5, 1])
  })
  it('leaves the selector alone with manualSelector', () => {
    const j = created('Job', (o) => {
      o.spec.manualSelector = true
      o.spec.selector = { matchLabels: { app: 'batch' } }
      o.spec.template.metadata = { labels: { app: 'batch' } }
    })
    expect(j.spec.selector).toEqual({ matchLabels: { app: 'batch' } })
    expect(j.spec.template.metadata.labels).toEqual({ app: 'batch' })
  })
})

describe('CronJob', () => {
  it('gets Allow, suspend false, history limits 3 and 1', () => {
    const s = created('CronJob').spec
    expect(s).toMatchObject({
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1
    })
    expect(s.jobTemplate.spec.template.spec.dnsPolicy).toBe('ClusterFirst')
  })
})

describe('Service', () => {
  it('gets ClusterIP, None affinity, TCP ports with targetPort = port, single stack, Cluster traffic policy', () => {
    const s = created('Service').spec
    expect(s).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster'
    })
    expect(s.clusterIP).toBeUndefined()
  })
  it('NodePort and LoadBalancer get externalTrafficPolicy Cluster; LoadBalancer allocates node ports', () => {
    expect(created('Service', (o) => (o.spec.type = 'NodePort')).spec.externalTrafficPolicy).toBe(
      'Cluster'
    )
    expect(
      created('Service', (o) => (o.spec.type = 'LoadBalancer')).spec.allocateLoadBalancerNodePorts
    ).toBe(true)
  })
  it('ClientIP affinity gets a 3 hour timeout', () => {
    const s = created('Service', (o) => (o.spec.sessionAffinity = 'ClientIP')).spec
    expect(s.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } })
  })
  it('an update that omits the allocated clusterIP and nodePort keeps them', () => {
    const old = created('Service', (o) => (o.spec.type = 'NodePort')) as Any
    old.spec.clusterIP = '10.96.0.20'
    old.spec.clusterIPs = ['10.96.0.20']
    old.spec.ports[0].nodePort = 30080
    const causes = update('Service', old as never, (s) => {
      const spec = s.spec as Any
      delete spec.clusterIP
      delete spec.clusterIPs
      delete spec.ports[0].nodePort
    })
    expect(causes).toEqual([])
  })
})

describe('Secret, Namespace, Node', () => {
  it('a Secret is Opaque and its stringData lands base64-encoded in data', () => {
    const s = created('Secret')
    expect(s.type).toBe('Opaque')
    expect(s.stringData).toBeUndefined()
    expect(s.data).toEqual({ password: Buffer.from('s3cret').toString('base64') })
  })
  it('a Namespace gets its name label, the kubernetes finalizer and phase Active', () => {
    const ns = created('Namespace', (o) => (o.metadata.name = 'team-a'))
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' })
    expect(ns.spec.finalizers).toEqual(['kubernetes'])
    expect(ns.status.phase).toBe('Active')
  })
  it('a Node without allocatable reports its capacity as allocatable', () => {
    expect(created('Node').status.allocatable).toEqual({ cpu: '4', memory: '8Gi', pods: '110' })
  })
  it('an EndpointSlice port gets name "" and protocol TCP', () => {
    const slice = minimal('EndpointSlice')
    admit(resourceOf('EndpointSlice'), 'CREATE', slice)
    expect((slice as Any).ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }])
  })
})
