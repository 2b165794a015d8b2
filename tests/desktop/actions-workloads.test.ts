/**
 * The desktop host's workload actions against a real control plane with simulated nodes: YAML
 * apply (created, unchanged, configured, failed per document), the Deploy form, scale, rollout
 * restart, rollout undo, delete and replace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createActions } from '../../src/main/desktop/host/actions'
import type { KubeObject } from '../../src/main/apiserver/types'
import { eventually, startHostCluster, type HostCluster } from './host-fixture'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' }
const POD = { apiVersion: 'v1', kind: 'Pod' }

let cluster: HostCluster
let actions: ReturnType<typeof createActions>

beforeAll(async () => {
  cluster = await startHostCluster({ nodes: 2 })
  actions = createActions(cluster.ctx)
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
}, 30_000)

const THREE_DOCUMENTS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Frobnicator
metadata:
  name: nope
---
apiVersion: v1
kind: Service
metadata:
  name: front
spec:
  selector: { app: front }
  ports: [{ port: 80 }]
`

async function runningPods(selector: string): Promise<Json[]> {
  const pods = await cluster.client.list<Json>(POD, {
    namespace: 'default',
    labelSelector: selector
  })
  return pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
}

describe('applyYaml', () => {
  it('applies each document on its own, then reports unchanged and configured', async () => {
    const first = await actions.applyYaml({ yaml: THREE_DOCUMENTS })
    expect(first.map((r) => [r.document, r.kind, r.name, r.outcome])).toEqual([
      [1, 'ConfigMap', 'settings', 'created'],
      [2, 'Frobnicator', 'nope', 'failed'],
      [3, 'Service', 'front', 'created']
    ])
    expect(first[0].namespace).toBe('default')
    expect(first[1].code).toBe(404)
    expect(first[1].message).toMatch(/could not find the requested resource/)

    const again = await actions.applyYaml({ yaml: THREE_DOCUMENTS })
    expect(again.map((r) => r.outcome)).toEqual(['unchanged', 'failed', 'unchanged'])

    const changed = await actions.applyYaml({
      yaml: THREE_DOCUMENTS.replace('mode: fast', 'mode: slow')
    })
    expect(changed.map((r) => r.outcome)).toEqual(['configured', 'failed', 'unchanged'])
    const cm = await cluster.client.get<Json>(
      { apiVersion: 'v1', kind: 'ConfigMap' },
      'default',
      'settings'
    )
    expect(cm.data.mode).toBe('slow')
  })

  it('reports a YAML syntax error with its line, and still applies the other documents', async () => {
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok-one\n---\nkind: [unclosed\n`
    const results = await actions.applyYaml({ yaml })
    expect(results[0]).toMatchObject({ outcome: 'created', name: 'ok-one' })
    expect(results[1].outcome).toBe('failed')
    expect(results[1].message).toMatch(/line 6/)
  })

  it('dry run creates nothing', async () => {
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n`
    const [result] = await actions.applyYaml({ yaml, dryRun: true })
    expect(result.outcome).toBe('created')
    await expect(
      cluster.client.get({ apiVersion: 'v1', kind: 'ConfigMap' }, 'default', 'dry')
    ).rejects.toThrow(/not found/)
  })
})

describe('deploy', () => {
  it('refuses bad input with a message naming the field', async () => {
    const base = { name: 'web', image: 'nginx', replicas: 1, env: [], expose: false }
    await expect(actions.deploy({ ...base, name: 'Web_1' })).rejects.toThrow(/Name 'Web_1'/)
    await expect(actions.deploy({ ...base, replicas: -1 })).rejects.toThrow(/Replicas/)
    await expect(actions.deploy({ ...base, port: 70000 })).rejects.toThrow(/Port/)
    await expect(actions.deploy({ ...base, expose: true })).rejects.toThrow(/needs a Port/)
    await expect(actions.deploy({ ...base, memory: 'lots' })).rejects.toThrow(/Memory 'lots'/)
    await expect(actions.deploy({ ...base, env: [{ name: '1X', value: 'y' }] })).rejects.toThrow(
      /Environment variable name '1X'/
    )
  })

  it('creates the Deployment and its Service, and the pods appear', async () => {
    const result = await actions.deploy({
      name: 'web',
      image: 'nginx:1.27',
      replicas: 2,
      port: 8080,
      env: [{ name: 'MODE', value: 'demo' }],
      cpu: '100m',
      memory: '64Mi',
      expose: true,
      serviceType: 'NodePort'
    })
    expect(result.selector).toBe('app=web')
    expect(result.results.map((r) => [r.kind, r.outcome])).toEqual([
      ['Deployment', 'created'],
      ['Service', 'created']
    ])
    const svc = await cluster.client.get<Json>(
      { apiVersion: 'v1', kind: 'Service' },
      'default',
      'web'
    )
    expect(svc.spec.type).toBe('NodePort')
    expect(svc.spec.ports[0].port).toBe(8080)
    const pods = await eventually('two running web pods', async () => {
      const running = await runningPods('app=web')
      return running.length === 2 ? running : undefined
    })
    const container = pods[0].spec.containers[0]
    expect(container).toMatchObject({
      name: 'web',
      image: 'nginx:1.27',
      env: [{ name: 'MODE', value: 'demo' }],
      resources: {
        requests: { cpu: '100m', memory: '64Mi' },
        limits: { cpu: '100m', memory: '64Mi' }
      }
    })
  })

  it('scales, restarts and rolls back the Deployment', async () => {
    const ref = { kind: 'Deployment', namespace: 'default', name: 'web' }
    const scaled = await actions.workloadAction({ action: 'scale', ref, replicas: 3 })
    expect(scaled.message).toBe('deployment.apps/web scaled to 3')
    await eventually('three running web pods', async () =>
      (await runningPods('app=web')).length === 3 ? true : undefined
    )

    await actions.workloadAction({ action: 'restart', ref })
    const restarted = await cluster.client.get<Json>(DEPLOYMENT, 'default', 'web')
    const at = restarted.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']
    expect(Date.parse(at)).not.toBeNaN()

    // A new image makes a new revision; rollback brings the one before back.
    await cluster.client.patch(DEPLOYMENT, 'default', 'web', 'strategic', {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } }
    })
    await eventually('the nginx:1.28 ReplicaSet', async () => {
      const rs = await cluster.client.list<Json>(
        { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
        { namespace: 'default', labelSelector: 'app=web' }
      )
      return rs.items.some((r) => r.spec.template.spec.containers[0].image === 'nginx:1.28')
        ? true
        : undefined
    })
    const undone = await actions.workloadAction({ action: 'rollback', ref })
    expect(undone.message).toMatch(/^deployment.apps\/web rolled back to revision \d+$/)
    const after = await cluster.client.get<Json>(DEPLOYMENT, 'default', 'web')
    expect(after.spec.template.spec.containers[0].image).toBe('nginx:1.27')
    expect(after.spec.template.metadata.labels['pod-template-hash']).toBeUndefined()
    await expect(actions.workloadAction({ action: 'rollback', ref, revision: 99 })).rejects.toThrow(
      /unable to find revision 99/
    )
  })

  it('says clearly when a Deployment has no previous revision', async () => {
    await actions.deploy({ name: 'solo', image: 'busybox', replicas: 1, env: [], expose: false })
    await eventually('the solo ReplicaSet', async () => {
      const rs = await cluster.client.list(
        { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
        { namespace: 'default', labelSelector: 'app=solo' }
      )
      return rs.items.length > 0 ? true : undefined
    })
    await expect(
      actions.workloadAction({
        action: 'rollback',
        ref: { kind: 'Deployment', namespace: 'default', name: 'solo' }
      })
    ).rejects.toThrow(/has no previous revision to roll back to/)
  })

  it('replace writes the edited object and reports a stale one with the API conflict', async () => {
    const current = await cluster.client.get<KubeObject>(
      { apiVersion: 'v1', kind: 'ConfigMap' },
      'default',
      'settings'
    )
    const edited = { ...current, data: { mode: 'edited' } }
    const yaml = JSON.stringify(edited)
    const done = await actions.workloadAction({ action: 'replace', yaml })
    expect(done.message).toBe('configmap/settings replaced')
    // The same text again: its resourceVersion is now stale.
    await expect(actions.workloadAction({ action: 'replace', yaml })).rejects.toThrow(
      /the object has been modified/
    )
  })

  it('deletes with a propagation policy, and refuses unknown objects readably', async () => {
    const ref = { kind: 'Deployment', namespace: 'default', name: 'solo' }
    const done = await actions.workloadAction({
      action: 'delete',
      ref,
      propagationPolicy: 'Foreground'
    })
    expect(done.message).toBe('deployment.apps/solo deleted')
    await expect(
      actions.workloadAction({ action: 'scale', ref: { ...ref, name: 'ghost' }, replicas: 1 })
    ).rejects.toThrow(/not found/)
    await expect(
      actions.workloadAction({
        action: 'scale',
        ref: { kind: 'Service', name: 'web' },
        replicas: 1
      })
    ).rejects.toThrow(/cannot be scaled/)
  })
})
