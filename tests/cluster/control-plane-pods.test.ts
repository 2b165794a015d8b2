/**
 * The control plane as Kubernetes shows it, through the real kubectl: mirror pods in kube-system
 * for etcd, kube-apiserver, kube-controller-manager and kube-scheduler, Running and Ready; their
 * logs (`kubectl logs`, `-f`, `--previous`) are the components' own; a component that fails
 * (`kubedesk component fail`) goes not ready, is restarted with RESTARTS up and says so in
 * `kubectl describe`; /livez and /readyz give per-check detail. Simulated worker nodes: nothing
 * here needs containers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, type Cluster } from '../helpers/cluster'
import { watchPath } from '../helpers/watch'
import { kubedesk, QUICK_FLAGS, waitNodesReady, waitUntil } from './fixtures'

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']
const NODE = 'kubedesk-control-plane'
let cluster: Cluster | undefined

function live(): Cluster {
  if (!cluster) throw new Error('no cluster (beforeAll failed)')
  return cluster
}

interface MirrorPod {
  metadata: { name: string; annotations?: Record<string, string>; uid: string }
  spec: { nodeName?: string }
  status?: {
    phase?: string
    conditions?: { type: string; status: string }[]
    containerStatuses?: {
      ready: boolean
      restartCount: number
      state?: { waiting?: { reason?: string } }
      lastState?: { terminated?: { reason?: string; message?: string } }
    }[]
  }
}

async function kubectlOk(args: string[]): Promise<string> {
  const r = await live().kubectl(args)
  expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

/** A bare pod for the scheduler to place (`kubectl run`). */
async function run(name: string): Promise<void> {
  await kubectlOk(['run', name, '--image=busybox', '--restart=Never', '--', 'sleep', '3600'])
}

describe('the control plane in kube-system', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1, provider: 'simulated', extraArgs: QUICK_FLAGS })
    await waitNodesReady(cluster, ['kubedesk-worker', NODE])
  }, 120_000)

  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)

  it('lists a Running, Ready mirror pod per component on the control-plane node', async () => {
    const out = await waitUntil('four Ready control-plane pods', async () => {
      const text = await kubectlOk(['get', 'pods', '-n', 'kube-system', '-o', 'wide'])
      const ready = COMPONENTS.every((c) =>
        new RegExp(`^${c}-${NODE}\\s+1/1\\s+Running\\s+0\\s`, 'm').test(text)
      )
      return ready ? text : undefined
    })
    for (const c of COMPONENTS) {
      const line = out.split('\n').find((l) => l.startsWith(`${c}-${NODE} `)) ?? ''
      expect(line, out).toContain(NODE)
      expect(line).toContain('127.0.0.1')
    }
    const pod = JSON.parse(
      await kubectlOk(['get', 'pod', '-n', 'kube-system', `kube-scheduler-${NODE}`, '-o', 'json'])
    ) as MirrorPod
    expect(pod.metadata.annotations?.['kubernetes.io/config.mirror']).toBeTruthy()
    expect(pod.spec.nodeName).toBe(NODE)
  })

  it("prints each component's own log lines through kubectl logs", async () => {
    // A pod for the scheduler to decide on: its decision is in the scheduler pod's log.
    await run('decided')
    const scheduled = await waitUntil('the scheduling decision in kubectl logs', async () => {
      const text = await kubectlOk(['logs', '-n', 'kube-system', `kube-scheduler-${NODE}`])
      return /"pod scheduled" pod="default\/decided" node="kubedesk-worker"/.test(text)
        ? text
        : undefined
    })
    expect(scheduled).toMatch(/^I\d{4} [\d:.]+ +\d+ kube-scheduler\] /m)
    const expected: Record<string, RegExp> = {
      etcd: /etcd\] /,
      'kube-apiserver': /kube-apiserver\] "serving"/,
      'kube-controller-manager': /kube-controller-manager\] "controller manager started"/
    }
    for (const [component, line] of Object.entries(expected)) {
      const text = await kubectlOk(['logs', '-n', 'kube-system', `${component}-${NODE}`])
      expect(text, component).toMatch(line)
    }
    const tail = await kubectlOk([
      'logs',
      '-n',
      'kube-system',
      `kube-scheduler-${NODE}`,
      '--tail=1',
      '--timestamps'
    ])
    expect(tail.trim().split('\n')).toHaveLength(1)
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z I\d{4} /)
  })

  it('follows a component log with kubectl logs -f', async () => {
    const follow = live().kubectlSpawn([
      'logs',
      '-f',
      '-n',
      'kube-system',
      `kube-scheduler-${NODE}`
    ])
    try {
      await follow.waitFor(/scheduler started/)
      await run('followed')
      await follow.waitFor(/"pod scheduled" pod="default\/followed"/, 20_000)
    } finally {
      await follow.kill()
    }
  })

  it('restarts a failed component and shows it: not ready, RESTARTS 1, describe and --previous', async () => {
    const c = live()
    const name = `kube-scheduler-${NODE}`
    const seen: MirrorPod[] = []
    const watch = watchPath<MirrorPod>(
      c.access,
      `/api/v1/namespaces/kube-system/pods?fieldSelector=metadata.name%3D${name}`,
      (e) => seen.push(e.object)
    )
    await watch.opened
    try {
      const failed = await kubedesk(c, [
        'component',
        'fail',
        'kube-scheduler',
        '--data-dir',
        c.dataDir
      ])
      expect(failed.code, failed.stderr).toBe(0)
      expect(failed.stdout).toMatch(/kube-scheduler failed/)
      await waitUntil('the scheduler back and Ready with one restart', async () => {
        const last = seen.at(-1)?.status?.containerStatuses?.[0]
        return last?.ready && last.restartCount === 1 ? true : undefined
      })
    } finally {
      watch.stop()
    }
    const notReady = seen.find((p) => p.status?.containerStatuses?.[0]?.ready === false)
    expect(notReady?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe(
      'CrashLoopBackOff'
    )
    expect(notReady?.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('False')

    const row = await kubectlOk(['get', 'pod', '-n', 'kube-system', name])
    expect(row).toMatch(new RegExp(`${name}\\s+1/1\\s+Running\\s+1 \\(`))
    const described = await kubectlOk(['describe', 'pod', '-n', 'kube-system', name])
    expect(described).toMatch(/Last State:\s+Terminated\s+Reason:\s+Error/)
    expect(described).toMatch(/Message:\s+simulated failure/)
    expect(described).toMatch(
      /Warning\s+BackOff\s+.*Back-off restarting failed container kube-scheduler/
    )
    expect(described).toMatch(/Normal\s+Started\s+.*\(x2 over/)

    const previous = await kubectlOk(['logs', '-n', 'kube-system', name, '--previous'])
    expect(previous).toMatch(/"component failed; restarting it after a back-off"/)
    const current = await kubectlOk(['logs', '-n', 'kube-system', name])
    expect(current).toMatch(/scheduler started/)
    expect(current).not.toMatch(/component failed/)

    // The restarted scheduler schedules again.
    await run('after-restart')
    await waitUntil('the pod bound after the restart', async () => {
      const pod = JSON.parse(await kubectlOk(['get', 'pod', 'after-restart', '-o', 'json'])) as {
        spec: { nodeName?: string }
      }
      return pod.spec.nodeName ? true : undefined
    })
  })

  it('brings a deleted mirror pod back, as a kubelet does for a static pod', async () => {
    const name = `kube-controller-manager-${NODE}`
    const before = JSON.parse(
      await kubectlOk(['get', 'pod', '-n', 'kube-system', name, '-o', 'json'])
    ) as MirrorPod
    await kubectlOk(['delete', 'pod', '-n', 'kube-system', name, '--wait=false'])
    const after = await waitUntil(
      'a new Ready mirror pod',
      async () => {
        const r = await live().kubectl(['get', 'pod', '-n', 'kube-system', name, '-o', 'json'])
        if (r.code !== 0) return undefined
        const pod = JSON.parse(r.stdout) as MirrorPod & { metadata: { deletionTimestamp?: string } }
        const ready = pod.status?.containerStatuses?.[0]?.ready
        return pod.metadata.uid !== before.metadata.uid && !pod.metadata.deletionTimestamp && ready
          ? pod
          : undefined
      },
      20_000
    )
    expect(after.status?.phase).toBe('Running')
  })

  it('refuses to fail what it cannot restart, or what does not exist', async () => {
    const c = live()
    const cases: [string, RegExp][] = [
      ['kube-apiserver', /cannot be restarted on its own/],
      ['etcd', /cannot be restarted on its own/],
      ['no-such', /unknown component 'no-such'/]
    ]
    for (const [name, message] of cases) {
      const r = await kubedesk(c, ['component', 'fail', name, '--data-dir', c.dataDir])
      expect(r.code, name).not.toBe(0)
      expect(r.stderr, name).toMatch(message)
    }
  })

  it('explains that a control-plane pod has no container to exec into', async () => {
    const r = await live().kubectl([
      'exec',
      '-n',
      'kube-system',
      `kube-scheduler-${NODE}`,
      '--',
      'ls'
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/runs inside the KubeDesk process, not in a container/)
  })

  it('answers /livez and /readyz with per-check detail', async () => {
    const c = live()
    const verbose = await c.request({ path: '/readyz?verbose' })
    expect(verbose.status).toBe(200)
    expect(verbose.body).toMatch(/^\[\+\]ping ok$/m)
    expect(verbose.body).toMatch(/^\[\+\]etcd ok$/m)
    expect(verbose.body).toMatch(/^\[\+\]shutdown ok$/m)
    expect(verbose.body.trim().split('\n').at(-1)).toBe('readyz check passed')
    const excluded = await c.request({ path: '/livez?verbose&exclude=etcd' })
    expect(excluded.body).toMatch(/^\[\+\]etcd excluded: ok$/m)
    expect(excluded.body).not.toMatch(/shutdown/)
    expect((await c.request({ path: '/livez' })).body).toBe('ok')
    expect((await c.request({ path: '/readyz/etcd' })).body).toBe('ok')
    expect((await c.request({ path: '/readyz/nothing' })).status).toBe(404)
    expect(await kubectlOk(['get', '--raw', '/livez?verbose'])).toMatch(/livez check passed/)
  })
})
