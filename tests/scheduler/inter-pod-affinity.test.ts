import { describe, expect, it } from 'vitest'
import type { Affinity, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1'
import { addPod, newNodeInfo, newPodInfo } from '../../src/main/scheduler/framework/node-info'
import { schedulePod } from '../../src/main/scheduler/framework/schedule-pod'
import type { CycleState } from '../../src/main/scheduler/framework/types'
import { DEFAULT_PLUGINS } from '../../src/main/scheduler/plugins'
import { interPodAffinity } from '../../src/main/scheduler/plugins/inter-pod-affinity'
import { makeNode, makePod, type TestPod } from './helpers'

const HOSTNAME = 'kubernetes.io/hostname'
const ZONE = 'topology.kubernetes.io/zone'

/** Nodes a and b in zone z1, c in zone z2. */
const NODES = [
  makeNode('a', { labels: { [ZONE]: 'z1' } }),
  makeNode('b', { labels: { [ZONE]: 'z1' } }),
  makeNode('c', { labels: { [ZONE]: 'z2' } })
]

function term(weight: number, app: string, topologyKey: string, namespaces?: string[]) {
  return {
    weight,
    podAffinityTerm: {
      labelSelector: { matchLabels: { app } },
      topologyKey,
      ...(namespaces ? { namespaces } : {})
    }
  } satisfies WeightedPodAffinityTerm
}

function podWith(name: string, app: string, affinity?: Affinity, namespace = 'default'): TestPod {
  const pod = makePod(name, { labels: { app }, spec: affinity ? { affinity } : {} })
  return { ...pod, metadata: { ...pod.metadata, namespace } }
}

/** Existing pods by node name. */
type Placement = Record<string, TestPod[]>

function nodeInfos(placed: Placement) {
  return NODES.map((node) => {
    const info = newNodeInfo(node)
    for (const p of placed[node.metadata.name] ?? [])
      addPod(info, newPodInfo({ ...p, spec: { ...p.spec!, nodeName: node.metadata.name } }))
    return info
  })
}

/** The plugin's normalized score per node, or 'skip' when PreScore says every node is alike. */
function scores(pod: TestPod, placed: Placement): Record<string, number> | 'skip' {
  const infos = nodeInfos(placed)
  const state: CycleState = new Map()
  const info = newPodInfo(pod)
  if (interPodAffinity.preScore(state, info, infos, infos)?.code === 'Skip') return 'skip'
  const raw = infos.map((n) => interPodAffinity.score(state, info, n))
  interPodAffinity.normalizeScore!(state, info, raw)
  return Object.fromEntries(infos.map((n, i) => [n.name, Math.round(raw[i])]))
}

describe('InterPodAffinity scoring: preferred terms, hostname and zone', () => {
  const db = podWith('db-0', 'db')
  const web = podWith('web-0', 'web')
  const cache = podWith('cache-0', 'cache')
  const cases: {
    name: string
    pod: TestPod
    placed: Placement
    want: Record<string, number> | 'skip'
  }[] = [
    {
      name: 'preferred affinity on hostname: the node running the db pod',
      pod: podWith('p', 'web', {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term(50, 'db', HOSTNAME)] }
      }),
      placed: { b: [db] },
      want: { a: 0, b: 100, c: 0 }
    },
    {
      name: 'preferred affinity on zone: every node of the db pod’s zone',
      pod: podWith('p', 'web', {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term(50, 'db', ZONE)] }
      }),
      placed: { b: [db] },
      want: { a: 100, b: 100, c: 0 }
    },
    {
      name: 'preferred anti-affinity on hostname: away from the node running web',
      pod: podWith('p', 'web', {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [term(100, 'web', HOSTNAME)]
        }
      }),
      placed: { a: [web] },
      want: { a: 0, b: 100, c: 100 }
    },
    {
      name: 'preferred anti-affinity on zone: away from the whole zone running web',
      pod: podWith('p', 'web', {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [term(100, 'web', ZONE)]
        }
      }),
      placed: { a: [web] },
      want: { a: 0, b: 0, c: 100 }
    },
    {
      name: 'weights add up: +80 near db, −100 near cache (min–max rescaled)',
      pod: podWith('p', 'web', {
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [term(80, 'db', HOSTNAME)]
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [term(100, 'cache', HOSTNAME)]
        }
      }),
      // raw: a = 80, b = 80 − 100 = −20, c = 0
      placed: { a: [db], b: [podWith('db-1', 'db'), cache] },
      want: { a: 100, b: 0, c: 20 }
    },
    {
      name: 'an existing pod’s required affinity for this pod’s labels draws it (hard weight 1)',
      pod: podWith('p', 'web'),
      placed: {
        c: [
          podWith('sidecar', 'sidecar', {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: HOSTNAME }
              ]
            }
          })
        ]
      },
      want: { a: 0, b: 0, c: 100 }
    },
    {
      name: 'an existing pod’s preferred anti-affinity against this pod pushes it away',
      pod: podWith('p', 'web'),
      placed: {
        a: [
          podWith('loner', 'loner', {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [term(50, 'web', HOSTNAME)]
            }
          })
        ]
      },
      want: { a: 0, b: 100, c: 100 }
    },
    {
      name: 'terms look in the pod’s own namespace unless they name others',
      pod: podWith('p', 'web', {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term(50, 'db', HOSTNAME)] }
      }),
      placed: { b: [podWith('db-x', 'db', undefined, 'other')] },
      want: 'skip'
    },
    {
      name: 'a term naming the other namespace finds its pods',
      pod: podWith('p', 'web', {
        podAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [term(50, 'db', HOSTNAME, ['other'])]
        }
      }),
      placed: { b: [podWith('db-x', 'db', undefined, 'other')] },
      want: { a: 0, b: 100, c: 0 }
    },
    {
      name: 'no preferences anywhere: skipped, every node alike',
      pod: podWith('p', 'web'),
      placed: { a: [db], b: [web] },
      want: 'skip'
    }
  ]
  it.each(cases)('$name', ({ pod, placed, want }) => {
    expect(scores(pod, placed)).toEqual(want)
  })

  it('the default plugin set places the pod next to the pod it prefers', () => {
    const pod = podWith('p', 'web', {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term(100, 'db', ZONE)] }
    })
    for (let i = 0; i < 20; i++) {
      const result = schedulePod(DEFAULT_PLUGINS, newPodInfo(pod), nodeInfos({ c: [db] }))
      expect(result.node).toBe('c')
    }
  })

  it('and away from the pods it avoids, zone-wide', () => {
    const pod = podWith('p', 'web', {
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term(100, 'web', ZONE)] }
    })
    for (let i = 0; i < 20; i++) {
      const result = schedulePod(DEFAULT_PLUGINS, newPodInfo(pod), nodeInfos({ a: [web] }))
      expect(result.node).toBe('c')
    }
  })
})

describe('InterPodAffinity with the scheduler cache’s hints', () => {
  const guard = podWith('guard', 'guard', {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: ZONE }
      ]
    }
  })
  it.each([
    { hints: undefined, want: 'c' },
    { hints: { podsWithAffinity: 1, podsWithRequiredAntiAffinity: 1 }, want: 'c' }
  ])('an existing pod’s required anti-affinity still keeps the pod out (hints $hints)', (c) => {
    const result = schedulePod(
      DEFAULT_PLUGINS,
      newPodInfo(podWith('p', 'web')),
      nodeInfos({ a: [guard] }),
      0,
      Math.random,
      c.hints
    )
    expect(result.node).toBe(c.want)
    expect(result.rejected.get('a')?.reasons).toEqual([
      "node(s) didn't satisfy existing pods anti-affinity rules"
    ])
  })

  it('skips the walk over all nodes when no pod anywhere has affinity terms', () => {
    const state: CycleState = new Map([
      ['ClusterHints', { podsWithAffinity: 0, podsWithRequiredAntiAffinity: 0 }]
    ])
    const infos = nodeInfos({ a: [podWith('web-1', 'web')] })
    const pod = newPodInfo(podWith('p', 'web'))
    expect(interPodAffinity.preFilter(state, pod, infos).code).toBe('Skip')
    expect(interPodAffinity.preScore(state, pod, infos, infos)?.code).toBe('Skip')
  })
})
