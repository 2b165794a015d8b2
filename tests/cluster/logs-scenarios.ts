/**
 * Component logs as a user reads them on real nodes, written once and run on process nodes
 * (tests/cluster/logs-process.test.ts) and Docker nodes (tests/cluster/docker-nodes.test.ts):
 * `kubedesk logs` lists every component with the worker's kubelet as `kubelet/<node>`; that
 * kubelet's log shows its own lines; with `kubedesk logs --verbosity 3 kube-apiserver` the
 * kubelet's own API requests (a real HTTPS client) appear in the request log with its node
 * identity; and on Docker, `kubedesk logs docker` shows a pod container dying with its exit code.
 */
import { expect, it } from 'vitest'
import type { Cluster } from '../helpers/cluster'
import { applyAll, kubedesk, podManifest, waitUntil } from './fixtures'

/** What the scenarios need from the test file. */
export interface LogsEnv {
  cluster(): Cluster
  /** The worker node whose kubelet and pods the scenarios look at. */
  node: string
  /** Docker nodes: engine events are in the `docker` log. */
  dockerEvents: boolean
  /** Called after the scenarios created pods (e.g. to remember their uids for clean-up). */
  created?: () => Promise<void>
}

async function ok(c: Cluster, args: string[]): Promise<string> {
  const r = await kubedesk(c, [...args, '--data-dir', c.dataDir])
  if (r.code !== 0) throw new Error(`kubedesk ${args.join(' ')}: ${r.code}\n${r.stderr}`)
  return r.stdout
}

/** Adds the `logs: …` tests to the caller's describe. */
export function registerLogsScenarios(env: LogsEnv): void {
  it('logs: kubedesk logs lists every component, the worker’s kubelet as kubelet/<node>', async () => {
    const c = env.cluster()
    const names = (await ok(c, ['logs']))
      .split('\n')
      .slice(1)
      .map((line) => line.split(/ {3,}/)[0])
    for (const name of [
      'etcd',
      'kube-apiserver',
      'kube-scheduler',
      'kube-controller-manager',
      'node-provider',
      `kubelet/${env.node}`,
      'kubelet/kubedesk-control-plane',
      ...(env.dockerEvents ? ['docker'] : [])
    ]) {
      expect(names).toContain(name)
    }
    const kubelet = await ok(c, ['logs', `kubelet/${env.node}`])
    expect(kubelet).toMatch(/^I\d{4} [\d:.]+ +\d+ kubelet\] /m)
  })

  it('logs: a kubelet’s verbosity changes at run time, through its /debug/flags/v', async () => {
    const c = env.cluster()
    const kubelet = `kubelet/${env.node}`
    expect(await ok(c, ['logs', '--verbosity', '4', kubelet])).toMatch(
      new RegExp(`^${kubelet}: verbosity 4 \\(was \\d+\\)\\n$`)
    )
    try {
      // Lease renewals are logged at V(4); the quick flags renew every second.
      await waitUntil(
        'a lease renewal in the kubelet log',
        async () =>
          /kubelet\] "lease renewed"/.test(await ok(c, ['logs', kubelet, '--since', '10s']))
            ? true
            : undefined,
        20_000
      )
    } finally {
      await ok(c, ['logs', '--verbosity', '2', kubelet])
    }
    await new Promise((r) => setTimeout(r, 3000))
    expect(await ok(c, ['logs', kubelet, '--since', '2s'])).not.toMatch(/"lease renewed"/)
  })

  it('logs: at verbosity 3 the request log shows the kubelet’s own requests as its node', async () => {
    const c = env.cluster()
    expect(await ok(c, ['logs', '--verbosity', '3', 'kube-apiserver'])).toMatch(
      /^kube-apiserver: verbosity 3 \(was \d+\)\n$/
    )
    try {
      const line = await waitUntil(
        `a request of system:node:${env.node} in the kube-apiserver log`,
        async () =>
          (await ok(c, ['logs', 'kube-apiserver', '--grep', `user="system:node:${env.node}"`]))
            .split('\n')
            .find((l) => l.includes('"HTTP"')),
        30_000
      )
      expect(line).toMatch(/ verb="(GET|PUT|PATCH|LIST|WATCH|POST)" URI="\/ap/)
      expect(line).toMatch(/ srcIP="[\d.]+:\d+" resp=\d{3}$/)
    } finally {
      await ok(c, ['logs', '--verbosity', '2', 'kube-apiserver'])
    }
  })

  if (!env.dockerEvents) return
  it('logs: kubedesk logs docker shows a pod container dying with its exit code', async () => {
    const c = env.cluster()
    await applyAll(c, [
      podManifest({ name: 'exit-3', node: env.node, script: 'exit 3', restartPolicy: 'Never' })
    ])
    await env.created?.()
    const line = await waitUntil(
      'the die event of exit-3 in the docker log',
      async () =>
        (await ok(c, ['logs', 'docker', '--grep', 'pod="default/exit-3"']))
          .split('\n')
          .find((l) => l.includes('"container die"') && l.includes('container="main"')),
      60_000
    )
    expect(line).toMatch(/^W\d{4} .* docker\] "container die" /)
    expect(line).toContain(` node="${env.node}" role="container" pod="default/exit-3"`)
    expect(line).toMatch(/ exitCode=3$/)
    await c.kubectl(['delete', 'pod', 'exit-3', '--wait=false'])
  })
}
