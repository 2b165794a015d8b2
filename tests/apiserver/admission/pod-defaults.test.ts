/**
 * The defaults a user sees on `kubectl get pod -o yaml` after creating a minimal pod, and the
 * admission plugins (ServiceAccount, DefaultTolerationSeconds, Priority) that only touch pods.
 */
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import { defaultPullPolicy } from '../../../src/main/apiserver/admission/defaults-pod'
import { admit } from '../../../src/main/apiserver/admission'
import { create, minimal, resourceOf, update } from './admission-fixtures'

type Any = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function createdPod(spec: Any = {}, annotations?: Record<string, string>): Any {
  const pod = minimal('Pod')
  Object.assign(pod.spec as Any, spec)
  if (annotations) pod.metadata.annotations = annotations
  const { obj, causes } = create('Pod', pod)
  expect(causes).toEqual([])
  return obj as Any
}

describe('a created pod shows the defaults kube-apiserver fills in', () => {
  const pod = createdPod()
  it.each([
    ['spec.restartPolicy', pod.spec.restartPolicy, 'Always'],
    ['spec.dnsPolicy', pod.spec.dnsPolicy, 'ClusterFirst'],
    ['spec.terminationGracePeriodSeconds', pod.spec.terminationGracePeriodSeconds, 30],
    ['spec.schedulerName', pod.spec.schedulerName, 'default-scheduler'],
    ['spec.securityContext', pod.spec.securityContext, {}],
    ['spec.enableServiceLinks', pod.spec.enableServiceLinks, true],
    ['spec.priority', pod.spec.priority, 0],
    ['spec.preemptionPolicy', pod.spec.preemptionPolicy, 'PreemptLowerPriority'],
    ['spec.serviceAccountName', pod.spec.serviceAccountName, 'default'],
    ['spec.serviceAccount', pod.spec.serviceAccount, 'default'],
    [
      'containers[0].terminationMessagePath',
      pod.spec.containers[0].terminationMessagePath,
      '/dev/termination-log'
    ],
    [
      'containers[0].terminationMessagePolicy',
      pod.spec.containers[0].terminationMessagePolicy,
      'File'
    ],
    ['containers[0].imagePullPolicy', pod.spec.containers[0].imagePullPolicy, 'IfNotPresent'],
    ['status.phase', pod.status.phase, 'Pending'],
    ['status.qosClass', pod.status.qosClass, 'BestEffort']
  ])('%s', (_field, actual, expected) => {
    expect(actual).toEqual(expected)
  })

  it('tolerates not-ready and unreachable nodes for 30 s (DefaultTolerationSeconds)', () => {
    expect(pod.spec.tolerations).toEqual([
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 30
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 30
      }
    ])
  })
})

describe('--default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds', () => {
  it.each([
    [{ defaultNotReadyTolerationSeconds: 300 }, [300, 30]],
    [{ defaultUnreachableTolerationSeconds: 5 }, [30, 5]],
    [{ defaultNotReadyTolerationSeconds: 0, defaultUnreachableTolerationSeconds: 60 }, [0, 60]]
  ])('%j gives not-ready and unreachable %j seconds', (opts, [notReady, unreachable]) => {
    const pod = minimal('Pod')
    admit(resourceOf('Pod'), 'CREATE', pod, undefined, opts)
    expect((pod.spec as Any).tolerations).toEqual([
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: notReady
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: unreachable
      }
    ])
  })
})

describe('imagePullPolicy follows the image tag', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/team/app', 'Always'],
    ['localhost:5000/team/app:v2', 'IfNotPresent'],
    ['nginx@sha256:0123abcd', 'IfNotPresent'],
    ['nginx:latest@sha256:0123abcd', 'Always']
  ])('%s → %s', (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy)
    const pod = createdPod({ containers: [{ name: 'c', image }] })
    expect(pod.spec.containers[0].imagePullPolicy).toBe(policy)
  })

  it('keeps a policy the user chose', () => {
    const pod = createdPod({
      containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }]
    })
    expect(pod.spec.containers[0].imagePullPolicy).toBe('Never')
  })
})

describe('container and volume defaults', () => {
  const pod = createdPod({
    containers: [
      {
        name: 'app',
        image: 'app:1',
        ports: [{ containerPort: 8080 }],
        resources: { limits: { cpu: '500m', memory: '128Mi' } },
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        volumeMounts: [
          { name: 'cache', mountPath: '/cache' },
          { name: 'config', mountPath: '/etc/app' },
          { name: 'creds', mountPath: '/creds' }
        ]
      }
    ],
    volumes: [
      { name: 'cache' },
      { name: 'config', configMap: { name: 'app' } },
      { name: 'creds', secret: { secretName: 'app' } }
    ]
  })
  const c = pod.spec.containers[0]

  it('ports default to TCP', () => expect(c.ports[0].protocol).toBe('TCP'))
  it('requests default to limits, making the pod Guaranteed', () => {
    expect(c.resources.requests).toEqual({ cpu: '500m', memory: '128Mi' })
    expect(pod.status.qosClass).toBe('Guaranteed')
  })
  it('probes get timeout 1, period 10, thresholds 1/3, and httpGet path / over HTTP', () => {
    expect(c.livenessProbe).toEqual({
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3
    })
    expect(c.readinessProbe.periodSeconds).toBe(5)
  })
  it('fieldRef apiVersion defaults to v1', () =>
    expect(c.env[0].valueFrom.fieldRef.apiVersion).toBe('v1'))
  it('a volume without a source is an emptyDir; configMap and secret modes are 0644 (420)', () => {
    expect(pod.spec.volumes).toEqual([
      { name: 'cache', emptyDir: {} },
      { name: 'config', configMap: { name: 'app', defaultMode: 420 } },
      { name: 'creds', secret: { secretName: 'app', defaultMode: 420 } }
    ])
  })
})

describe('QoS class', () => {
  it.each([
    [{ requests: { cpu: '100m' } }, 'Burstable'],
    [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } }, 'Burstable'],
    [{ limits: { cpu: '1', memory: '1Gi' } }, 'Guaranteed'],
    [{}, 'BestEffort']
  ])('%j → %s', (resources, qos) => {
    expect(
      createdPod({ containers: [{ name: 'c', image: 'x:1', resources }] }).status.qosClass
    ).toBe(qos)
  })
})

describe('pod admission plugins', () => {
  it('keep a user toleration that already covers not-ready, adding only unreachable', () => {
    const pod = createdPod({
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }]
    })
    expect(pod.spec.tolerations.map((t: Any) => t.key)).toEqual([
      'node.kubernetes.io/not-ready',
      'node.kubernetes.io/unreachable'
    ])
  })

  it('add nothing when a toleration matches every taint', () => {
    expect(createdPod({ tolerations: [{ operator: 'Exists' }] }).spec.tolerations).toEqual([
      { operator: 'Exists' }
    ])
  })

  it('keep an explicit service account and skip mirror pods', () => {
    expect(createdPod({ serviceAccountName: 'builder' }).spec.serviceAccount).toBe('builder')
    const mirror = createdPod({ nodeName: 'n1' }, { 'kubernetes.io/config.mirror': 'abc' })
    expect(mirror.spec.serviceAccountName).toBeUndefined()
  })

  it('give system-node-critical pods their priority', () => {
    expect(createdPod({ priorityClassName: 'system-node-critical' }).spec.priority).toBe(2000001000)
  })

  it('refuse an unknown PriorityClass with a 403, as the Priority plugin does', () => {
    const pod = minimal('Pod')
    ;(pod.spec as Any).priorityClassName = 'gold'
    let error: unknown
    try {
      create('Pod', pod)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe(403)
    expect((error as ApiError).message).toBe(
      'pods "web" is forbidden: no PriorityClass with name gold was found'
    )
  })

  it('apply only on create: an update does not add tolerations back', () => {
    const pod = createdPod({ tolerations: [{ operator: 'Exists' }] })
    const causes = update('Pod', pod as never, (p) => {
      ;(p.spec as Any).containers[0].image = 'nginx:1.28'
    })
    expect(causes).toEqual([])
  })

  it('hostNetwork pods get hostPort = containerPort', () => {
    const pod = createdPod({
      hostNetwork: true,
      containers: [{ name: 'c', image: 'x:1', ports: [{ containerPort: 9100 }] }]
    })
    expect(pod.spec.containers[0].ports[0].hostPort).toBe(9100)
  })
})
