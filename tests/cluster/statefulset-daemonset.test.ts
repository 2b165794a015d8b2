/**
 * `kubectl rollout` of a StatefulSet and a DaemonSet end to end: the real kubectl against
 * `kubedesk up` with two simulated nodes. Both go through status, history (with change-cause),
 * history of one revision, and undo; `kubectl get controllerrevisions` lists the revisions the
 * controllers keep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { applyAll, getJson, QUICK_FLAGS, waitNodesReady, waitUntil } from './fixtures'

const WORKERS = ['kubedesk-worker', 'kubedesk-worker2']
const CAUSE = 'kubernetes.io/change-cause'
let cluster: Cluster | undefined

function live(): Cluster {
  if (!cluster) throw new Error('no cluster (beforeAll failed)')
  return cluster
}

interface WorkloadView {
  spec: { template: { spec: { containers: { image: string }[] } } }
}
interface PodView {
  metadata: { name: string; deletionTimestamp?: string }
  spec: { containers: { image: string }[]; nodeName?: string }
}

const podTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }]
  }
})
const statefulSet = () => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', annotations: { [CAUSE]: 'first' } },
  spec: {
    replicas: 2,
    serviceName: 'web',
    selector: { matchLabels: { app: 'web' } },
    template: podTemplate('web')
  }
})
const daemonSet = () => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'default', annotations: { [CAUSE]: 'first' } },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent') }
})

async function kubectlOk(args: string[], timeoutMs?: number): Promise<string> {
  const res = await live().kubectl(args, { timeoutMs })
  expect(res.code, `kubectl ${args.join(' ')}: ${res.stderr}`).toBe(0)
  return res.stdout
}
const rolloutStatus = (ref: string) =>
  kubectlOk(['rollout', 'status', ref, '--timeout=30s'], 40_000)
const imageOf = async (ref: string) =>
  (await getJson<WorkloadView>(live(), ref.split('/'))).spec.template.spec.containers[0].image
const podImages = async (app: string) =>
  (await getJson<{ items: PodView[] }>(live(), ['pods', '-l', `app=${app}`])).items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => p.spec.containers[0].image)

describe.each([
  { ref: 'statefulset/web', app: 'web', kind: 'statefulset.apps', pods: 2 },
  { ref: 'daemonset/agent', app: 'agent', kind: 'daemonset.apps', pods: WORKERS.length }
])('kubectl rollout $ref on simulated nodes', ({ ref, app, kind, pods }) => {
  it('rollout status waits for every pod and says it is done', async () => {
    const out = await rolloutStatus(ref)
    expect(out).toMatch(
      app === 'web'
        ? // RollingUpdate is defaulted with partition 0, so kubectl reports a partitioned roll out.
          /partitioned roll out complete: 2 new pods have been updated/
        : /daemon set "agent" successfully rolled out/
    )
    expect(await podImages(app)).toEqual(Array(pods).fill('busybox:1.36'))
  }, 45_000)

  it('rollout history lists the revisions with their change-cause; --revision shows one', async () => {
    // A revision keeps the annotations its owner had when it was made: annotate first.
    await kubectlOk(['annotate', ref, '--overwrite', `${CAUSE}=v2`])
    await kubectlOk(['set', 'image', ref, 'main=busybox:1.37'])
    await rolloutStatus(ref)
    expect(await podImages(app)).toEqual(Array(pods).fill('busybox:1.37'))
    const history = await kubectlOk(['rollout', 'history', ref])
    expect(history).toMatch(/^REVISION\s+CHANGE-CAUSE$/m)
    expect(history).toMatch(/^1\s+first$/m)
    expect(history).toMatch(/^2\s+v2$/m)
    const one = await kubectlOk(['rollout', 'history', ref, '--revision=1'])
    expect(one).toContain('revision #1')
    expect(one).toContain('Image:\tbusybox:1.36')
    expect(one).not.toContain('busybox:1.37')
  }, 60_000)

  it('rollout undo goes back to the previous template, renumbered as revision 3', async () => {
    const out = await kubectlOk(['rollout', 'undo', ref])
    expect(out).toContain(`${kind}/${app} rolled back`)
    await rolloutStatus(ref)
    expect(await imageOf(ref)).toBe('busybox:1.36')
    await waitUntil(`${app} pods back at busybox:1.36`, async () => {
      const images = await podImages(app)
      return images.length === pods && images.every((i) => i === 'busybox:1.36') ? true : undefined
    })
    const history = await kubectlOk(['rollout', 'history', ref])
    expect(history).toMatch(/^2\s+v2$/m)
    expect(history).toMatch(/^3\s+first$/m)
    expect(history).not.toMatch(/^1\s/m)
  }, 60_000)

  it('kubectl get controllerrevisions shows NAME CONTROLLER REVISION AGE', async () => {
    const out = await kubectlOk(['get', 'controllerrevisions', '-l', `app=${app}`])
    const [header, ...rows] = out.trim().split('\n')
    expect(header.split(/\s+/)).toEqual(['NAME', 'CONTROLLER', 'REVISION', 'AGE'])
    const cells = rows.map((r) => r.split(/\s+/)).sort((a, b) => Number(a[2]) - Number(b[2]))
    expect(cells.map((c) => [c[1], c[2]])).toEqual([
      [`${kind.split('.')[0]}.apps/${app}`, '2'],
      [`${kind.split('.')[0]}.apps/${app}`, '3']
    ])
    for (const c of cells) expect(c[0]).toMatch(new RegExp(`^${app}-[a-z0-9]+$`))
  }, 30_000)
})

it('kubectl api-resources lists controllerrevisions in apps/v1', async () => {
  const out = await kubectlOk(['api-resources', '--api-group=apps'])
  expect(out).toMatch(/^controllerrevisions\s+apps\/v1\s+true\s+ControllerRevision$/m)
})

beforeAll(async () => {
  cluster = await startCluster({
    nodes: WORKERS.length,
    provider: 'simulated',
    extraArgs: QUICK_FLAGS
  })
  await waitNodesReady(cluster, [...WORKERS, 'kubedesk-control-plane'])
  await applyAll(cluster, [statefulSet(), daemonSet()])
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
}, 60_000)
