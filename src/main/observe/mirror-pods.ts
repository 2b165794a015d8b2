/**
 * Mirror pods of the control plane in kube-system, as a kubeadm cluster shows its static pods:
 * `etcd-kubedesk-control-plane`, `kube-apiserver-…`, `kube-controller-manager-…` and
 * `kube-scheduler-…`, bound to the control-plane Node, owned by it, and annotated
 * `kubernetes.io/config.mirror` so kubelets leave them alone. Their status is the supervisor's
 * record of the component (component-supervisor.ts): Running and Ready while healthy, not ready
 * with `CrashLoopBackOff` while a failed component waits to restart, the restart count and the
 * last termination after it did. Events (Pulled, Created, Started, BackOff, Unhealthy) come from
 * the control-plane node's kubelet, as they do for static pods.
 *
 * Reconciling is level-based: on every change of a record and every few seconds, a missing pod
 * is created, a deleted one (or one of an earlier run) is replaced, and a stale status rewritten.
 * Each run of KubeDesk makes its pods anew, so their age is the control plane's uptime.
 */
import { createHash } from 'node:crypto'
import type { Pod } from 'kubernetes-types/core/v1'
import { ApiError } from '../apiserver/api-errors'
import type { ApiClient } from '../apiserver/client'
import type { KubeObject } from '../apiserver/types'
import type { ComponentRecord } from '../component-supervisor'
import { MIRROR_POD_ANNOTATION } from '../../agent/kubelet/mirror-pod'
import type { ComponentLog } from './component-log'
import type { EventRecorder } from './event-recorder'

/** How each component's mirror pod describes it. */
export interface MirrorPodSpec {
  component: string
  image: string
  command: string[]
  requests: { cpu: string; memory?: string }
}

/** What `startMirrorPods` needs. */
export interface MirrorPodsOptions {
  /** Acting as the control-plane node's kubelet. */
  client: ApiClient
  recorder: EventRecorder
  nodeName: string
  /** The node's address: static control-plane pods use the host network. */
  hostIP: string
  specs: MirrorPodSpec[]
  records(): ComponentRecord[]
  onChange(listener: () => void): () => void
  log: Pick<ComponentLog, 'info' | 'warn'>
  resyncMs?: number
}

/** The name of a component's mirror pod. */
export function mirrorPodName(component: string, nodeName: string): string {
  return `${component}-${nodeName}`
}

const POD = { apiVersion: 'v1', kind: 'Pod' }
const NODE = { apiVersion: 'v1', kind: 'Node' }
const NAMESPACE = 'kube-system'

function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The pod's spec and metadata (without status) for one run of a component. */
function desiredPod(o: MirrorPodsOptions, spec: MirrorPodSpec, run: string, nodeUid: string) {
  const hash = createHash('sha256').update(JSON.stringify({ spec, run })).digest('hex').slice(0, 32)
  const resources = {
    requests: {
      cpu: spec.requests.cpu,
      ...(spec.requests.memory ? { memory: spec.requests.memory } : {})
    }
  }
  return {
    hash,
    pod: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: mirrorPodName(spec.component, o.nodeName),
        namespace: NAMESPACE,
        labels: { component: spec.component, tier: 'control-plane' },
        annotations: {
          'kubernetes.io/config.hash': hash,
          [MIRROR_POD_ANNOTATION]: hash,
          'kubernetes.io/config.seen': new Date().toISOString(),
          'kubernetes.io/config.source': 'file'
        },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Node', name: o.nodeName, uid: nodeUid, controller: true }
        ]
      },
      spec: {
        nodeName: o.nodeName,
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
        containers: [
          {
            name: spec.component,
            image: spec.image,
            imagePullPolicy: 'IfNotPresent',
            command: spec.command,
            resources
          }
        ]
      }
    } as KubeObject
  }
}

/** The status a record shows; `since` keeps condition transition times stable. */
function statusOf(
  o: MirrorPodsOptions,
  spec: MirrorPodSpec,
  r: ComponentRecord,
  podStarted: Date,
  previous: Pod['status'] | undefined
) {
  const now = stamp(new Date())
  const containerID = (startedAt: Date | undefined) =>
    `kubedesk://${spec.component}/${process.pid}-${startedAt?.getTime() ?? 0}`
  const condition = (type: string, ok: boolean) => {
    const status = ok ? 'True' : 'False'
    const before = previous?.conditions?.find((c) => c.type === type)
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now
    }
  }
  const running = r.state === 'running' || r.state === 'starting'
  const state = running
    ? { running: { startedAt: stamp(r.startedAt ?? podStarted) } }
    : {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off restarting failed container=${spec.component} pod=${mirrorPodName(spec.component, o.nodeName)}_${NAMESPACE}: ${r.message ?? ''}`
        }
      }
  const t = r.lastTermination
  const lastState = t
    ? {
        terminated: {
          exitCode: t.exitCode,
          reason: t.reason,
          message: t.message,
          startedAt: stamp(t.startedAt),
          finishedAt: stamp(t.finishedAt),
          containerID: containerID(t.startedAt)
        }
      }
    : {}
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', r.ready),
      condition('ContainersReady', r.ready),
      condition('PodScheduled', true)
    ],
    hostIP: o.hostIP,
    hostIPs: [{ ip: o.hostIP }],
    podIP: o.hostIP,
    podIPs: [{ ip: o.hostIP }],
    startTime: stamp(podStarted),
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: spec.component,
        image: spec.image,
        imageID: `kubedesk://${spec.image}`,
        containerID: containerID(r.startedAt),
        ready: r.ready,
        started: running,
        restartCount: r.restartCount,
        state,
        lastState
      }
    ]
  }
}

/** A comparable form of a status: times of transitions aside, what a user would see change. */
function fingerprint(status: unknown): string {
  return JSON.stringify(status, (key, value: unknown) =>
    key === 'lastTransitionTime' ? undefined : value
  )
}

/** Keeps the mirror pods in step with the records; `stop` ends it. */
export function startMirrorPods(o: MirrorPodsOptions): { stop(): void; sync(): Promise<void> } {
  const run = `${process.pid}-${Date.now()}`
  const podStarted = new Date()
  const seen = new Map<string, ComponentRecord>()
  let stopped = false
  let syncing: Promise<void> | undefined
  let again = false

  const events = (pod: KubeObject, spec: MirrorPodSpec, r: ComponentRecord): void => {
    const before = seen.get(spec.component)
    seen.set(spec.component, r)
    const c = spec.component
    if (
      r.state === 'running' &&
      (before?.state !== 'running' || before.startedAt?.getTime() !== r.startedAt?.getTime())
    ) {
      if (!before) {
        o.recorder.event(
          pod,
          'Normal',
          'Pulled',
          `Container image "${spec.image}" already present on machine`
        )
      }
      o.recorder.event(pod, 'Normal', 'Created', `Created container: ${c}`)
      o.recorder.event(pod, 'Normal', 'Started', `Started container ${c}`)
    }
    if (r.state === 'waiting' && before?.state !== 'waiting') {
      o.recorder.event(
        pod,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${c} in pod ${pod.metadata.name}_${NAMESPACE}(${pod.metadata.uid})`
      )
    }
    if (!r.ready && r.state === 'running' && r.message && before?.message !== r.message) {
      o.recorder.event(pod, 'Warning', 'Unhealthy', `Readiness probe failed: ${r.message}`)
    }
  }

  const syncOne = async (spec: MirrorPodSpec, r: ComponentRecord, nodeUid: string) => {
    const { hash, pod: want } = desiredPod(o, spec, run, nodeUid)
    const name = want.metadata.name!
    let pod = (await o.client.get(POD, NAMESPACE, name).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 404) return undefined
      throw err
    })) as Pod | undefined
    const annotations = pod?.metadata?.annotations ?? {}
    const owner = pod?.metadata?.ownerReferences?.[0]?.uid
    if (
      pod &&
      (annotations[MIRROR_POD_ANNOTATION] !== hash ||
        owner !== nodeUid ||
        pod.metadata?.deletionTimestamp)
    ) {
      await o.client
        .delete(POD, NAMESPACE, name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata?.uid }
        })
        .catch((err: unknown) => {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
        })
      pod = undefined
    }
    if (!pod) {
      pod = (await o.client.create(want)) as Pod
      seen.delete(spec.component)
      o.log.info('created mirror pod', { pod: `${NAMESPACE}/${name}` })
    }
    const status = statusOf(o, spec, r, podStarted, pod.status)
    if (fingerprint(status) !== fingerprint(pod.status)) {
      pod = (await o.client.updateStatus({ ...pod, status } as KubeObject)) as Pod
    }
    // Events are about the static pod, whose uid is its config hash (`kubectl describe` of a
    // mirror pod looks them up by the mirror annotation).
    const about = pod as KubeObject
    events({ ...about, metadata: { ...about.metadata, uid: hash } }, spec, r)
  }

  const syncAll = async (): Promise<void> => {
    const node = await o.client.get(NODE, undefined, o.nodeName).catch(() => undefined)
    const nodeUid = node?.metadata.uid
    if (!nodeUid) return
    const records = new Map(o.records().map((r) => [r.name, r]))
    for (const spec of o.specs) {
      const r = records.get(spec.component)
      if (!r || stopped) continue
      await syncOne(spec, r, nodeUid).catch((err: unknown) => {
        if (!stopped)
          o.log.warn('cannot sync mirror pod', { component: spec.component, err: String(err) })
      })
    }
  }

  /** One sync at a time; a change during one runs another right after. */
  const sync = (): Promise<void> => {
    if (syncing) {
      again = true
      return syncing
    }
    syncing = (async () => {
      do {
        again = false
        await syncAll()
      } while (again && !stopped)
    })().finally(() => (syncing = undefined))
    return syncing
  }

  const unsubscribe = o.onChange(() => void sync())
  const timer = setInterval(() => void sync(), o.resyncMs ?? 5000)
  timer.unref()
  void sync()
  return {
    sync,
    stop() {
      stopped = true
      unsubscribe()
      clearInterval(timer)
    }
  }
}
