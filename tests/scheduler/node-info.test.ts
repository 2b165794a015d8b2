import { describe, expect, it } from 'vitest'
import {
  addPod,
  newNodeInfo,
  newPodInfo,
  removePod,
  replaceNode
} from '../../src/main/scheduler/framework/node-info'
import { schedulePod } from '../../src/main/scheduler/framework/schedule-pod'
import { DEFAULT_PLUGINS } from '../../src/main/scheduler/plugins'
import { makeNode, makePod } from './helpers'

const OWNER = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: 'web',
  uid: 'rs-1',
  controller: true
}

function replica(name: string, nodeName?: string) {
  const pod = makePod(name, { cpu: '500m', labels: { app: 'web' }, nodeName })
  return { ...pod, metadata: { ...pod.metadata, ownerReferences: [OWNER] } }
}

describe('the node cache the plugins read', () => {
  it('keeps free room and per-workload counts as pods come and go', () => {
    const info = newNodeInfo(makeNode('a', { cpu: '2' }))
    addPod(info, newPodInfo(replica('w-0', 'a')))
    addPod(info, newPodInfo(replica('w-1', 'a')))
    // Accounting the same pod again replaces it rather than counting it twice.
    addPod(info, newPodInfo(replica('w-1', 'a')))
    expect(info.free.milliCpu).toBe(1000)
    expect(info.workloadCounts.get('owner:rs-1')).toBe(2)
    expect(removePod(info, 'default/w-0')).toBe(true)
    expect(removePod(info, 'default/w-0')).toBe(false)
    expect(info.free.milliCpu).toBe(1500)
    expect(info.workloadCounts.get('owner:rs-1')).toBe(1)
    const updated = replaceNode(info, makeNode('a', { cpu: '4' }))
    expect(updated.free.milliCpu).toBe(3500)
    expect(updated.workloadCounts.get('owner:rs-1')).toBe(1)
  })

  it('keeps free pod slots and the node fields Filter reads', () => {
    const info = newNodeInfo(makeNode('a', { pods: '2', unschedulable: true }))
    expect([info.free.pods, info.unschedulable, info.taints]).toEqual([2, true, []])
    addPod(info, newPodInfo(replica('w-0', 'a')))
    addPod(info, newPodInfo(replica('w-0', 'a')))
    expect(info.free.pods).toBe(1)
    removePod(info, 'default/w-0')
    expect(info.free.pods).toBe(2)
    const taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' }
    const tainted = replaceNode(info, makeNode('a', { taints: [taint] }))
    expect([tainted.unschedulable, tainted.taints]).toEqual([false, [taint]])
  })

  it('a replica goes to the node with fewer replicas, and back once one is removed', () => {
    const a = newNodeInfo(makeNode('a'))
    const b = newNodeInfo(makeNode('b'))
    addPod(a, newPodInfo(replica('w-0', 'a')))
    addPod(b, newPodInfo(replica('w-1', 'b')))
    addPod(b, newPodInfo(replica('w-2', 'b')))
    const next = newPodInfo(replica('w-3'))
    for (let i = 0; i < 10; i++) expect(schedulePod(DEFAULT_PLUGINS, next, [a, b]).node).toBe('a')
    removePod(b, 'default/w-1')
    removePod(b, 'default/w-2')
    for (let i = 0; i < 10; i++) expect(schedulePod(DEFAULT_PLUGINS, next, [a, b]).node).toBe('b')
  })
})
