/**
 * Events as a user sees them with the real kubectl, written once and run on process nodes
 * (tests/cluster/events-process.test.ts) and Docker nodes (tests/cluster/docker-nodes.test.ts):
 * a crash loop's BackOff, a failing readiness probe's Unhealthy and an unschedulable pod's
 * FailedScheduling each show as ONE event whose count grows (`kubectl get events -o wide`
 * COUNT, `kubectl describe` "(xN over …)"); `kubectl get events -A --watch` prints a new event;
 * with a short `--event-ttl`, an event is gone once that long has passed since its last write.
 */
import { expect, it } from 'vitest'
import type { Cluster } from '../helpers/cluster'
import { applyAll, getJson, podManifest, waitUntil } from './fixtures'

/** What the scenarios need from the test file. */
export interface EventsEnv {
  cluster(): Cluster
  /** The worker node the scenarios' pods run on. */
  node: string
  /** The cluster's `--event-ttl` in seconds when short enough to wait for (adds the expiry test). */
  eventTtlSeconds?: number
  /** Called after the scenarios created pods (e.g. to remember their uids for clean-up). */
  created?: () => Promise<void>
}

interface EventItem {
  metadata: { name: string }
  reason: string
  count?: number
  firstTimestamp?: string
  lastTimestamp?: string
  involvedObject: { name: string }
}

/** The pods' events with `reason`, through the API (one object per distinct event). */
async function eventsWith(c: Cluster, pod: string, reason: string): Promise<EventItem[]> {
  const list = await getJson<{ items: EventItem[] }>(c, [
    'events',
    '--field-selector',
    `involvedObject.name=${pod},reason=${reason}`
  ])
  return list.items
}

/** Waits until the pod's `reason` event has been counted at least `count` times; answers it. */
async function counted(
  c: Cluster,
  pod: string,
  reason: string,
  count: number,
  poke?: (round: number) => Promise<void>
): Promise<EventItem> {
  let round = 0
  return waitUntil(
    `${pod}: a ${reason} event counted ${count} times`,
    async () => {
      await poke?.(round++)
      const [event] = await eventsWith(c, pod, reason)
      return (event?.count ?? 0) >= count ? event : undefined
    },
    90_000,
    1000
  )
}

/** The `kubectl get events -o wide` rows of `pod` with `reason`, as [COUNT, NAME]. */
async function wideRows(c: Cluster, pod: string, reason: string): Promise<[number, string][]> {
  const res = await c.kubectl([
    'get',
    'events',
    '-o',
    'wide',
    '--field-selector',
    `involvedObject.name=${pod}`
  ])
  expect(res.code, res.stderr).toBe(0)
  const [header, ...rows] = res.stdout.trimEnd().split('\n')
  // COUNT and NAME are the last two wide columns (kubectl 1.32 and the server's table).
  expect(header).toMatch(/FIRST SEEN\s+COUNT\s+NAME$/)
  return rows
    .filter((row) => new RegExp(`\\s${reason}\\s`).test(row))
    .map((row) => {
      const cells = row.trim().split(/\s+/)
      return [Number(cells[cells.length - 2]), cells[cells.length - 1]!]
    })
}

/** The `kubectl describe pod` event lines with `reason`. */
async function describedEvents(c: Cluster, pod: string, reason: string): Promise<string[]> {
  const res = await c.kubectl(['describe', 'pod', pod])
  expect(res.code, res.stderr).toBe(0)
  const events = res.stdout.slice(res.stdout.indexOf('\nEvents:'))
  return events.split('\n').filter((line) => new RegExp(`^\\s+\\w+\\s+${reason}\\s`).test(line))
}

/** Checks that `reason` shows as one counted event in `get events -o wide` and `describe`. */
async function expectOneCountedEvent(
  c: Cluster,
  pod: string,
  reason: string,
  event: EventItem
): Promise<void> {
  expect(await eventsWith(c, pod, reason)).toHaveLength(1)
  const rows = await wideRows(c, pod, reason)
  expect(rows).toHaveLength(1)
  expect(rows[0]![1]).toBe(event.metadata.name)
  expect(rows[0]![0]).toBeGreaterThanOrEqual(event.count!)
  const lines = await describedEvents(c, pod, reason)
  expect(lines).toHaveLength(1)
  const times = /\(x(\d+) over \S+\)/.exec(lines[0]!)
  expect(times, lines[0]).not.toBeNull()
  expect(Number(times![1])).toBeGreaterThanOrEqual(event.count!)
}

/** Adds the events scenarios to the caller's describe (titles start `events: `). */
export function registerEventsScenarios(env: EventsEnv): void {
  it('events: a crash loop shows one BackOff event with a growing count', async () => {
    const c = env.cluster()
    await applyAll(c, [podManifest({ name: 'ev-crash', node: env.node, script: 'exit 1' })])
    await env.created?.()
    const event = await counted(c, 'ev-crash', 'BackOff', 3)
    await expectOneCountedEvent(c, 'ev-crash', 'BackOff', event)
    await c.kubectl(['delete', 'pod', 'ev-crash', '--wait=false'])
  }, 150_000)

  it('events: a failing readiness probe shows one Unhealthy event with a growing count', async () => {
    const c = env.cluster()
    const pod = podManifest({ name: 'ev-unready', node: env.node, script: 'sleep 3600' }) as {
      spec: { containers: Record<string, unknown>[] }
    }
    pod.spec.containers[0]!.readinessProbe = {
      exec: { command: ['false'] },
      periodSeconds: 1,
      failureThreshold: 1
    }
    await applyAll(c, [pod])
    await env.created?.()
    const event = await counted(c, 'ev-unready', 'Unhealthy', 3)
    await expectOneCountedEvent(c, 'ev-unready', 'Unhealthy', event)
    await c.kubectl(['delete', 'pod', 'ev-unready', '--wait=false'])
  }, 150_000)

  it('events: an unschedulable pod shows one FailedScheduling event with a growing count', async () => {
    const c = env.cluster()
    const pod = podManifest({ name: 'ev-pending', node: env.node, script: 'sleep 3600' }) as {
      spec: Record<string, unknown>
    }
    delete pod.spec.nodeName
    pod.spec.nodeSelector = { 'kubedesk.test/nowhere': 'true' }
    await applyAll(c, [pod])
    // A node change makes the scheduler try again (and fail the same way) at once.
    const poke = async (round: number): Promise<void> => {
      await c.kubectl(['label', 'node', env.node, `kubedesk.test/retry=${round}`, '--overwrite'])
    }
    const event = await counted(c, 'ev-pending', 'FailedScheduling', 3, poke)
    await expectOneCountedEvent(c, 'ev-pending', 'FailedScheduling', event)
    await c.kubectl(['label', 'node', env.node, 'kubedesk.test/retry-'])
    await c.kubectl(['delete', 'pod', 'ev-pending', '--wait=false'])
  }, 150_000)

  it('events: kubectl get events -A --watch prints a new event', async () => {
    const c = env.cluster()
    // -v=6 logs each request on stderr: the test knows when the watch itself is open (the list
    // before it may be empty, and then kubectl prints nothing until the first event).
    const watch = c.kubectlSpawn(['get', 'events', '-A', '--watch', '-v=6'])
    try {
      await watch.waitFor(/GET \S+\/api\/v1\/events\?\S*watch=true\S* 200 OK/, 30_000, 'stderr')
      expect(watch.stdout()).not.toMatch(/pod\/ev-watch\b/)
      await applyAll(c, [podManifest({ name: 'ev-watch', node: env.node, script: 'sleep 3600' })])
      await env.created?.()
      await watch.waitFor(/default\s+\S+\s+Normal\s+Started\s+pod\/ev-watch\s/, 60_000)
      expect(watch.stdout()).toMatch(/^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/)
    } finally {
      await watch.kill()
    }
    await c.kubectl(['delete', 'pod', 'ev-watch', '--wait=false'])
  }, 90_000)

  const ttl = env.eventTtlSeconds
  if (ttl !== undefined && ttl <= 60) {
    it(`events: an event is gone ${ttl}s (--event-ttl) after its last write`, async () => {
      const c = env.cluster()
      await applyAll(c, [podManifest({ name: 'ev-ttl', node: env.node, script: 'sleep 3600' })])
      await env.created?.()
      const [started] = await waitUntil('the Started event of ev-ttl', async () => {
        const found = await eventsWith(c, 'ev-ttl', 'Started')
        return found.length ? found : undefined
      })
      const written = Date.parse(started!.lastTimestamp!)
      await waitUntil(
        'the Started event to expire',
        async () => ((await eventsWith(c, 'ev-ttl', 'Started')).length === 0 ? true : undefined),
        (ttl + 30) * 1000,
        500
      )
      // lastTimestamp is cut to whole seconds, so the write was at or after it.
      expect(Date.now() - written).toBeGreaterThanOrEqual(ttl * 1000)
      const all = await c.kubectl([
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=ev-ttl'
      ])
      expect(all.stdout).not.toMatch(/\sStarted\s/)
      await c.kubectl(['delete', 'pod', 'ev-ttl', '--wait=false'])
    }, 150_000)
  }
}
