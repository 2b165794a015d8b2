/** The Workloads view's state in its route query: links, defaults and round trips. */
import { describe, expect, it } from 'vitest'
import {
  workloadsQueryFromState,
  workloadsStateFromQuery,
  type WorkloadsState
} from '../../src/renderer/src/components/workloads/workloads-route'

const DEFAULTS: WorkloadsState = {
  kind: 'Deployment',
  namespace: '',
  selector: '',
  filter: '',
  wide: false,
  selected: null
}

describe('workloadsStateFromQuery', () => {
  it.each<[string, Record<string, string>, Partial<WorkloadsState>]>([
    ['no query: the defaults', {}, {}],
    ['an unknown kind lists the default kind', { kind: 'Gadget' }, {}],
    [
      'a pod link from the Nodes view',
      { kind: 'Pod', namespace: 'shop', name: 'db-0' },
      { kind: 'Pod', namespace: 'shop', selected: { kind: 'Pod', namespace: 'shop', name: 'db-0' } }
    ],
    [
      "a Node's event opens the Node over the default list",
      { kind: 'Node', name: 'kubedesk-worker' },
      { selected: { kind: 'Node', name: 'kubedesk-worker' } }
    ],
    [
      'every filter',
      { kind: 'Service', namespace: 'a', selector: 'app=web', filter: 'we', wide: '1' },
      { kind: 'Service', namespace: 'a', selector: 'app=web', filter: 'we', wide: true }
    ],
    [
      'an open object in another namespace than the list',
      { kind: 'Pod', name: 'web-1', objectNamespace: 'shop' },
      { kind: 'Pod', selected: { kind: 'Pod', namespace: 'shop', name: 'web-1' } }
    ]
  ])('%s', (_name, query, expected) => {
    expect(workloadsStateFromQuery(query)).toEqual({ ...DEFAULTS, ...expected })
  })
})

describe('workloadsQueryFromState', () => {
  it('leaves the defaults out', () => {
    expect(workloadsQueryFromState(DEFAULTS)).toEqual({})
  })

  it.each<[string, Partial<WorkloadsState>]>([
    ['a kind and namespace', { kind: 'Pod', namespace: 'shop' }],
    [
      'every filter',
      { kind: 'Job', namespace: 'b', selector: 'x in (1,2)', filter: 'j', wide: true }
    ],
    [
      'the open object of the listed kind',
      { kind: 'Pod', namespace: 'shop', selected: { kind: 'Pod', namespace: 'shop', name: 'p' } }
    ],
    [
      'a related object of another kind and namespace',
      { kind: 'Deployment', selected: { kind: 'ReplicaSet', namespace: 'x', name: 'web-5d8f7' } }
    ],
    [
      'a cluster-scoped object over a namespaced list',
      { kind: 'Pod', namespace: 'shop', selected: { kind: 'Node', name: 'kubedesk-worker' } }
    ]
  ])('round-trips %s', (_name, partial) => {
    const state = { ...DEFAULTS, ...partial }
    expect(workloadsStateFromQuery(workloadsQueryFromState(state))).toEqual(state)
  })
})
