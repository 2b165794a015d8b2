/** Which pods a drain deletes, keeps or refuses, flag by flag, as kubectl drain decides. */
import { describe, expect, it } from 'vitest'
import {
  DAEMONSET_FATAL,
  DAEMONSET_WARNING,
  drainPodStatus,
  groupByMessage,
  LOCAL_STORAGE_FATAL,
  ORPHANED_DAEMONSET_FATAL,
  ORPHANED_DAEMONSET_WARNING,
  UNMANAGED_FATAL,
  UNMANAGED_WARNING,
  type PodDeleteStatus
} from '../../src/main/desktop/host/actions/drain-filters'
import type { KubeObject } from '../../src/main/apiserver/types'
import type { DrainOptions } from '../../src/shared/desktop-api'

interface PodShape {
  name?: string
  controller?: string
  emptyDir?: boolean
  mirror?: boolean
  phase?: string
}

function pod(shape: PodShape): KubeObject {
  const [kind, name] = shape.controller?.split('/') ?? []
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: shape.name ?? 'p',
      namespace: 'default',
      ...(kind ? { ownerReferences: [{ kind, name, controller: true, uid: 'u' }] } : {}),
      ...(shape.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {})
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      ...(shape.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {})
    },
    status: { phase: shape.phase ?? 'Running' }
  } as KubeObject
}

const okay: PodDeleteStatus = { delete: true, reason: 'okay' }
const refused = (message: string): PodDeleteStatus => ({ delete: false, reason: 'error', message })
const warned = (remove: boolean, message: string): PodDeleteStatus => ({
  delete: remove,
  reason: 'warning',
  message
})
const ALL: DrainOptions = { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true }

describe('drainPodStatus', () => {
  it.each<[string, PodShape, DrainOptions, PodDeleteStatus]>([
    ['a ReplicaSet pod goes', { controller: 'ReplicaSet/web' }, {}, okay],
    ['a bare pod blocks', {}, {}, refused(UNMANAGED_FATAL)],
    ['a bare pod goes with --force', {}, { force: true }, warned(true, UNMANAGED_WARNING)],
    ['a finished bare pod goes', { phase: 'Succeeded' }, {}, okay],
    ['a DaemonSet pod blocks', { controller: 'DaemonSet/agent' }, {}, refused(DAEMONSET_FATAL)],
    [
      'a DaemonSet pod stays with --ignore-daemonsets',
      { controller: 'DaemonSet/agent' },
      { ignoreDaemonSets: true },
      warned(false, DAEMONSET_WARNING)
    ],
    [
      'a DaemonSet pod stays even with --force',
      { controller: 'DaemonSet/agent' },
      ALL,
      warned(false, DAEMONSET_WARNING)
    ],
    ['a failed DaemonSet pod goes', { controller: 'DaemonSet/agent', phase: 'Failed' }, {}, okay],
    [
      'a pod of a deleted DaemonSet blocks',
      { controller: 'DaemonSet/gone' },
      { ignoreDaemonSets: true },
      refused(ORPHANED_DAEMONSET_FATAL)
    ],
    [
      'a pod of a deleted DaemonSet goes with --force',
      { controller: 'DaemonSet/gone' },
      { force: true },
      warned(true, ORPHANED_DAEMONSET_WARNING)
    ],
    ['a mirror pod is skipped', { mirror: true }, ALL, { delete: false, reason: 'skip' }],
    [
      'an emptyDir pod blocks',
      { controller: 'ReplicaSet/web', emptyDir: true },
      {},
      refused(LOCAL_STORAGE_FATAL)
    ],
    [
      'an emptyDir pod goes with --delete-emptydir-data',
      { controller: 'ReplicaSet/web', emptyDir: true },
      { deleteEmptyDirData: true },
      okay
    ],
    [
      'a bare emptyDir pod needs both flags (local storage first)',
      { emptyDir: true },
      { force: true },
      refused(LOCAL_STORAGE_FATAL)
    ],
    [
      'a bare emptyDir pod with --delete-emptydir-data still needs --force',
      { emptyDir: true },
      { deleteEmptyDirData: true },
      refused(UNMANAGED_FATAL)
    ]
  ])('%s', (_name, shape, opts, expected) => {
    const exists = (_ns: string, name: string) => name !== 'gone'
    expect(drainPodStatus(pod(shape), opts, exists)).toEqual(expected)
  })
})

describe('groupByMessage', () => {
  it("names the pods per reason, kubectl's way", () => {
    const entries = [
      { pod: pod({ name: 'b' }), status: refused(UNMANAGED_FATAL) },
      { pod: pod({ name: 'a' }), status: refused(UNMANAGED_FATAL) },
      { pod: pod({ name: 'ds' }), status: refused(DAEMONSET_FATAL) },
      { pod: pod({ name: 'ok' }), status: okay }
    ]
    expect(groupByMessage(entries, 'error')).toEqual([
      'cannot delete Pods that declare no controller (use --force to override): default/a, default/b',
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds'
    ])
  })
})
