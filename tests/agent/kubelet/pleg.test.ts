/**
 * The PLEG: a runtime without events is relisted every period and changed pods reported; with a
 * container event stream, events wake their pods at once and nothing polls the runtime while the
 * stream is open; when it ends, relisting resumes until the stream is open again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EVENT_RECHECK_MS, EVENTED_RELIST_MS, Pleg } from '../../../src/agent/kubelet/pleg'
import { silentLog } from '../../../src/agent/log'
import {
  LABELS,
  type ContainerEventHandlers,
  type ContainerRuntime,
  type ContainerStatus
} from '../../../src/agent/runtime/types'

const RELIST_MS = 1000

function container(id: string, uid: string, state: ContainerStatus['state']): ContainerStatus {
  return {
    id,
    podSandboxId: `sandbox-${uid}`,
    name: 'main',
    image: 'busybox',
    state,
    createdAt: new Date(0),
    attempt: 0,
    labels: { [LABELS.node]: 'n1', [LABELS.podUid]: uid }
  }
}

/** A runtime with only what the PLEG calls; `streams` holds each opened event stream. */
function stubRuntime(withEvents: boolean) {
  let containers: ContainerStatus[] = []
  const streams: ContainerEventHandlers[] = []
  const runtime = {
    listContainers: vi.fn(async () => containers),
    ...(withEvents
      ? {
          watchContainerEvents: (h: ContainerEventHandlers) => {
            streams.push(h)
            return { close: () => undefined }
          }
        }
      : {})
  }
  return {
    runtime: runtime as unknown as ContainerRuntime,
    listContainers: runtime.listContainers,
    streams,
    set: (list: ContainerStatus[]) => (containers = list)
  }
}

function startPleg(runtime: ContainerRuntime) {
  const changed: string[][] = []
  const pleg = new Pleg({
    runtime,
    nodeName: 'n1',
    relistMs: RELIST_MS,
    onPodsChanged: (uids) => changed.push([...uids].sort()),
    log: silentLog
  })
  pleg.start()
  return { pleg, changed }
}

describe('pleg', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('relists a runtime without events every period and reports the pods that changed', async () => {
    const rt = stubRuntime(false)
    rt.set([container('c1', 'pod-a', 'running'), container('c2', 'pod-b', 'running')])
    const { pleg, changed } = startPleg(rt.runtime)
    expect(pleg.evented).toBe(false)
    await vi.advanceTimersByTimeAsync(RELIST_MS)
    expect(changed).toEqual([['pod-a', 'pod-b']])
    await vi.advanceTimersByTimeAsync(RELIST_MS)
    expect(changed).toHaveLength(1) // nothing changed
    rt.set([container('c1', 'pod-a', 'exited')])
    await vi.advanceTimersByTimeAsync(RELIST_MS)
    expect(changed[1]).toEqual(['pod-a', 'pod-b']) // pod-a exited, pod-b's container is gone
    pleg.stop()
  })

  it('wakes a pod on its container event and does not poll while the stream is open', async () => {
    const rt = stubRuntime(true)
    const { pleg, changed } = startPleg(rt.runtime)
    rt.streams[0].onConnected()
    await vi.advanceTimersByTimeAsync(0)
    expect(pleg.evented).toBe(true)
    const callsAfterConnect = rt.listContainers.mock.calls.length
    expect(callsAfterConnect).toBe(1) // the relist that covers what came before the stream

    await vi.advanceTimersByTimeAsync(RELIST_MS * 30)
    expect(rt.listContainers.mock.calls.length).toBe(callsAfterConnect)

    rt.streams[0].onEvent({ containerId: 'c9', podUid: 'pod-z' })
    expect(changed).toEqual([['pod-z']])
    // One relist follows the event, then nothing until the safety net.
    await vi.advanceTimersByTimeAsync(EVENT_RECHECK_MS)
    expect(rt.listContainers.mock.calls.length).toBe(callsAfterConnect + 1)
    await vi.advanceTimersByTimeAsync(EVENTED_RELIST_MS - EVENT_RECHECK_MS - 1)
    expect(rt.listContainers.mock.calls.length).toBe(callsAfterConnect + 1)

    // The safety-net relist still runs, at the evented period.
    await vi.advanceTimersByTimeAsync(EVENT_RECHECK_MS + 1)
    expect(rt.listContainers.mock.calls.length).toBe(callsAfterConnect + 2)
    pleg.stop()
  })

  it('wakes a pod again when the runtime lists the state its event announced only later', async () => {
    // Docker sends `die` while it still lists the container as running.
    const rt = stubRuntime(true)
    rt.set([container('c1', 'pod-a', 'running')])
    const { pleg, changed } = startPleg(rt.runtime)
    rt.streams[0].onConnected()
    await vi.advanceTimersByTimeAsync(0)
    expect(changed).toEqual([['pod-a']])

    rt.streams[0].onEvent({ containerId: 'c1', podUid: 'pod-a' })
    expect(changed).toEqual([['pod-a'], ['pod-a']]) // woken; its worker still lists `running`
    await vi.advanceTimersByTimeAsync(50)
    rt.set([container('c1', 'pod-a', 'exited')])
    await vi.advanceTimersByTimeAsync(EVENT_RECHECK_MS)
    expect(changed).toEqual([['pod-a'], ['pod-a'], ['pod-a']])

    // An event just before the recheck's relist gets a recheck of its own.
    rt.streams[0].onEvent({ containerId: 'c1', podUid: 'pod-a' })
    await vi.advanceTimersByTimeAsync(EVENT_RECHECK_MS - 10)
    rt.streams[0].onEvent({ containerId: 'c2', podUid: 'pod-b' })
    await vi.advanceTimersByTimeAsync(10)
    const woken = changed.length // the recheck has run and listed pod-b's old state
    rt.set([container('c1', 'pod-a', 'exited'), container('c2', 'pod-b', 'exited')])
    await vi.advanceTimersByTimeAsync(EVENT_RECHECK_MS)
    expect(changed.slice(woken)).toEqual([['pod-b']])
    pleg.stop()
  })

  it('relists every period after the stream ends, and again once it is reopened', async () => {
    const rt = stubRuntime(true)
    rt.set([container('c1', 'pod-a', 'running')])
    const { pleg, changed } = startPleg(rt.runtime)
    rt.streams[0].onConnected()
    await vi.advanceTimersByTimeAsync(0)
    expect(changed).toEqual([['pod-a']])

    rt.streams[0].onEnd(new Error('engine restarted'))
    expect(pleg.evented).toBe(false)
    rt.set([container('c1', 'pod-a', 'exited')])
    await vi.advanceTimersByTimeAsync(RELIST_MS)
    expect(changed).toEqual([['pod-a'], ['pod-a']]) // seen by polling, without an event

    // The stream is opened again; its opening relists.
    expect(rt.streams.length).toBe(2)
    const before = rt.listContainers.mock.calls.length
    rt.streams[1].onConnected()
    await vi.advanceTimersByTimeAsync(0)
    expect(pleg.evented).toBe(true)
    expect(rt.listContainers.mock.calls.length).toBe(before + 1)
    pleg.stop()
  })
})
