/**
 * Objects as users and controllers create them, one or more of every kind the API server serves,
 * with the lists managedFields keys differently: associative lists (containers, ports, env,
 * volumes, ownerReferences…), sets (finalizers), atomic lists (args, tolerations' parents…),
 * atomic maps (selectors) and free-form maps (labels, data). `variants` makes odd copies of them.
 */
import type { KubeObject } from '../../../src/main/apiserver/types'

const podSpec = {
  initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'] }],
  containers: [
    {
      name: 'web',
      image: 'nginx:1.27.2',
      imagePullPolicy: 'IfNotPresent',
      ports: [
        { name: 'http', containerPort: 80, protocol: 'TCP' },
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { containerPort: 8443 }
      ],
      env: [
        { name: 'MODE', value: 'production' },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        {
          name: 'PASSWORD',
          valueFrom: { secretKeyRef: { name: 'db', key: 'password', optional: false } }
        }
      ],
      envFrom: [{ configMapRef: { name: 'web-env' } }],
      resources: {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '500m', memory: '256Mi' }
      },
      volumeMounts: [
        { name: 'config', mountPath: '/etc/web', readOnly: true },
        { name: 'cache', mountPath: '/var/cache/nginx' }
      ],
      readinessProbe: { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 5 },
      livenessProbe: { tcpSocket: { port: 'http' }, initialDelaySeconds: 3 },
      securityContext: {
        capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
        runAsNonRoot: true
      },
      lifecycle: { preStop: { exec: { command: ['nginx', '-s', 'quit'] } } }
    },
    {
      name: 'metrics',
      image: 'prom/node-exporter:v1.8.2',
      args: ['--web.listen-address=:9100'],
      ports: [{ name: 'metrics', containerPort: 9100 }]
    }
  ],
  volumes: [
    { name: 'config', configMap: { name: 'web-config', items: [{ key: 'a', path: 'a.conf' }] } },
    { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
    { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    {
      name: 'projected',
      projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] }
    }
  ],
  imagePullSecrets: [{ name: 'registry' }],
  tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            labelSelector: { matchLabels: { app: 'web' } },
            topologyKey: 'kubernetes.io/hostname'
          }
        }
      ]
    }
  },
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { app: 'web' } }
    }
  ],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
  securityContext: { fsGroup: 2000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
  dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30
}

const template = {
  metadata: { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 'x' } },
  spec: podSpec
}

/** [group, kind, object] of each create. */
export const CREATE_CORPUS: [group: string, kind: string, obj: KubeObject][] = [
  [
    '',
    'Pod',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-1',
        namespace: 'default',
        labels: { app: 'web', 'pod-template-hash': '7d4b9c8f5' },
        annotations: { 'prometheus.io/scrape': 'true' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: 'web-7d4b9c8f5',
            uid: '7f3a1c2e-0000-4000-8000-000000000001',
            controller: true,
            blockOwnerDeletion: true
          }
        ],
        finalizers: ['example.com/cleanup', 'example.com/audit']
      },
      spec: podSpec
    }
  ],
  ['', 'Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' }, spec: {} }],
  [
    '',
    'Pod',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'job-', namespace: 'default', uid: 'u', resourceVersion: '' },
      spec: {
        containers: [{ name: 'c', image: 'i', resources: {} }],
        schedulingGates: [{ name: 'gate' }],
        readinessGates: [{ conditionType: 'example.com/ready' }]
      },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] }
    }
  ],
  [
    'apps',
    'Deployment',
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        revisionHistoryLimit: 5,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template
      }
    }
  ],
  [
    'apps',
    'Deployment',
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'min' },
      spec: {
        selector: {
          matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }]
        },
        template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'i' }] } }
      }
    }
  ],
  [
    'apps',
    'ReplicaSet',
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-7d4b9c8f5', labels: { app: 'web' } },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }
    }
  ],
  [
    'apps',
    'StatefulSet',
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'postgres:17' }] }
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: '1Gi' } }
            }
          }
        ]
      }
    }
  ],
  [
    'apps',
    'DaemonSet',
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        updateStrategy: { type: 'OnDelete' },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            hostNetwork: true,
            tolerations: [{ operator: 'Exists' }],
            containers: [{ name: 'agent', image: 'agent:1', ports: [{ containerPort: 9100 }] }]
          }
        }
      }
    }
  ],
  [
    'batch',
    'Job',
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: {
        backoffLimit: 4,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'pi', image: 'perl', command: ['perl', '-Mbignum=bpi'] }]
          }
        }
      }
    }
  ],
  [
    'batch',
    'CronJob',
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello' },
      spec: {
        schedule: '*/5 * * * *',
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          metadata: { labels: { job: 'hello' } },
          spec: {
            template: {
              spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] }
            }
          }
        }
      }
    }
  ],
  [
    '',
    'Service',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        type: 'NodePort',
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53, nodePort: 30053 }
        ],
        ipFamilies: ['IPv4'],
        sessionAffinity: 'ClientIP'
      }
    }
  ],
  [
    '',
    'Service',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext' },
      spec: { type: 'ExternalName', externalName: 'example.com' }
    }
  ],
  [
    '',
    'ConfigMap',
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', labels: {} },
      data: { color: 'blue', 'nginx.conf': 'server {}\n', empty: '' },
      binaryData: { blob: 'AAEC' },
      immutable: true
    }
  ],
  ['', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'empty' } }],
  [
    '',
    'Secret',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      type: 'Opaque',
      data: { password: 'aHVudGVyMg==' },
      stringData: { user: 'admin' }
    }
  ],
  [
    '',
    'Namespace',
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { team: 'a' } },
      spec: { finalizers: ['kubernetes'] }
    }
  ],
  [
    '',
    'Node',
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
      spec: {
        podCIDR: '10.244.1.0/24',
        podCIDRs: ['10.244.1.0/24'],
        taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }]
      },
      status: { capacity: { cpu: '2' } }
    }
  ],
  [
    '',
    'ServiceAccount',
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'builder' },
      secrets: [{ name: 'builder-token' }],
      imagePullSecrets: [{ name: 'registry' }],
      automountServiceAccountToken: false
    }
  ],
  [
    '',
    'Endpoints',
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web' },
      subsets: [
        {
          addresses: [{ ip: '10.244.0.5', targetRef: { kind: 'Pod', name: 'web-1' } }],
          ports: [{ name: 'http', port: 80, protocol: 'TCP' }]
        }
      ]
    }
  ],
  [
    'discovery.k8s.io',
    'EndpointSlice',
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'node-1' },
        { addresses: ['10.244.0.6'], conditions: { ready: false } }
      ],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }]
    }
  ],
  [
    'coordination.k8s.io',
    'Lease',
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: 'node-1',
        leaseDurationSeconds: 40,
        renewTime: '2026-12-04T00:00:00Z'
      }
    }
  ],
  [
    '',
    'Event',
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-1.1' },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/web-1 to node-1',
      type: 'Normal',
      count: 1,
      source: { component: 'default-scheduler' }
    }
  ],
  [
    'events.k8s.io',
    'Event',
    {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web-1.2' },
      eventTime: '2026-12-04T00:00:00.000000Z',
      reportingController: 'kubedesk.dev/kubelet',
      reportingInstance: 'node-1',
      action: 'Pulling',
      reason: 'Pulling',
      regarding: { kind: 'Pod', name: 'web-1' },
      type: 'Normal'
    }
  ]
]

// A small deterministic generator (mulberry32): the same variants on every run.
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every map or list inside `value` with the keys (or indexes) it holds. */
function containers(value: unknown, out: [object, (string | number)[]][] = []): typeof out {
  if (Array.isArray(value)) {
    out.push([value, value.map((_, i) => i)])
    value.forEach((v) => containers(v, out))
  } else if (value && typeof value === 'object') {
    out.push([value, Object.keys(value)])
    Object.values(value).forEach((v) => containers(v, out))
  }
  return out
}

// What clients get wrong or leave odd: missing and null fields, empty and mistyped values,
// duplicated list items (two containers named alike), fields the schema does not know.
const MUTATIONS: ((holder: Record<string | number, unknown>, key: string | number) => void)[] = [
  (h, k) => (Array.isArray(h) ? h.splice(Number(k), 1) : delete h[k]),
  (h, k) => (h[k] = null),
  (h, k) => (h[k] = {}),
  (h, k) => (h[k] = []),
  (h, k) => (h[k] = 'x'),
  (h, k) => (h[k] = 7),
  (h, k) => (Array.isArray(h) ? h.push(structuredClone(h[Number(k)])) : (h[k] = [h[k], h[k]])),
  (h, k) => (h[k] = { unknownField: { a: [1, 1] }, name: 'n' })
]

/** `count` copies of `obj`, each changed in one to three random places (the same on every run). */
export function variants(obj: KubeObject, seed: number, count: number): KubeObject[] {
  const next = random(seed)
  const out: KubeObject[] = []
  for (let n = 0; n < count; n++) {
    const copy = structuredClone(obj)
    for (let m = 0; m < 1 + Math.floor(next() * 3); m++) {
      const places = containers(copy).filter(([, keys]) => keys.length > 0)
      const [holder, keys] = places[Math.floor(next() * places.length)]
      const key = keys[Math.floor(next() * keys.length)]
      MUTATIONS[Math.floor(next() * MUTATIONS.length)](holder as Record<string, unknown>, key)
    }
    if (copy.metadata && typeof copy.metadata === 'object') out.push(copy)
  }
  return out
}
