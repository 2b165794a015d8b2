/**
 * The desktop host's logs on simulated nodes: the in-process kubelets' logs are offered where
 * they write and follow like any component, a burst of lines arrives in a few batched pushes, and
 * a pod on a simulated node shows (in the Logs view and to `kubectl logs`) what the fake runtime
 * simulated: its command, how it was set to end, and its exit.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogs } from '../../src/main/desktop/host/logs'
import { logHubFor } from '../../src/main/observe/log-hub'
import { LogRecorder, startHostCluster, waitForNode, type HostCluster } from './host-fixture'

const WORKER = 'kubedesk-worker'

let cluster: HostCluster
let logs: ReturnType<typeof createLogs>

beforeAll(async () => {
  cluster = await startHostCluster({ provider: 'simulated', nodes: 1, quickNodeHealth: true })
  logs = createLogs(cluster.ctx)
  await waitForNode(cluster, WORKER, 'Ready')
}, 60_000)

afterAll(async () => {
  logs?.close()
  await cluster?.stop()
}, 30_000)

describe('logs on simulated nodes', () => {
  it("offers the in-process kubelets' logs where they write, and follows one", async () => {
    const names = (await logs.listLogSources()).map((s) => s.kind === 'component' && s.name)
    expect(names).toContain('kubelet-kubedesk-control-plane')
    expect(names).toContain('node-provider')
    // Simulated workers' kubelets write to the node-provider log: no empty source of their own.
    expect(names).not.toContain(`kubelet-${WORKER}`)
    const sub = new LogRecorder()
    const stop = logs.subscribeLogs(
      { source: { kind: 'component', name: 'kubelet-kubedesk-control-plane' }, tail: 50 },
      sub.emit,
      sub.fail
    )
    try {
      await sub.until('the kubelet registering', () =>
        sub.lines().some((l) => l.text.includes('registered node'))
      )
      expect(sub.errors).toEqual([])
    } finally {
      stop()
    }
  })

  it('a burst of lines arrives in a few pushes, and nothing after unsubscribe', async () => {
    const sub = new LogRecorder()
    const stop = logs.subscribeLogs(
      { source: { kind: 'component', name: 'kubedesk' }, tail: 0 },
      sub.emit,
      sub.fail
    )
    const sink = logHubFor(cluster.dataDir).sink('kubedesk')
    for (let i = 0; i < 2000; i++) sink.write(`burst line ${i}`)
    await sub.until(
      'the whole burst',
      () => sub.lines().filter((l) => l.text.startsWith('burst line')).length === 2000
    )
    expect(sub.updates.length).toBeLessThanOrEqual(3)
    expect(sub.lines().find((l) => l.text === 'burst line 0')).toEqual({ text: 'burst line 0' })
    stop()
    const pushes = sub.updates.length
    sink.write('after unsubscribe')
    await new Promise((r) => setTimeout(r, 300))
    expect(sub.updates.length).toBe(pushes)
  })

  it("follows a simulated pod's log: what the fake runtime simulated, to its exit", async () => {
    await cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'brief', namespace: 'default' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sh', '-c', 'echo hi'],
            env: [
              { name: 'KUBEDESK_FAKE_EXIT_CODE', value: '3' },
              { name: 'KUBEDESK_FAKE_RUN_SECONDS', value: '1' }
            ]
          }
        ]
      }
    })
    const sub = new LogRecorder()
    const stop = logs.subscribeLogs(
      { source: { kind: 'pod', namespace: 'default', name: 'brief', container: 'c' } },
      sub.emit,
      sub.fail
    )
    try {
      await sub.until('the end', () => sub.errors.length > 0, 30_000)
      const texts = sub.lines().map((l) => l.text)
      expect(texts).toContain(
        `[kubedesk] started "sh -c echo hi" (image busybox) on simulated node ${WORKER}`
      )
      expect(texts).toContain(
        '[kubedesk] a simulated container runs no process and logs nothing else; ' +
          'it exits with code 3 after 1s'
      )
      expect(texts).toContain('[kubedesk] exited with code 3 (Error)')
      expect(sub.errors[0]).toBe('pod default/brief has finished (Failed); its log ends here')
    } finally {
      stop()
    }
  })

  it('serves `kubectl logs` of a simulated pod over HTTPS', async () => {
    await cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'quiet', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] }
    })
    const kubeconfig = join(cluster.dataDir, 'kubeconfig')
    // Asynchronously: the API server answering it runs in this process.
    const kubectl = async (...args: string[]) =>
      (
        await promisify(execFile)(process.env.KUBECTL ?? 'kubectl', [
          '--kubeconfig',
          kubeconfig,
          ...args
        ])
      ).stdout
    await kubectl('wait', '--for=condition=Ready', 'pod/quiet', '--timeout=30s')
    expect(await kubectl('logs', 'quiet')).toBe(
      `[kubedesk] started the image's default command (image busybox) on simulated node ` +
        `${WORKER}\n` +
        '[kubedesk] a simulated container runs no process and logs nothing else; ' +
        'it runs until stopped\n'
    )
    expect(await kubectl('logs', 'quiet', '--tail=1', '--timestamps')).toMatch(
      /^\d{4}-\d{2}-\d{2}T[\d:.]+Z \[kubedesk\] a simulated container .* runs until stopped\n$/
    )
  })

  it("a control-plane component's mirror pod shows the component's own klog lines", async () => {
    const pod = 'kube-apiserver-kubedesk-control-plane'
    const source = (await logs.listLogSources()).find(
      (s) => s.kind === 'pod' && s.namespace === 'kube-system' && s.name === pod
    )
    expect(source).toBeDefined()
    const sub = new LogRecorder()
    const stop = logs.subscribeLogs(
      { source: { kind: 'pod', namespace: 'kube-system', name: pod, container: 'kube-apiserver' } },
      sub.emit,
      sub.fail
    )
    try {
      await sub.until('klog lines', () => sub.lines().some((l) => l.level === 'info' && l.time))
      expect(sub.lines().some((l) => l.text.includes('kube-apiserver]'))).toBe(true)
      expect(sub.errors).toEqual([])
    } finally {
      stop()
    }
  })

  it('a missing pod or container fails readably', async () => {
    const missing = new LogRecorder()
    logs.subscribeLogs(
      { source: { kind: 'pod', namespace: 'default', name: 'ghost', container: 'c' } },
      missing.emit,
      missing.fail
    )
    await missing.until('the failure', () => missing.errors.length > 0)
    expect(missing.errors[0]).toBe('pod default/ghost is gone (it was deleted)')
    const wrong = new LogRecorder()
    logs.subscribeLogs(
      { source: { kind: 'pod', namespace: 'default', name: 'quiet', container: 'nope' } },
      wrong.emit,
      wrong.fail
    )
    await wrong.until('the failure', () => wrong.errors.length > 0)
    expect(wrong.errors[0]).toBe('container nope is not valid for pod quiet')
  })
})
