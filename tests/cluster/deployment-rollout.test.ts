/**
 * `kubectl rollout` end to end: the real kubectl against `kubedesk up` with simulated nodes
 * (fake runtime, so pods really go Running and Ready). One Deployment goes through status,
 * history, undo, restart, pause (scaling still applies, no rollout), resume, and a rollout that
 * never gets ready until its progress deadline passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { applyAll, getJson, QUICK_FLAGS, waitNodesReady, waitUntil } from './fixtures'

const WORKERS = ['kubedesk-worker', 'kubedesk-worker2', 'kubedesk-worker3']
const REVISION = 'deployment.kubernetes.io/revision'
let cluster: Cluster | undefined

function live(): Cluster {
  if (!cluster) throw new Error('no cluster (beforeAll failed)')
  return cluster
}

interface DeploymentView {
  metadata: { generation: number; annotations?: Record<string, string> }
  spec: { replicas: number; paused?: boolean; template: TemplateView }
  status: {
    observedGeneration?: number
    replicas?: number
    updatedReplicas?: number
    conditions?: { type: string; status: string; reason?: string; message?: string }[]
  }
}
interface TemplateView {
  metadata?: { annotations?: Record<string, string> }
  spec: { containers: { image: string }[] }
}
interface ReplicaSetView {
  metadata: { name: string; annotations?: Record<string, string> }
  spec: { replicas: number; template: TemplateView }
}

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'default',
    annotations: { 'kubernetes.io/change-cause': 'first' }
  },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }]
      }
    }
  }
})

async function kubectlOk(args: string[], timeoutMs?: number): Promise<string> {
  const res = await live().kubectl(args, { timeoutMs })
  expect(res.code, `kubectl ${args.join(' ')}: ${res.stderr}`).toBe(0)
  return res.stdout
}
const getDeploy = () => getJson<DeploymentView>(live(), ['deployment', 'web'])
const replicaSets = async () =>
  (await getJson<{ items: ReplicaSetView[] }>(live(), ['rs', '-l', 'app=web'])).items
const byRevision = async (revision: string) =>
  (await replicaSets()).find((rs) => rs.metadata.annotations?.[REVISION] === revision)
const imageOf = (t: TemplateView) => t.spec.containers[0].image
const rolloutStatus = () =>
  kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=30s'], 40_000)
/** The status the controller wrote for the Deployment's current generation. */
const observed = () =>
  waitUntil('the deployment observed', async () => {
    const d = await getDeploy()
    return (d.status.observedGeneration ?? 0) >= d.metadata.generation ? d : undefined
  })

describe('kubectl rollout on simulated nodes', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, provider: 'simulated', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, [...WORKERS, 'kubedesk-control-plane'])
    await applyAll(cluster, [deployment()])
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  it('rollout status waits for the rollout and says it succeeded', async () => {
    expect(await rolloutStatus()).toContain('deployment "web" successfully rolled out')
    const d = await getDeploy()
    expect(d.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable'
    })
  }, 45_000)

  it('rollout history lists the revisions with their change-cause; --revision shows one', async () => {
    // As in Kubernetes, the Deployment's annotations go to its newest ReplicaSet: annotate after
    // the change so revision 1 keeps its own change-cause.
    await kubectlOk(['set', 'image', 'deployment/web', 'main=busybox:1.37'])
    await rolloutStatus()
    await kubectlOk([
      'annotate',
      'deployment/web',
      '--overwrite',
      'kubernetes.io/change-cause=v2',
      '-v=6'
    ])
    const history = await waitUntil('revision 2 with its change-cause', async () => {
      const out = await kubectlOk(['rollout', 'history', 'deployment/web'])
      return /^2\s+v2$/m.test(out) ? out : undefined
    })
    expect(history).toMatch(/^1\s+first$/m)
    const one = await kubectlOk(['rollout', 'history', 'deployment/web', '--revision', '1'])
    expect(one).toContain('Image:\tbusybox:1.36')
    expect(one).not.toContain('busybox:1.37')
  }, 45_000)

  it('rollout undo goes back to the previous template as a new revision', async () => {
    const out = await kubectlOk(['rollout', 'undo', 'deployment/web'])
    expect(out).toContain('deployment.apps/web rolled back')
    await rolloutStatus()
    const d = await getDeploy()
    expect(imageOf(d.spec.template)).toBe('busybox:1.36')
    expect(d.metadata.annotations?.[REVISION]).toBe('3')
    // The revision-1 ReplicaSet became revision 3 and holds every replica again.
    const rs = await byRevision('3')
    expect(rs && imageOf(rs.spec.template)).toBe('busybox:1.36')
    expect(rs?.spec.replicas).toBe(4)
    expect(await byRevision('1')).toBeUndefined()
    const pods = await getJson<{ items: { spec: { containers: { image: string }[] } }[] }>(live(), [
      'pods',
      '-l',
      'app=web'
    ])
    const images = pods.items.map((p) => p.spec.containers[0].image)
    expect(images.filter((i) => i === 'busybox:1.36')).toHaveLength(4)
  }, 45_000)

  it('rollout restart rolls out new pods stamped with restartedAt', async () => {
    const out = await kubectlOk(['rollout', 'restart', 'deployment/web'])
    expect(out).toContain('deployment.apps/web restarted')
    await rolloutStatus()
    const d = await getDeploy()
    const stamp = d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']
    expect(stamp).toBeTruthy()
    expect(d.metadata.annotations?.[REVISION]).toBe('4')
    const rs = await byRevision('4')
    expect(rs?.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(
      stamp
    )
    expect(rs?.spec.replicas).toBe(4)
  }, 45_000)

  it('rollout pause stops rollouts but not scaling; resume rolls out', async () => {
    await kubectlOk(['rollout', 'pause', 'deployment/web'])
    const before = (await replicaSets()).map((rs) => rs.metadata.name).sort()
    await kubectlOk(['set', 'image', 'deployment/web', 'main=busybox:1.38'])
    await kubectlOk(['scale', 'deployment/web', '--replicas=6'])
    const paused = await waitUntil('the paused deployment scaled', async () => {
      const d = await observed()
      return d.status.replicas === 6 ? d : undefined
    })
    expect(paused.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused'
    })
    // No ReplicaSet for the new image while paused; the current one took the new size.
    expect((await replicaSets()).map((rs) => rs.metadata.name).sort()).toEqual(before)
    expect((await byRevision('4'))?.spec.replicas).toBe(6)

    await kubectlOk(['rollout', 'resume', 'deployment/web'])
    await rolloutStatus()
    const d = await getDeploy()
    expect(d.metadata.annotations?.[REVISION]).toBe('5')
    const rs = await byRevision('5')
    expect(rs && imageOf(rs.spec.template)).toBe('busybox:1.38')
    expect(rs?.spec.replicas).toBe(6)
  }, 60_000)

  it('a rollout that never gets ready exceeds its progress deadline', async () => {
    await kubectlOk(['patch', 'deployment/web', '-p', '{"spec":{"progressDeadlineSeconds":3}}'])
    // The fake runtime fails to pull images named does-not-exist: the new pods never get Ready.
    await kubectlOk(['set', 'image', 'deployment/web', 'main=busybox:does-not-exist'])
    const res = await live().kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'], {
      timeoutMs: 40_000
    })
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('error: deployment "web" exceeded its progress deadline')
    const d = await getDeploy()
    const rs = await byRevision('6')
    expect(d.status.conditions?.find((c) => c.type === 'Progressing')).toEqual(
      expect.objectContaining({
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${rs?.metadata.name}" has timed out progressing.`
      })
    )
  }, 45_000)
  it('a ReplicationController runs, scales and reports its pods through kubectl', async () => {
    await applyAll(live(), [
      {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'legacy', namespace: 'default' },
        spec: {
          replicas: 2,
          template: {
            metadata: { labels: { app: 'legacy' } },
            spec: {
              containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }]
            }
          }
        }
      }
    ])
    await kubectlOk(['scale', 'rc/legacy', '--replicas=3'])
    const rc = await waitUntil('3 ready replicas', async () => {
      const r = await getJson<{
        spec: { selector: Record<string, string> }
        status: Record<string, number>
      }>(live(), ['rc', 'legacy'])
      return r.status.readyReplicas === 3 ? r : undefined
    })
    expect(rc.spec.selector).toEqual({ app: 'legacy' })
    expect(rc.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, availableReplicas: 3 })
    const table = await kubectlOk(['get', 'rc', 'legacy'])
    expect(table).toMatch(/^legacy\s+3\s+3\s+3\s/m)
  }, 45_000)
})
