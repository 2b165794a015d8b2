import { describe, expect, it } from 'vitest'
import { fitErrorMessage } from '../../src/main/scheduler/framework/fit-error'
import { addPod, newNodeInfo, newPodInfo } from '../../src/main/scheduler/framework/node-info'
import {
  numFeasibleNodesToFind,
  schedulePod
} from '../../src/main/scheduler/framework/schedule-pod'
import type { AnyPlugin, Status } from '../../src/main/scheduler/framework/types'
import { DEFAULT_PLUGINS } from '../../src/main/scheduler/plugins'
import {
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH
} from '../../src/main/scheduler/plugins/inter-pod-affinity'
import { ERR_REASON_POD } from '../../src/main/scheduler/plugins/node-affinity'
import { ERR_REASON_NODE_NAME } from '../../src/main/scheduler/plugins/node-name'
import { ERR_REASON_NODE_PORTS } from '../../src/main/scheduler/plugins/node-ports'
import { ERR_REASON_TOO_MANY_PODS } from '../../src/main/scheduler/plugins/node-resources-fit'
import { ERR_REASON_UNSCHEDULABLE } from '../../src/main/scheduler/plugins/node-unschedulable'
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH
} from '../../src/main/scheduler/plugins/pod-topology-spread'
import { makeNode, makePod } from './helpers'

const CONTROL_PLANE_TAINT = {
  key: 'node-role.kubernetes.io/control-plane',
  effect: 'NoSchedule'
}

/** Runs every filter of the default set; answers the first failure, as the framework does. */
function filterOne(
  pod: ReturnType<typeof makePod>,
  node: ReturnType<typeof makeNode>,
  existing: ReturnType<typeof makePod>[] = []
): Status {
  const info = newNodeInfo(node)
  for (const p of existing)
    addPod(info, newPodInfo({ ...p, spec: { ...p.spec!, nodeName: node.metadata.name } }))
  const result = schedulePod(DEFAULT_PLUGINS as AnyPlugin[], newPodInfo(pod), [info])
  if (result.node) return { code: 'Success', reasons: [] }
  return result.rejected.get(node.metadata.name) ?? result.preFilterStatus!
}

describe('filter plugins: the reasons a user reads', () => {
  const cases: {
    name: string
    pod: ReturnType<typeof makePod>
    node: ReturnType<typeof makeNode>
    existing?: ReturnType<typeof makePod>[]
    reasons: string[]
  }[] = [
    { name: 'fits', pod: makePod('p', { cpu: '1' }), node: makeNode('n'), reasons: [] },
    {
      name: 'cordoned node',
      pod: makePod('p'),
      node: makeNode('n', { unschedulable: true }),
      reasons: [ERR_REASON_UNSCHEDULABLE]
    },
    {
      name: 'cordoned node, tolerated',
      pod: makePod('p', {
        spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }] }
      }),
      node: makeNode('n', { unschedulable: true }),
      reasons: []
    },
    {
      name: 'control-plane taint',
      pod: makePod('p'),
      node: makeNode('n', { taints: [CONTROL_PLANE_TAINT] }),
      reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']
    },
    {
      name: 'taint with a value',
      pod: makePod('p', {
        spec: { tolerations: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }
      }),
      node: makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      reasons: ['node(s) had untolerated taint {dedicated: gpu}']
    },
    {
      name: 'control-plane taint tolerated',
      pod: makePod('p', {
        spec: {
          tolerations: [
            {
              key: 'node-role.kubernetes.io/control-plane',
              operator: 'Exists',
              effect: 'NoSchedule'
            }
          ]
        }
      }),
      node: makeNode('n', { taints: [CONTROL_PLANE_TAINT] }),
      reasons: []
    },
    {
      name: 'PreferNoSchedule does not filter',
      pod: makePod('p'),
      node: makeNode('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }),
      reasons: []
    },
    {
      name: 'nodeSelector mismatch',
      pod: makePod('p', { spec: { nodeSelector: { disk: 'ssd' } } }),
      node: makeNode('n', { labels: { disk: 'hdd' } }),
      reasons: [ERR_REASON_POD]
    },
    {
      // Present but empty: Filter still runs (no PreFilter skip), and an empty list matches nothing.
      name: 'required affinity without terms',
      pod: makePod('p', {
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] }
            }
          }
        }
      }),
      node: makeNode('n'),
      reasons: [ERR_REASON_POD]
    },
    {
      name: 'required affinity Gt',
      pod: makePod('p', {
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }
                ]
              }
            }
          }
        }
      }),
      node: makeNode('n', { labels: { cores: '8' } }),
      reasons: []
    },
    {
      name: 'required affinity DoesNotExist fails',
      pod: makePod('p', {
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }
                ]
              }
            }
          }
        }
      }),
      node: makeNode('n', { labels: { gpu: 'yes' } }),
      reasons: [ERR_REASON_POD]
    },
    {
      name: 'nodeName elsewhere',
      pod: makePod('p', { spec: { nodeName: 'other' } }),
      node: makeNode('n'),
      reasons: [ERR_REASON_NODE_NAME]
    },
    {
      name: 'too much cpu and memory',
      pod: makePod('p', { cpu: '3', memory: '8Gi' }),
      node: makeNode('n'),
      reasons: ['Insufficient cpu', 'Insufficient memory']
    },
    {
      name: 'cpu used by existing pods',
      pod: makePod('p', { cpu: '1' }),
      node: makeNode('n'),
      existing: [makePod('a', { cpu: '1500m' })],
      reasons: ['Insufficient cpu']
    },
    {
      name: 'pod count',
      pod: makePod('p'),
      node: makeNode('n', { pods: '1' }),
      existing: [makePod('a')],
      reasons: [ERR_REASON_TOO_MANY_PODS]
    },
    {
      name: 'host port taken',
      pod: makePod('p', { hostPort: 8080 }),
      node: makeNode('n'),
      existing: [makePod('a', { hostPort: 8080 })],
      reasons: [ERR_REASON_NODE_PORTS]
    },
    {
      name: 'anti-affinity on hostname',
      pod: makePod('p', {
        labels: { app: 'db' },
        spec: {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  topologyKey: 'kubernetes.io/hostname',
                  labelSelector: { matchLabels: { app: 'db' } }
                }
              ]
            }
          }
        }
      }),
      node: makeNode('n'),
      existing: [makePod('a', { labels: { app: 'db' } })],
      reasons: [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH]
    },
    {
      name: "an existing pod's anti-affinity",
      pod: makePod('p', { labels: { app: 'db' } }),
      node: makeNode('n'),
      existing: [
        makePod('a', {
          spec: {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: { app: 'db' } }
                  }
                ]
              }
            }
          }
        })
      ],
      reasons: [ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH]
    },
    {
      name: 'topology spread: missing label',
      pod: makePod('p', {
        labels: { app: 'w' },
        spec: {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'w' } }
            }
          ]
        }
      }),
      node: makeNode('n'),
      reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH]
    }
  ]
  it.each(cases)('$name', ({ pod, node, existing, reasons }) => {
    expect(filterOne(pod, node, existing).reasons).toEqual(reasons)
  })
})

describe('scheduling decisions', () => {
  it('topology spread keeps the skew within maxSkew across zones', () => {
    const a = newNodeInfo(makeNode('a', { labels: { zone: 'z1' } }))
    const b = newNodeInfo(makeNode('b', { labels: { zone: 'z2' } }))
    addPod(a, newPodInfo(makePod('w1', { labels: { app: 'w' }, nodeName: 'a' })))
    const pod = makePod('w2', {
      labels: { app: 'w' },
      spec: {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'w' } }
          }
        ]
      }
    })
    addPod(a, newPodInfo(makePod('w0', { labels: { app: 'w' }, nodeName: 'a' })))
    const result = schedulePod(DEFAULT_PLUGINS, newPodInfo(pod), [a, b])
    expect(result.node).toBe('b')
    expect(result.rejected.get('a')?.reasons).toEqual([ERR_REASON_CONSTRAINTS_NOT_MATCH])
  })

  it('prefers the node with fewer pods of the same owner', () => {
    const owner = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true }
    ]
    const a = newNodeInfo(makeNode('a'))
    const b = newNodeInfo(makeNode('b'))
    const p1 = makePod('web-1')
    p1.metadata = { ...p1.metadata, ownerReferences: owner }
    addPod(a, newPodInfo({ ...p1, spec: { ...p1.spec!, nodeName: 'a' } }))
    const p2 = makePod('web-2')
    p2.metadata = { ...p2.metadata, ownerReferences: owner }
    for (let i = 0; i < 20; i++)
      expect(schedulePod(DEFAULT_PLUGINS, newPodInfo(p2), [a, b]).node).toBe('b')
  })

  it('prefers the node matching a preferred affinity term', () => {
    const pod = makePod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 50,
                preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }
              }
            ]
          }
        }
      }
    })
    const nodes = [
      newNodeInfo(makeNode('a')),
      newNodeInfo(makeNode('b', { labels: { disk: 'ssd' } }))
    ]
    for (let i = 0; i < 20; i++)
      expect(schedulePod(DEFAULT_PLUGINS, newPodInfo(pod), nodes).node).toBe('b')
  })

  it('breaks ties at random', () => {
    const nodes = ['a', 'b', 'c'].map((n) => newNodeInfo(makeNode(n)))
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++)
      seen.add(schedulePod(DEFAULT_PLUGINS, newPodInfo(makePod('p')), nodes).node!)
    expect([...seen].sort()).toEqual(['a', 'b', 'c'])
  })

  it('scores only a share of nodes on big clusters (adaptive percentage, at least 100)', () => {
    expect(numFeasibleNodesToFind(50)).toBe(50)
    expect(numFeasibleNodesToFind(100)).toBe(100)
    expect(numFeasibleNodesToFind(1000)).toBe(420) // 50 - 1000/125 = 42 %
    expect(numFeasibleNodesToFind(5000)).toBe(500) // 50 - 40 = 10 %
    expect(numFeasibleNodesToFind(10000)).toBe(500) // floor of 5 %
    const nodes = Array.from({ length: 1000 }, (_, i) => newNodeInfo(makeNode(`n${i}`)))
    const result = schedulePod(DEFAULT_PLUGINS, newPodInfo(makePod('p')), nodes)
    expect(result.evaluated).toBe(420)
    expect(result.nextStartIndex).toBe(420)
  })
})

describe('FailedScheduling message', () => {
  it('matches kube-scheduler wording for a taint and too little cpu', () => {
    const statuses: Status[] = [
      {
        code: 'UnschedulableAndUnresolvable',
        reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']
      },
      { code: 'Unschedulable', reasons: ['Insufficient cpu'] },
      { code: 'Unschedulable', reasons: ['Insufficient cpu'] },
      { code: 'Unschedulable', reasons: ['Insufficient cpu'] }
    ]
    expect(fitErrorMessage(4, statuses)).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. ' +
        'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.'
    )
  })
  it('says so when there are no nodes', () => {
    expect(fitErrorMessage(0, [])).toBe('no nodes available to schedule pods')
  })
})
