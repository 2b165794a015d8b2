import { describe, expect, it } from 'vitest'
import { toTable } from '../../../src/main/apiserver/tables'
import type { KubeObject, ResourceInfo } from '../../../src/main/apiserver/types'

const pods: ResourceInfo = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  subresources: [],
  verbs: []
}
const now = new Date('2024-05-01T12:00:00Z')
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString()
const minute = 60_000

function pod(
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  meta = {}
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(10 * minute), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status
  }
}

const running = { running: { startedAt: ago(9 * minute) } }
const twoContainers = { containers: [{ name: 'a' }, { name: 'b' }] }

/** [case, pod, READY, STATUS, RESTARTS] */
const cases: Array<[string, KubeObject, string, string, string]> = [
  ['pending, not yet scheduled', pod({}, { phase: 'Pending' }), '0/1', 'Pending', '0'],
  [
    'scheduling gated',
    pod(
      {},
      {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }]
      }
    ),
    '0/1',
    'SchedulingGated',
    '0'
  ],
  [
    'container creating',
    pod(
      {},
      {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } }
          }
        ]
      }
    ),
    '0/1',
    'ContainerCreating',
    '0'
  ],
  [
    'running and ready',
    pod(
      {},
      {
        phase: 'Running',
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }]
      }
    ),
    '1/1',
    'Running',
    '0'
  ],
  [
    'one of two ready',
    pod(twoContainers, {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 0, state: running },
        { name: 'b', ready: false, restartCount: 0, state: running }
      ]
    }),
    '1/2',
    'Running',
    '0'
  ],
  [
    'crash loop with restarts and last restart time',
    pod(
      {},
      {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: {
              terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(2 * minute + 5000) }
            }
          }
        ]
      }
    ),
    '0/1',
    'CrashLoopBackOff',
    '5 (2m5s ago)'
  ],
  [
    'completed',
    pod(
      { restartPolicy: 'Never' },
      {
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } }
          }
        ]
      }
    ),
    '0/1',
    'Completed',
    '0'
  ],
  [
    'error exit',
    pod(
      { restartPolicy: 'Never' },
      {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 2, reason: 'Error' } }
          }
        ]
      }
    ),
    '0/1',
    'Error',
    '0'
  ],
  [
    'terminated without a reason: exit code, then signal',
    pod(
      {},
      {
        phase: 'Failed',
        containerStatuses: [
          { name: 'app', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }
        ]
      }
    ),
    '0/1',
    'Signal:9',
    '0'
  ],
  [
    'a completed container next to a running one',
    pod(twoContainers, {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'a',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed' } }
        },
        { name: 'b', ready: true, restartCount: 0, state: running }
      ]
    }),
    '1/2',
    'NotReady',
    '0'
  ],
  [
    'first of two init containers running',
    pod(
      { initContainers: [{ name: 'i1' }, { name: 'i2' }] },
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', ready: false, restartCount: 0, state: running },
          {
            name: 'i2',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'PodInitializing' } }
          }
        ]
      }
    ),
    '0/1',
    'Init:0/2',
    '0'
  ],
  [
    'second init container after the first succeeded',
    pod(
      { initContainers: [{ name: 'i1' }, { name: 'i2' }] },
      {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'i1',
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } }
          },
          { name: 'i2', restartCount: 0, state: running }
        ]
      }
    ),
    '0/1',
    'Init:1/2',
    '0'
  ],
  [
    'init container crash looping',
    pod(
      { initContainers: [{ name: 'i1' }] },
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }
        ]
      }
    ),
    '0/1',
    'Init:CrashLoopBackOff',
    '3'
  ],
  [
    'init container failed',
    pod(
      { initContainers: [{ name: 'i1' }] },
      {
        phase: 'Failed',
        initContainerStatuses: [
          { name: 'i1', restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }
        ]
      }
    ),
    '0/1',
    'Init:Error',
    '0'
  ],
  [
    'running sidecar counts as a container',
    pod(
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          { name: 'proxy', ready: true, started: true, restartCount: 1, state: running }
        ],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }]
      }
    ),
    '2/2',
    'Running',
    '1'
  ],
  [
    'terminating',
    pod(
      {},
      {
        phase: 'Running',
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }]
      },
      { deletionTimestamp: ago(0) }
    ),
    '1/1',
    'Terminating',
    '0'
  ],
  [
    'deleted on a lost node',
    pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(0) }),
    '0/1',
    'Unknown',
    '0'
  ],
  [
    'evicted (status reason)',
    pod({}, { phase: 'Failed', reason: 'Evicted' }),
    '0/1',
    'Evicted',
    '0'
  ]
]

describe('pod table', () => {
  it('has the columns kubectl shows, wide ones at priority 1', () => {
    const table = toTable(pods, [])
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1]
    ])
    expect(table.columnDefinitions[0].format).toBe('name')
  })

  it.each(cases)('%s', (_name, obj, ready, status, restarts) => {
    const [row] = toTable(pods, [obj], { now }).rows
    expect(row.cells.slice(0, 5)).toEqual(['web', ready, status, restarts, '10m'])
  })

  it('fills the wide cells', () => {
    const scheduled = pod(
      { nodeName: 'kubedesk-worker', readinessGates: [{ conditionType: 'example.com/lb' }] },
      {
        phase: 'Running',
        podIPs: [{ ip: '10.244.1.7' }],
        conditions: [{ type: 'example.com/lb', status: 'True' }]
      }
    )
    expect(toTable(pods, [scheduled], { now }).rows[0].cells.slice(5)).toEqual([
      '10.244.1.7',
      'kubedesk-worker',
      '<none>',
      '1/1'
    ])
    expect(toTable(pods, [pod({}, {})], { now }).rows[0].cells.slice(5)).toEqual([
      '<none>',
      '<none>',
      '<none>',
      '<none>'
    ])
  })

  it('marks finished pods Completed so clients can tell them apart', () => {
    const [done] = toTable(pods, [pod({}, { phase: 'Succeeded' })], { now }).rows
    expect(done.conditions).toEqual([
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.'
      }
    ])
    expect(
      toTable(pods, [pod({}, { phase: 'Running' })], { now }).rows[0].conditions
    ).toBeUndefined()
  })

  it('carries PartialObjectMetadata by default, the object or nothing on request', () => {
    const obj = pod({}, { phase: 'Running' })
    const table = toTable(pods, [obj], { now })
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {} })
    expect(table.rows[0].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: obj.metadata
    })
    expect(toTable(pods, [obj], { includeObject: 'Object' }).rows[0].object).toBe(obj)
    expect(toTable(pods, [obj], { includeObject: 'None' }).rows[0]).not.toHaveProperty('object')
  })
})
