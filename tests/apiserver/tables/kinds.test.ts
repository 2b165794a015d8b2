import { describe, expect, it } from 'vitest'
import { toTable } from '../../../src/main/apiserver/tables'
import type { KubeObject, ResourceInfo } from '../../../src/main/apiserver/types'

const now = new Date('2024-05-01T12:00:00Z')
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString()
const minute = 60_000
const day = 24 * 60 * minute

function info(group: string, kind: string, namespaced = true): ResourceInfo {
  const singular = kind.toLowerCase()
  return {
    group,
    version: 'v1',
    kind,
    plural: `${singular}s`,
    singular,
    namespaced,
    subresources: [],
    verbs: []
  }
}

function obj(
  apiVersion: string,
  kind: string,
  fields: Record<string, unknown>,
  meta = {}
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name: 'x', namespace: 'default', creationTimestamp: ago(5 * minute), ...meta },
    ...fields
  }
}

const template = {
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1.27' },
      { name: 'sidecar', image: 'busybox' }
    ]
  }
}

/** [kind, resource, object, column names, cells] — the cells a user reads in `kubectl get -o wide`. */
const cases: Array<[string, ResourceInfo, KubeObject, string[], unknown[]]> = [
  [
    'node, ready control plane',
    info('', 'Node', false),
    obj(
      'v1',
      'Node',
      {
        spec: {},
        status: {
          conditions: [{ type: 'Ready', status: 'True' }],
          addresses: [
            { type: 'InternalIP', address: '172.18.0.2' },
            { type: 'Hostname', address: 'cp' }
          ],
          nodeInfo: {
            kubeletVersion: 'v1.32.0',
            osImage: 'Debian GNU/Linux 12 (bookworm)',
            kernelVersion: '6.1.0',
            containerRuntimeVersion: 'docker://27.0.0'
          }
        }
      },
      {
        name: 'kubedesk-control-plane',
        labels: { 'node-role.kubernetes.io/control-plane': '' },
        creationTimestamp: ago(2 * day + 3 * 60 * minute)
      }
    ),
    [
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime'
    ],
    [
      'kubedesk-control-plane',
      'Ready',
      'control-plane',
      '2d3h',
      'v1.32.0',
      '172.18.0.2',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0',
      'docker://27.0.0'
    ]
  ],
  [
    'node, not ready and cordoned, no roles',
    info('', 'Node', false),
    obj('v1', 'Node', {
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'Unknown' }] }
    }),
    [
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime'
    ],
    [
      'x',
      'NotReady,SchedulingDisabled',
      '<none>',
      '5m',
      '',
      '<none>',
      '<none>',
      '<unknown>',
      '<unknown>',
      '<unknown>'
    ]
  ],
  [
    'node without conditions',
    info('', 'Node', false),
    obj(
      'v1',
      'Node',
      { status: {} },
      { labels: { 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/infra': '' } }
    ),
    [
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime'
    ],
    [
      'x',
      'Unknown',
      'infra,worker',
      '5m',
      '',
      '<none>',
      '<none>',
      '<unknown>',
      '<unknown>',
      '<unknown>'
    ]
  ],
  [
    'namespace',
    info('', 'Namespace', false),
    obj('v1', 'Namespace', { status: { phase: 'Terminating' } }),
    ['Name', 'Status', 'Age'],
    ['x', 'Terminating', '5m']
  ],
  [
    'ClusterIP service',
    info('', 'Service'),
    obj('v1', 'Service', {
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' }
        ],
        selector: { 'k8s-app': 'kube-dns' }
      }
    }),
    ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    ['x', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP', '5m', 'k8s-app=kube-dns']
  ],
  [
    'NodePort service without selector',
    info('', 'Service'),
    obj('v1', 'Service', {
      spec: {
        type: 'NodePort',
        clusterIPs: ['10.96.1.1'],
        ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }]
      }
    }),
    ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    ['x', 'NodePort', '10.96.1.1', '<none>', '80:30080/TCP', '5m', '<none>']
  ],
  [
    'pending LoadBalancer and headless services',
    info('', 'Service'),
    obj('v1', 'Service', { spec: { type: 'LoadBalancer', clusterIP: 'None', ports: [] } }),
    ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    ['x', 'LoadBalancer', 'None', '<pending>', '<none>', '5m', '<none>']
  ],
  [
    'ExternalName service',
    info('', 'Service'),
    obj('v1', 'Service', { spec: { type: 'ExternalName', externalName: 'example.com' } }),
    ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    ['x', 'ExternalName', '<none>', 'example.com', '<none>', '5m', '<none>']
  ],
  [
    'endpoints with more than three addresses',
    info('', 'Endpoints'),
    obj('v1', 'Endpoints', {
      subsets: [
        {
          addresses: [
            { ip: '10.0.0.1' },
            { ip: '10.0.0.2' },
            { ip: '10.0.0.3' },
            { ip: '10.0.0.4' }
          ],
          ports: [{ port: 8080 }]
        }
      ]
    }),
    ['Name', 'Endpoints', 'Age'],
    ['x', '10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...', '5m']
  ],
  [
    'endpoints without subsets',
    info('', 'Endpoints'),
    obj('v1', 'Endpoints', {}),
    ['Name', 'Endpoints', 'Age'],
    ['x', '<none>', '5m']
  ],
  [
    'configmap',
    info('', 'ConfigMap'),
    obj('v1', 'ConfigMap', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }),
    ['Name', 'Data', 'Age'],
    ['x', 3, '5m']
  ],
  [
    'secret',
    info('', 'Secret'),
    obj('v1', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }),
    ['Name', 'Type', 'Data', 'Age'],
    ['x', 'kubernetes.io/tls', 2, '5m']
  ],
  [
    'serviceaccount',
    info('', 'ServiceAccount'),
    obj('v1', 'ServiceAccount', {}, { name: 'default' }),
    ['Name', 'Secrets', 'Age'],
    ['default', 0, '5m']
  ],
  [
    'core event',
    info('', 'Event'),
    obj(
      'v1',
      'Event',
      {
        involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' },
        reason: 'Pulled',
        type: 'Normal',
        message: 'Successfully pulled image "nginx"\n',
        source: { component: 'kubelet', host: 'kubedesk-worker' },
        firstTimestamp: ago(10 * minute),
        lastTimestamp: ago(30_000),
        count: 3
      },
      { name: 'web-1.17c' }
    ),
    [
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject',
      'Source',
      'Message',
      'First Seen',
      'Count',
      'Name'
    ],
    [
      '30s',
      'Normal',
      'Pulled',
      'pod/web-1',
      'spec.containers{web}',
      'kubelet, kubedesk-worker',
      'Successfully pulled image "nginx"',
      '10m',
      3,
      'web-1.17c'
    ]
  ],
  [
    'events.k8s.io event with a series',
    info('events.k8s.io', 'Event'),
    obj(
      'events.k8s.io/v1',
      'Event',
      {
        regarding: { kind: 'Node', name: 'kubedesk-worker' },
        reason: 'NodeNotReady',
        type: 'Warning',
        note: 'Node is not ready',
        reportingController: 'node-controller',
        eventTime: ago(20 * minute),
        series: { count: 4, lastObservedTime: ago(minute) }
      },
      { name: 'n.1' }
    ),
    [
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject',
      'Source',
      'Message',
      'First Seen',
      'Count',
      'Name'
    ],
    [
      '60s',
      'Warning',
      'NodeNotReady',
      'node/kubedesk-worker',
      '',
      'node-controller',
      'Node is not ready',
      '20m',
      4,
      'n.1'
    ]
  ],
  [
    'deployment',
    info('apps', 'Deployment'),
    obj('apps/v1', 'Deployment', {
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 }
    }),
    ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
    ['x', '2/3', 3, 2, '5m', 'web,sidecar', 'nginx:1.27,busybox', 'app=web']
  ],
  [
    'replicaset',
    info('apps', 'ReplicaSet'),
    obj('apps/v1', 'ReplicaSet', {
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } },
        template
      },
      status: { replicas: 2, readyReplicas: 1 }
    }),
    ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector'],
    ['x', 2, 2, 1, '5m', 'web,sidecar', 'nginx:1.27,busybox', 'app=web,pod-template-hash=abc']
  ],
  [
    'statefulset',
    info('apps', 'StatefulSet'),
    obj('apps/v1', 'StatefulSet', {
      spec: { replicas: 3, template },
      status: { readyReplicas: 3 }
    }),
    ['Name', 'Ready', 'Age', 'Containers', 'Images'],
    ['x', '3/3', '5m', 'web,sidecar', 'nginx:1.27,busybox']
  ],
  [
    'daemonset',
    info('apps', 'DaemonSet'),
    obj('apps/v1', 'DaemonSet', {
      spec: {
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['agent'] }] },
        template: {
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [{ name: 'agent', image: 'agent:1' }]
          }
        }
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2
      }
    }),
    [
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
      'Containers',
      'Images',
      'Selector'
    ],
    ['x', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '5m', 'agent', 'agent:1', 'app in (agent)']
  ],
  [
    'completed job',
    info('batch', 'Job'),
    obj('batch/v1', 'Job', {
      spec: {
        completions: 1,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
        template
      },
      status: {
        succeeded: 1,
        startTime: ago(5 * minute),
        completionTime: ago(5 * minute - 12_000),
        conditions: [{ type: 'Complete', status: 'True' }]
      }
    }),
    ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
    [
      'x',
      'Complete',
      '1/1',
      '12s',
      '5m',
      'web,sidecar',
      'nginx:1.27,busybox',
      'batch.kubernetes.io/controller-uid=u1'
    ]
  ],
  [
    'running work-queue job',
    info('batch', 'Job'),
    obj('batch/v1', 'Job', {
      spec: { parallelism: 3, template },
      status: { succeeded: 0, startTime: ago(3 * minute) }
    }),
    ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
    ['x', 'Running', '0/1 of 3', '3m', '5m', 'web,sidecar', 'nginx:1.27,busybox', '<none>']
  ],
  [
    'failed job not yet started',
    info('batch', 'Job'),
    obj('batch/v1', 'Job', {
      spec: { completions: 2, template },
      status: { conditions: [{ type: 'Failed', status: 'True' }] }
    }),
    ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
    ['x', 'Failed', '0/2', '', '5m', 'web,sidecar', 'nginx:1.27,busybox', '<none>']
  ],
  [
    'cronjob',
    info('batch', 'CronJob'),
    obj('batch/v1', 'CronJob', {
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'x-1' }], lastScheduleTime: ago(90_000) }
    }),
    [
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
      'Containers',
      'Images',
      'Selector'
    ],
    [
      'x',
      '*/5 * * * *',
      '<none>',
      'False',
      1,
      '90s',
      '5m',
      'web,sidecar',
      'nginx:1.27,busybox',
      '<none>'
    ]
  ],
  [
    'cronjob never scheduled, with a time zone',
    info('batch', 'CronJob'),
    obj('batch/v1', 'CronJob', {
      spec: {
        schedule: '0 3 * * *',
        timeZone: 'Europe/Paris',
        suspend: true,
        jobTemplate: { spec: { template } }
      },
      status: {}
    }),
    [
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
      'Containers',
      'Images',
      'Selector'
    ],
    [
      'x',
      '0 3 * * *',
      'Europe/Paris',
      'True',
      0,
      '<none>',
      '5m',
      'web,sidecar',
      'nginx:1.27,busybox',
      '<none>'
    ]
  ],
  [
    'lease',
    info('coordination.k8s.io', 'Lease'),
    obj(
      'coordination.k8s.io/v1',
      'Lease',
      { spec: { holderIdentity: 'kubedesk-worker' } },
      { name: 'kubedesk-worker', namespace: 'kube-node-lease' }
    ),
    ['Name', 'Holder', 'Age'],
    ['kubedesk-worker', 'kubedesk-worker', '5m']
  ],
  [
    'endpointslice',
    info('discovery.k8s.io', 'EndpointSlice'),
    obj('discovery.k8s.io/v1', 'EndpointSlice', {
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'metrics' }],
      endpoints: [{ addresses: ['10.244.1.2'] }, { addresses: ['10.244.2.3'] }]
    }),
    ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    ['x', 'IPv4', '80,metrics', '10.244.1.2,10.244.2.3', '5m']
  ],
  [
    'empty endpointslice',
    info('discovery.k8s.io', 'EndpointSlice'),
    obj('discovery.k8s.io/v1', 'EndpointSlice', { addressType: 'IPv4' }),
    ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    ['x', 'IPv4', '<unset>', '<unset>', '5m']
  ],
  [
    'a kind without a printer',
    info('example.com', 'Widget'),
    obj('example.com/v1', 'Widget', {}, { creationTimestamp: undefined }),
    ['Name', 'Age'],
    ['x', '<unknown>']
  ]
]

describe('tables per kind', () => {
  it.each(cases)('%s', (_name, resource, object, columns, cells) => {
    const table = toTable(resource, [object], { now })
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(columns)
    expect(table.rows[0].cells).toEqual(cells)
    expect(table.rows[0].cells).toHaveLength(table.columnDefinitions.length)
  })

  it('marks the NAME column with format name and hides wide columns by priority', () => {
    const deploy = toTable(info('apps', 'Deployment'), []).columnDefinitions
    expect(deploy.filter((c) => c.format === 'name').map((c) => c.name)).toEqual(['Name'])
    expect(deploy.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age'
    ])
    const events = toTable(info('', 'Event'), []).columnDefinitions
    expect(events.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Message'
    ])
  })

  it('keeps row order and renders every object', () => {
    const names = ['b', 'a', 'c']
    const objects = names.map((name) => obj('v1', 'ConfigMap', {}, { name }))
    expect(toTable(info('', 'ConfigMap'), objects, { now }).rows.map((r) => r.cells[0])).toEqual(
      names
    )
  })
})
