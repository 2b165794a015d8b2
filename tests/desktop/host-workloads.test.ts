/**
 * The Workloads side of the desktop host against a real control plane: the resources topic
 * shows a Deployment's READY / UP-TO-DATE / AVAILABLE columns and honours the label selector
 * (a bad one ends the subscription with the parser's message); getResource of a Deployment
 * lists its ReplicaSet, a Service lists the pods it selects, a pod its owner and Service, and a
 * missing object is a readable error; the events topic shows the scheduler's Scheduled event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createReadTopics, type ReadTopics } from '../../src/main/desktop/host/read-topics'
import { getResource } from '../../src/main/desktop/host/resource-detail'
import type { EventRow, ListUpdate, ResourcesUpdate } from '../../src/shared/desktop-api'
import { eventually, listItems, Recorder, startHostCluster, type HostCluster } from './host-fixture'

let cluster: HostCluster
let topics: ReadTopics

const client = () => cluster.client

function deployment(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx' }] }
      }
    }
  }
}

/** Pods of `app` that are Running. */
async function runningPods(app: string): Promise<string[]> {
  const list = await client().list(
    { apiVersion: 'v1', kind: 'Pod' },
    { namespace: 'default', labelSelector: `app=${app}` }
  )
  return list.items
    .filter((p) => (p.status as { phase?: string }).phase === 'Running')
    .map((p) => p.metadata.name!)
}

describe('desktop host workloads', () => {
  beforeAll(async () => {
    cluster = await startHostCluster({ nodes: 2 })
    topics = createReadTopics(cluster.ctx)
    await client().create(deployment('web', 2))
    await client().create(deployment('api', 1))
    await client().create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] }
    })
    await eventually('web pods Running', async () =>
      (await runningPods('web')).length === 2 ? true : undefined
    )
  }, 90_000)

  afterAll(async () => {
    topics?.close()
    await cluster?.stop()
  }, 60_000)

  it('resources: Deployments as kubectl prints them, filtered by label selector', async () => {
    const rec = new Recorder<ResourcesUpdate>()
    const stop = topics.resources(
      { kind: 'Deployment', namespace: 'default', labelSelector: 'app=web' },
      rec.emit,
      rec.fail
    )
    try {
      await rec.until('the reset', () => rec.updates.length > 0)
      const reset = rec.updates[0]
      expect(reset.reset).toBe(true)
      const columns = reset.columns!.filter((c) => c.priority === 0).map((c) => c.name)
      expect(columns).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age'])
      const cellsOf = () => listItems(rec.updates).map((r) => r.cells.slice(0, 4))
      await rec.until(
        'web 2/2',
        () => JSON.stringify(cellsOf()) === JSON.stringify([['web', '2/2', 2, 2]])
      )
      const rows = listItems(rec.updates)
      expect(rows.map((r) => r.name)).toEqual(['web'])
      expect(rows[0]).toMatchObject({
        kind: 'Deployment',
        namespace: 'default',
        labels: { app: 'web' }
      })
      expect(rec.errors).toEqual([])
    } finally {
      stop()
    }
  })

  it('resources: without a selector every Deployment is listed; a bad selector is refused', async () => {
    const all = new Recorder<ResourcesUpdate>()
    const stop = topics.resources({ kind: 'Deployment' }, all.emit, all.fail)
    await all.until('the reset', () => all.updates.length > 0)
    expect(
      listItems(all.updates)
        .map((r) => r.name)
        .sort()
    ).toEqual(['api', 'web'])
    stop()
    expect(() =>
      topics.resources({ kind: 'Deployment', labelSelector: 'app in (web' }, all.emit, all.fail)
    ).toThrow(/invalid label selector "app in \(web": .+/)
    expect(() => topics.resources({ kind: 'Widget' as never }, all.emit, all.fail)).toThrow(
      /unknown kind "Widget"/
    )
  })

  it('getResource: a Deployment owns its ReplicaSet and selects its pods', async () => {
    const detail = await getResource(cluster.ctx, {
      kind: 'Deployment',
      namespace: 'default',
      name: 'web'
    })
    expect(detail.ref).toEqual({ kind: 'Deployment', namespace: 'default', name: 'web' })
    expect((detail.object.metadata as Record<string, unknown>).managedFields).toBeUndefined()
    expect(detail.yaml).toMatch(/^kind: Deployment$/m)
    expect(detail.yaml).not.toMatch(/managedFields/)
    expect(detail.conditions.map((c) => c.type)).toContain('Available')
    const owned = detail.related.filter((r) => r.relation === 'owned')
    expect(owned).toHaveLength(1)
    expect(owned[0]).toMatchObject({ kind: 'ReplicaSet', namespace: 'default' })
    expect(owned[0].name).toMatch(/^web-/)
    expect(detail.related.filter((r) => r.relation === 'selects' && r.kind === 'Pod')).toHaveLength(
      2
    )
    // The deployment controller's event about its ReplicaSet.
    expect(detail.events.some((e) => e.reason === 'ScalingReplicaSet')).toBe(true)
  })

  it('getResource: a Service lists the pods it selects; a pod its owner and its Service', async () => {
    const service = await getResource(cluster.ctx, {
      kind: 'Service',
      namespace: 'default',
      name: 'web'
    })
    const selected = service.related.filter((r) => r.relation === 'selects').map((r) => r.name)
    expect(selected.sort()).toEqual((await runningPods('web')).sort())
    const podName = selected[0]
    const pod = await getResource(cluster.ctx, { kind: 'Pod', namespace: 'default', name: podName })
    expect(pod.related).toContainEqual({
      kind: 'Service',
      namespace: 'default',
      name: 'web',
      relation: 'selected'
    })
    expect(pod.related.find((r) => r.relation === 'owner')).toMatchObject({ kind: 'ReplicaSet' })
    expect(pod.conditions.find((c) => c.type === 'Ready')?.status).toBe('True')
    expect(pod.events.map((e) => e.reason)).toContain('Scheduled')
  })

  it('getResource: a missing object or kind is a readable error', async () => {
    await expect(
      getResource(cluster.ctx, { kind: 'Deployment', namespace: 'default', name: 'nope' })
    ).rejects.toThrow('Deployment default/nope not found')
    await expect(getResource(cluster.ctx, { kind: 'Node', name: 'no-such-node' })).rejects.toThrow(
      'Node no-such-node not found'
    )
    await expect(getResource(cluster.ctx, { kind: 'Widget', name: 'x' })).rejects.toThrow(
      'the server has no kind "Widget"'
    )
  })

  it('events: the timeline shows the scheduler placing a pod, filterable by type', async () => {
    const rec = new Recorder<ListUpdate<EventRow>>()
    const stop = topics.events({ namespace: 'default' }, rec.emit, rec.fail)
    try {
      await rec.until('a Scheduled event', () =>
        listItems(rec.updates).some((e) => e.reason === 'Scheduled')
      )
      const scheduled = listItems(rec.updates).find((e) => e.reason === 'Scheduled')!
      expect(scheduled).toMatchObject({
        type: 'Normal',
        namespace: 'default',
        source: 'default-scheduler',
        involved: { kind: 'Pod', namespace: 'default' }
      })
      expect(scheduled.message).toMatch(/Successfully assigned default\/.+ to kubedesk-worker/)
    } finally {
      stop()
    }
    const warnings = new Recorder<ListUpdate<EventRow>>()
    const stopWarnings = topics.events({ type: 'Warning' }, warnings.emit, warnings.fail)
    await warnings.until('the reset', () => warnings.updates.length > 0)
    stopWarnings()
    expect(listItems(warnings.updates).every((e) => e.type === 'Warning')).toBe(true)
  })
})
