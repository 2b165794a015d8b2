/**
 * The event correlator (src/main/observe/event-correlator.ts) against client-go's rules:
 * identical events count up on one Event, similar ones (message differs) turn into one
 * "(combined from similar events)" Event from the 10th distinct message in 10 minutes, and a
 * source may send 25 events about one object, then one per 5 minutes. Plus the sink: a repeat
 * whose Event has gone is created afresh with its count.
 */
import { describe, expect, it } from 'vitest'
import {
  AGGREGATE_MESSAGE_PREFIX,
  EventCorrelator,
  eventName,
  eventTimestamp
} from '../../src/main/observe/event-correlator'
import { createEventSink, type NewEvent } from '../../src/main/observe/event-sink'
import { ApiError } from '../../src/main/apiserver/api-errors'
import type { KubeObject } from '../../src/main/apiserver/types'

interface Step {
  /** Seconds since the start. */
  at: number
  pod?: string
  reason?: string
  message?: string
  container?: string
  host?: string
  /** Repeat this step this many times (default 1). */
  times?: number
}

const T0 = Date.parse('2026-01-01T00:00:00Z')

function newEvent(step: Step, now: Date): NewEvent {
  const pod = step.pod ?? 'web'
  const stamp = eventTimestamp(now)
  return {
    metadata: { name: eventName(pod, now), namespace: 'default' },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod,
      namespace: 'default',
      uid: `uid-${pod}`,
      ...(step.container ? { fieldPath: `spec.containers{${step.container}}` } : {})
    },
    type: 'Warning',
    reason: step.reason ?? 'BackOff',
    message: step.message ?? 'Back-off restarting failed container app',
    source: { component: 'kubelet', host: step.host ?? 'node-1' },
    reportingComponent: 'kubelet',
    reportingInstance: step.host ?? 'node-1',
    count: 1,
    firstTimestamp: stamp,
    lastTimestamp: stamp
  }
}

/**
 * Runs the steps through one correlator; each outcome reads `create <n>` (the n-th distinct
 * Event name), `patch <n> count <c>`, `skip`, with ` combined` when the message is an aggregate.
 */
function run(steps: Step[]): string[] {
  let now = new Date(T0)
  const correlator = new EventCorrelator({ now: () => now })
  const names: string[] = []
  const outcomes: string[] = []
  for (const step of steps) {
    for (let i = 0; i < (step.times ?? 1); i++) {
      now = new Date(T0 + step.at * 1000)
      const result = correlator.correlate(newEvent(step, now))
      if (result.skip) {
        outcomes.push('skip')
        continue
      }
      const { event, patch } = result
      const combined = event.message?.startsWith(AGGREGATE_MESSAGE_PREFIX) ? ' combined' : ''
      if (patch) {
        expect(patch.count).toBe(event.count)
        expect(patch.message).toBe(event.message)
        outcomes.push(
          `patch ${names.indexOf(event.metadata.name) + 1} count ${patch.count}${combined}`
        )
      } else {
        expect(names).not.toContain(event.metadata.name)
        names.push(event.metadata.name)
        expect(event.count).toBe(1)
        outcomes.push(`create ${names.length}${combined}`)
      }
    }
  }
  return outcomes
}

const repeat = (n: number, make: (i: number) => string): string[] =>
  Array.from({ length: n }, (_, i) => make(i))

describe('EventCorrelator', () => {
  const cases: { name: string; steps: Step[]; want: string[] }[] = [
    {
      name: 'identical events: one Event, count up',
      steps: [{ at: 0 }, { at: 10 }, { at: 40 }],
      want: ['create 1', 'patch 1 count 2', 'patch 1 count 3']
    },
    {
      name: 'different reasons are different Events',
      steps: [{ at: 0, reason: 'BackOff' }, { at: 1, reason: 'Unhealthy' }, { at: 2 }],
      want: ['create 1', 'create 2', 'patch 1 count 2']
    },
    {
      name: 'the same event about another container is another Event',
      steps: [
        { at: 0, container: 'a' },
        { at: 1, container: 'b' },
        { at: 2, container: 'a' }
      ],
      want: ['create 1', 'create 2', 'patch 1 count 2']
    },
    {
      name: 'the same event from another node is another Event',
      steps: [
        { at: 0, host: 'node-1' },
        { at: 1, host: 'node-2' }
      ],
      want: ['create 1', 'create 2']
    },
    {
      name: 'similar events: the 10th distinct message starts one combined Event',
      steps: repeat(12, (i) => `probe failed: ${i}`).map((message, i) => ({ at: i, message })),
      want: [
        ...repeat(9, (i) => `create ${i + 1}`),
        'create 10 combined',
        'patch 10 count 2 combined',
        'patch 10 count 3 combined'
      ]
    },
    {
      name: 'similar events more than 10 minutes apart start over',
      steps: repeat(12, (i) => `probe failed: ${i}`).map((message, i) => ({
        at: i * 601,
        message
      })),
      want: repeat(12, (i) => `create ${i + 1}`)
    },
    {
      // As in client-go, a dropped repeat still counts: the next one written carries it.
      name: 'spam: 25 events about an object, then one per 5 minutes',
      steps: [
        { at: 0, times: 27 },
        { at: 600, times: 3 }
      ],
      want: [
        'create 1',
        ...repeat(24, (i) => `patch 1 count ${i + 2}`),
        'skip',
        'skip',
        'patch 1 count 28',
        'patch 1 count 29',
        'skip'
      ]
    },
    {
      name: 'spam budget is per object: another pod still gets its events',
      steps: [
        { at: 0, pod: 'a', times: 26 },
        { at: 0, pod: 'b' }
      ],
      want: ['create 1', ...repeat(24, (i) => `patch 1 count ${i + 2}`), 'skip', 'create 2']
    }
  ]

  it.each(cases)('$name', ({ steps, want }) => {
    expect(run(steps)).toEqual(want)
  })
})

/** A client keeping Events in a map, as the API server would. */
function fakeClient(): {
  events: Map<string, KubeObject & Record<string, unknown>>
  calls: string[]
  client: Parameters<typeof createEventSink>[0]['client']
} {
  const events = new Map<string, KubeObject & Record<string, unknown>>()
  const calls: string[] = []
  const client = {
    create: async <T extends KubeObject>(obj: T): Promise<T> => {
      const name = obj.metadata?.name ?? ''
      calls.push(`create ${name}`)
      if (events.has(name)) throw new ApiError(409, 'AlreadyExists', `${name} exists`)
      events.set(name, structuredClone(obj) as KubeObject & Record<string, unknown>)
      return structuredClone(obj)
    },
    patch: async <T extends KubeObject>(
      _type: unknown,
      _ns: unknown,
      name: string,
      _patchType: unknown,
      patch: unknown
    ): Promise<T> => {
      calls.push(`patch ${name}`)
      const found = events.get(name)
      if (!found) throw new ApiError(404, 'NotFound', `events "${name}" not found`)
      Object.assign(found, patch)
      return structuredClone(found) as unknown as T
    }
  }
  return { events, calls, client: client as Parameters<typeof createEventSink>[0]['client'] }
}

describe('event sink', () => {
  it('writes a repeat as a patch of the first Event, in order, even when recorded at once', async () => {
    const f = fakeClient()
    const sink = createEventSink({ client: f.client })
    const now = new Date()
    for (let i = 0; i < 3; i++) sink.record(newEvent({ at: 0 }, now))
    await sink.flush()
    const [name] = [...f.events.keys()]
    expect(f.calls).toEqual([`create ${name}`, `patch ${name}`, `patch ${name}`])
    expect(f.events.get(name!)?.count).toBe(3)
  })

  it('creates the Event afresh, with its count, when it has gone (expired)', async () => {
    const f = fakeClient()
    const sink = createEventSink({ client: f.client })
    sink.record(newEvent({ at: 0 }, new Date()))
    await sink.flush()
    const [name] = [...f.events.keys()]
    f.events.clear()
    sink.record(newEvent({ at: 0 }, new Date()))
    await sink.flush()
    expect(f.calls).toEqual([`create ${name}`, `patch ${name}`, `create ${name}`])
    expect(f.events.get(name!)?.count).toBe(2)
  })

  it('logs a write that fails and goes on', async () => {
    const warnings: string[] = []
    const sink = createEventSink({
      client: {
        create: () => Promise.reject(new ApiError(403, 'Forbidden', 'no')),
        patch: () => Promise.reject(new ApiError(403, 'Forbidden', 'no'))
      },
      log: { warn: (message) => void warnings.push(message) }
    })
    sink.record(newEvent({ at: 0 }, new Date()))
    await sink.flush()
    expect(warnings).toEqual(['could not record event'])
  })
})
